import { describe as group, it, expect } from 'vitest';
import { describe, gridPoints, randomPoints, greedy, greedyFirstPass, type Point, type GreedyTrial } from '../../src/sweep/points.js';
import { parseSweepSpec } from '../../src/sweep/spec.js';
import { literalKey } from '../../src/sweep/python.js';
import { formatRunLine, bar } from '../../src/sweep/progress.js';

const params = (yaml: string) => parseSweepSpec(yaml).parameters;
const point = (o: Record<string, string>): Point => Object.entries(o).map(([name, py]) => ({ name, value: { py, key: literalKey(py) } }));

group('grid', () => {
  it('lists every combination, the first parameter slowest', () => {
    const ps = gridPoints(params('parameters:\n  LR: [0.01, 0.04, 0.2]\n  DEPTH: [4, 8]\n'));
    expect(ps.map((p) => describe(p))).toEqual([
      'LR=0.01 DEPTH=4',
      'LR=0.01 DEPTH=8',
      'LR=0.04 DEPTH=4',
      'LR=0.04 DEPTH=8',
      'LR=0.2 DEPTH=4',
      'LR=0.2 DEPTH=8',
    ]);
    expect(describe(ps[0]!, 1)).toBe('LR=0.01 DEPTH=4 seed=1');
  });
});

group('random', () => {
  const ps = params('parameters:\n  A: [1, 2, 3, 4, 5]\n  B: [x, y, z]\n  C: [true, false]\n');
  it('is reproducible with a seed and draws without replacement', () => {
    const a = randomPoints(ps, 10, 42).map((p) => describe(p));
    const b = randomPoints(ps, 10, 42).map((p) => describe(p));
    const c = randomPoints(ps, 10, 43).map((p) => describe(p));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(new Set(a).size).toBe(10);
  });
  it('draws every point once when asked for more than exist', () => {
    const all = randomPoints(ps, 100, 1).map((p) => describe(p));
    expect(all).toHaveLength(30);
    expect(new Set(all)).toEqual(new Set(gridPoints(ps).map((p) => describe(p))));
  });
  it('handles a huge space by rejection', () => {
    const big = params(`parameters:\n${Array.from({ length: 8 }, (_, i) => `  P${i}: [${Array.from({ length: 10 }, (_, j) => j).join(', ')}]`).join('\n')}\n`);
    const a = randomPoints(big, 50, 3).map((p) => describe(p));
    expect(new Set(a).size).toBe(50);
    expect(randomPoints(big, 50, 3).map((p) => describe(p))).toEqual(a);
  });
});

group('greedy', () => {
  const ps = params('parameters:\n  A: [0, 1, 2, 3]\n  B: [-2, -1, 0]\n');
  /** A fake engine: keeps strictly better values, like runExperiment. */
  function fake(f: (p: Record<string, number>) => number, startBest: number) {
    let best = startBest;
    const tried: string[] = [];
    const evaluate = async (t: GreedyTrial) => {
      tried.push(describe(t.point));
      const v = f(Object.fromEntries(t.point.map((x) => [x.name, Number(x.value.py)])));
      if (v < best) {
        best = v;
        return { kept: true };
      }
      return { kept: false };
    };
    return { evaluate, tried };
  }
  const quad = (p: Record<string, number>) => 1 + (p.A! - 2) ** 2 + (p.B! + 1) ** 2;

  it('descends one coordinate at a time and stops after a pass without change', async () => {
    const start = point({ A: '0', B: '0' });
    const { evaluate, tried } = fake(quad, quad({ A: 0, B: 0 }));
    const r = await greedy(ps, start, evaluate);
    expect(describe(r.best)).toBe('A=2 B=-1');
    expect(r.converged).toBe(true);
    expect(r.passes).toBe(2);
    // Pass 1: A from B=0, then B from A=2; pass 2 repeats from (2,-1) and changes nothing.
    expect(tried.slice(0, 5)).toEqual(['A=1 B=0', 'A=2 B=0', 'A=3 B=0', 'A=2 B=-2', 'A=2 B=-1']);
    expect(tried.slice(5)).toEqual(['A=0 B=-1', 'A=1 B=-1', 'A=3 B=-1', 'A=2 B=-2', 'A=2 B=0']);
  });

  it('starts from values outside the lists and passes the pass position', async () => {
    const seen: string[] = [];
    const r = await greedy(ps, point({ A: '0.5', B: '0' }), async (t) => {
      seen.push(`${t.pass}:${t.index}/${t.count}`);
      return { kept: false };
    });
    expect(r).toMatchObject({ passes: 1, converged: true });
    expect(seen).toEqual(['1:1/6', '1:2/6', '1:3/6', '1:4/6', '1:5/6', '1:6/6']);
    expect(describe(r.best)).toBe('A=0.5 B=0');
  });

  it('stops when the evaluator says stop', async () => {
    let n = 0;
    const r = await greedy(ps, point({ A: '0', B: '0' }), async () => (++n === 2 ? 'stop' : { kept: true }));
    expect(n).toBe(2);
    expect(r.converged).toBe(false);
    expect(describe(r.best)).toBe('A=1 B=0');
  });

  it('lists the first pass for --dry-run', () => {
    expect(greedyFirstPass(ps, point({ A: '1', B: '0' })).map((p) => describe(p))).toEqual(['A=0 B=0', 'A=2 B=0', 'A=3 B=0', 'A=1 B=-2', 'A=1 B=-1']);
  });
});

group('progress lines', () => {
  it('formats a finished run in one plain line', () => {
    const rec = { status: 'keep' as const, metric: 'val_bpb', value: 1.2345671 };
    expect(formatRunLine({ position: '3/9', description: 'LR=0.04 DEPTH=8', record: rec, best: 1.2345671 })).toBe(
      '[3/9] LR=0.04 DEPTH=8  keep  val_bpb 1.234567  best 1.234567',
    );
    expect(formatRunLine({ position: '4/9', description: 'LR=0.2', record: { status: 'crash', crashReason: 'nan', metric: 'val_bpb', value: null }, best: null })).toBe(
      '[4/9] LR=0.2  crash (nan)  val_bpb -  best -',
    );
    expect(bar(3, 9, 9)).toBe('###------');
  });
});

group('tty display', () => {
  it('redraws one status line and leaves a plain line per finished run', async () => {
    const { ttyDisplay } = await import('../../src/sweep/progress.js');
    let text = '';
    const stream = { isTTY: true, columns: 100, write: (s: string) => ((text += s), true) } as unknown as NodeJS.WriteStream;
    const d = ttyDisplay(stream);
    d.started({ position: '1/2', done: 0, total: 2, description: 'X=2.0', best: 1.4 });
    d.tick(3000, 15000, 30000);
    d.finished({ position: '1/2', description: 'X=2.0', record: { status: 'keep', metric: 'val_bpb', value: 1.1 }, best: 1.1 });
    d.line('a note');
    d.close();
    expect(text).toContain(`\r\x1b[2K[${'-'.repeat(20)}] 1/2  X=2.0  best 1.400000`); // the bar, empty at the start
    expect(text).toContain('X=2.0  3s / 15s  best 1.400000');
    expect(text).toMatch(/\[1\/2\] X=2\.0 {2}(\x1b\[\d+m)?keep(\x1b\[0m)? {2}val_bpb 1\.100000 {2}best 1\.100000\n/);
    expect(text).toContain('[##########----------] 1/2  X=2.0  best 1.100000');
    expect(text.endsWith('\r\x1b[2K')).toBe(true);
  });
});
