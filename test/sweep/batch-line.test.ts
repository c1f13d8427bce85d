// The live line of runs side by side: each run still going, where it is (engine/where.ts's words), the best.
import { describe, it, expect, afterEach, vi } from 'vitest';
import { formatBatchLine } from '../../src/sweep/batch-line.js';
import { ttyDisplay, plainDisplay } from '../../src/sweep/progress.js';
import { whereStarted } from '../../src/engine/where.js';

const now = Date.parse('2026-12-02T10:00:00Z');
const ago = (s: number) => new Date(now - s * 1000).toISOString();

afterEach(() => vi.useRealTimers());

describe('batch line', () => {
  it('names each run still going, where it is and for how long, then the best', () => {
    const line = formatBatchLine(
      {
        span: '5-8/16',
        runs: [
          { description: 'X=5', where: whereStarted(undefined, ago(63), 'gpu 4') },
          { description: 'X=6', where: whereStarted({ engine: 'slurm', id: '812', place: { state: 'queued', queuedMs: 12_000, reason: 'Resources' } }, ago(12), 'slot 1') },
          { description: 'X=7', where: whereStarted({ engine: 'slurm', id: '813', place: { state: 'running', queuedMs: 20_000, node: 'a07' } }, ago(60), 'slot 2') },
          { description: 'X=8', where: null },
          { description: 'X=9' },
        ],
        best: 1,
      },
      now,
    );
    expect(line).toBe('[5-8/16] X=5 running gpu 4 63 s | X=6 pending job 812 (Resources) 12 s | X=7 running job 813 on a07 40 s | X=9 | best 1.000000');
    expect(formatBatchLine({ span: 'pass 2', runs: [{ description: 'A=1', where: null }], best: null }, now)).toBe('[pass 2] best -');
  });

  it('on a TTY: redrawn in place about once a second, the finished run leaves a line and the live line', () => {
    vi.useFakeTimers({ now });
    let text = '';
    const stream = { isTTY: true, columns: 200, write: (s: string) => ((text += s), true) } as unknown as NodeJS.WriteStream;
    const d = ttyDisplay(stream);
    d.batchStarted({ span: '1-2/2', descriptions: ['X=2.0', 'X=3.0'], best: 1.4 });
    expect(text).toBe('\r\x1b[2K[1-2/2] X=2.0 | X=3.0 | best 1.400000');
    d.batchProgress(0, whereStarted(undefined, ago(0), 'slot 0'));
    d.batchProgress(1, whereStarted(undefined, ago(0), 'slot 1'));
    expect(text).not.toContain('running'); // not redrawn within the second
    vi.advanceTimersByTime(3000);
    expect(text).toContain('\r\x1b[2K[1-2/2] X=2.0 running slot 0 3 s | X=3.0 running slot 1 3 s | best 1.400000');
    const draws = text.split('\r\x1b[2K').length;
    d.batchProgress(0, null);
    d.finished({ position: '1/2', description: 'X=2.0', record: { status: 'keep', metric: 'val_bpb', value: 1.1 }, best: 1.1 });
    expect(text).toMatch(/\[1\/2\] X=2\.0 {2}.*keep.* {2}val_bpb 1\.100000 {2}best 1\.100000\n\r\x1b\[2K\[1-2\/2\] X=3\.0 running slot 1 3 s \| best 1\.100000$/);
    d.close();
    expect(text.endsWith('\r\x1b[2K')).toBe(true);
    const closed = text.length;
    vi.advanceTimersByTime(5000);
    expect(text.length).toBe(closed); // no redraw after close
    expect(text.split('\r\x1b[2K').length).toBeGreaterThan(draws);
  });

  it('not on a TTY: no live line, only the finished runs', () => {
    let text = '';
    const d = plainDisplay((s) => (text += s));
    d.batchStarted({ span: '1-2/2', descriptions: ['X=2.0', 'X=3.0'], best: 1.4 });
    d.batchProgress(0, whereStarted(undefined, ago(0), 'slot 0'));
    d.finished({ position: '1/2', description: 'X=2.0', record: { status: 'keep', metric: 'val_bpb', value: 1.1 }, best: 1.1 });
    d.close();
    expect(text).toBe('[1/2] X=2.0  keep  val_bpb 1.100000  best 1.100000\n');
  });
});
