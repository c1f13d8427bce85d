// The live line of a batch side by side: each run still going, where it is in the words `queue` and `status`
// use (engine/where.ts), and the best so far.
import { ago, type Where } from '../engine/where.js';
import { fmtValue } from '../format.js';

export interface BatchView {
  /** The batch's points: `5-8/16`, or `pass 2` (greedy). */
  span: string;
  /** Per run of the batch: not started yet (undefined), where it is, or ended (null: it leaves the line). */
  runs: Array<{ description: string; where?: Where | null }>;
  best: number | null;
}

/** `[5-8/16] X=5 running gpu 4 63 s | X=6 pending job 812 (Resources) 12 s | best 1.000000` */
export function formatBatchLine(v: BatchView, now: number): string {
  const going = v.runs
    .filter((r) => r.where !== null)
    .map((r) => (r.where ? [r.description, r.where.state, r.where.place, ago(r.where.since, now)] : [r.description]).filter(Boolean).join(' '));
  return [`[${v.span}]`, [...going, `best ${fmtValue(v.best)}`].join(' | ')].join(' ');
}
