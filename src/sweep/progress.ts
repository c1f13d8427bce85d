// What a sweep shows: on a TTY a live bar (points, the run's countdown, the best so far) above which each
// finished run leaves a line; otherwise only those lines, one per finished run.
import { paint } from '../term.js';
import type { RunRecord } from '../engine/types.js';
import { fmtValue } from '../format.js';

export interface FinishedRun {
  /** `3/9` (grid, random) or `pass 1: 3/5` (greedy). */
  position: string;
  description: string;
  record: Pick<RunRecord, 'status' | 'crashReason' | 'violation' | 'metric' | 'value'>;
  best: number | null;
}

const num = (v: number | null) => fmtValue(v);

/** `[3/9] LR=0.04 DEPTH=8  keep  val_bpb 1.234567  best 1.234567` */
export function formatRunLine(r: FinishedRun, color = false): string {
  const rec = r.record;
  let status: string = rec.status;
  if (rec.crashReason) status += ` (${rec.crashReason})`;
  if (rec.violation) status += ` [violation: ${rec.violation}]`;
  if (color) status = paint(status, rec.status === 'keep' ? 'green' : rec.status === 'crash' ? 'red' : 'dim');
  return `[${r.position}] ${r.description}  ${status}  ${rec.metric} ${num(rec.value)}  best ${num(r.best)}`;
}

export interface SweepDisplay {
  /** A line of its own (skips, notes, the summary). */
  line(text: string): void;
  /** A run is about to start: what the bar shows. */
  started(s: { position: string; done: number; total: number | null; description: string; best: number | null }): void;
  tick(elapsedMs: number, budgetMs: number, limitMs: number): void;
  finished(r: FinishedRun): void;
  close(): void;
}

export function silentDisplay(): SweepDisplay {
  return { line() {}, started() {}, tick() {}, finished() {}, close() {} };
}

export function plainDisplay(write: (s: string) => void): SweepDisplay {
  return {
    line: (t) => write(t + '\n'),
    started() {},
    tick() {},
    finished: (r) => write(formatRunLine(r) + '\n'),
    close() {},
  };
}

export function bar(done: number, total: number, width = 20): string {
  const f = total > 0 ? Math.max(0, Math.min(width, Math.round((done / total) * width))) : 0;
  return '#'.repeat(f) + '-'.repeat(width - f);
}

/** The live display for a terminal: permanent lines scroll above one status line redrawn in place. */
export function ttyDisplay(stream: NodeJS.WriteStream = process.stdout): SweepDisplay {
  let cur: { position: string; done: number; total: number | null; description: string; best: number | null } | null = null;
  let clock = '';
  let shown = false;
  const width = () => Math.max(40, (stream.columns ?? 80) - 1);
  const clear = () => {
    if (shown) stream.write('\r\x1b[2K');
    shown = false;
  };
  const draw = () => {
    if (!cur) return;
    const progress = cur.total ? `[${bar(cur.done, cur.total)}] ${cur.position}` : `[${cur.position}]`;
    let s = `${progress}  ${cur.description}${clock ? '  ' + clock : ''}  best ${num(cur.best)}`;
    if (s.length > width()) s = s.slice(0, width() - 1) + '…';
    stream.write('\r\x1b[2K' + s);
    shown = true;
  };
  const secs = (ms: number) => `${Math.round(ms / 1000)}s`;
  return {
    line(t) {
      clear();
      stream.write(t + '\n');
      draw();
    },
    started(s) {
      cur = s;
      clock = '';
      draw();
    },
    tick(elapsed, budget, limit) {
      clock = elapsed > budget ? `${secs(elapsed)} (over the ${secs(budget)} budget; killed at ${secs(limit)})` : `${secs(elapsed)} / ${secs(budget)}`;
      draw();
    },
    finished(r) {
      clear();
      stream.write(formatRunLine(r, !process.env.NO_COLOR && process.env.TERM !== 'dumb') + '\n');
      if (cur) {
        cur = { ...cur, done: cur.done + 1, best: r.best };
        clock = '';
      }
    },
    close() {
      clear();
      cur = null;
    },
  };
}
