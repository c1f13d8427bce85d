// What a sweep shows: on a TTY a live bar (points, the run's countdown, the best so far; for runs side by side,
// where each is) above which each finished run leaves a line; otherwise only those lines, one per finished run.
import { paint } from '../term.js';
import type { RunRecord } from '../engine/types.js';
import { fmtValue } from '../format.js';
import type { Where } from '../engine/where.js';
import { formatBatchLine, type BatchView } from './batch-line.js';

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
  /** Runs side by side are about to start (`span`: `5-8/16`, `pass 2`). */
  batchStarted(b: { span: string; descriptions: string[]; best: number | null }): void;
  /** Where run `index` of the batch is; null once it has ended. */
  batchProgress(index: number, where: Where | null): void;
  finished(r: FinishedRun): void;
  close(): void;
}

export function silentDisplay(): SweepDisplay {
  return { line() {}, started() {}, tick() {}, batchStarted() {}, batchProgress() {}, finished() {}, close() {} };
}

export function plainDisplay(write: (s: string) => void): SweepDisplay {
  return {
    line: (t) => write(t + '\n'),
    started() {},
    tick() {},
    batchStarted() {},
    batchProgress() {},
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
  // Runs side by side: their line is redrawn about once a second (their clocks move without ticks).
  let batch: BatchView | null = null;
  let timer: NodeJS.Timeout | null = null;
  let drawn = 0;
  const stopTimer = () => {
    if (timer) clearInterval(timer);
    timer = null;
  };
  const width = () => Math.max(40, (stream.columns ?? 80) - 1);
  const clear = () => {
    if (shown) stream.write('\r\x1b[2K');
    shown = false;
  };
  const draw = () => {
    let s: string;
    if (batch) s = formatBatchLine(batch, Date.now());
    else if (cur) {
      const progress = cur.total ? `[${bar(cur.done, cur.total)}] ${cur.position}` : `[${cur.position}]`;
      s = `${progress}  ${cur.description}${clock ? '  ' + clock : ''}  best ${num(cur.best)}`;
    } else return;
    if (s.length > width()) s = s.slice(0, width() - 1) + '…';
    stream.write('\r\x1b[2K' + s);
    shown = true;
    drawn = Date.now();
  };
  const secs = (ms: number) => `${Math.round(ms / 1000)}s`;
  return {
    line(t) {
      clear();
      stream.write(t + '\n');
      draw();
    },
    started(s) {
      stopTimer();
      batch = null;
      cur = s;
      clock = '';
      draw();
    },
    tick(elapsed, budget, limit) {
      clock = elapsed > budget ? `${secs(elapsed)} (over the ${secs(budget)} budget; killed at ${secs(limit)})` : `${secs(elapsed)} / ${secs(budget)}`;
      draw();
    },
    batchStarted(b) {
      cur = null;
      batch = { span: b.span, runs: b.descriptions.map((description) => ({ description })), best: b.best };
      draw();
      timer ??= setInterval(draw, 1000);
      timer.unref();
    },
    batchProgress(index, where) {
      const run = batch?.runs[index];
      if (!run) return;
      run.where = where;
      if (Date.now() - drawn >= 1000) draw();
    },
    finished(r) {
      clear();
      stream.write(formatRunLine(r, !process.env.NO_COLOR && process.env.TERM !== 'dumb') + '\n');
      if (cur) {
        cur = { ...cur, done: cur.done + 1, best: r.best };
        clock = '';
      }
      if (batch) {
        batch.best = r.best;
        draw();
      }
    },
    close() {
      stopTimer();
      clear();
      cur = null;
      batch = null;
    },
  };
}
