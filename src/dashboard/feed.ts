// One ledger (runs.jsonl) followed as it grows: only the bytes appended since the last read are parsed,
// with the one tolerant reader of runs.jsonl (a bad line is a warning, never an exception).
import type { RunRecord } from '../engine/types.js';
import { RecordsTail } from '../engine/records.js';
import { RunTable } from '../report/runs.js';
import type { WireJob, WireRun } from '../report/wire.js';

export class LedgerFeed {
  runs: WireRun[] = [];
  /** The same runs as the report reads them (for its statistics). */
  table = new RunTable();
  /** Each run's log path (relative to the checkout), by position. */
  logs: string[] = [];
  warnings: string[] = [];
  private readonly tail: RecordsTail;

  constructor(
    readonly tag: string,
    readonly file: string,
  ) {
    this.tail = new RecordsTail(file);
  }

  /**
   * Read what was appended since the last call: the new runs, or `reset` with every run when the file
   * shrank or was replaced (a ledger rebuilt from its records). An unterminated last line waits for its \n.
   */
  poll(): { reset: boolean; runs: WireRun[] } {
    const { reset, added, warnings } = this.tail.poll();
    if (reset) {
      this.runs = [];
      this.table = new RunTable();
      this.logs = [];
    }
    this.warnings = warnings;
    const got = added.map((r) => {
      this.table.push(r);
      this.logs.push(r.log);
      return toWire(this.tag, r);
    });
    for (const r of got) this.runs.push(r);
    return { reset, runs: reset ? this.runs : got };
  }
}

function toWire(tag: string, r: RunRecord): WireRun {
  const w: WireRun = {
    tag,
    id: r.id,
    status: r.status,
    value: r.value,
    bestBefore: r.bestBefore,
    added: r.linesAdded,
    removed: r.linesRemoved,
    description: r.description,
    commit: r.commit,
    durationMs: r.durationMs,
    startMs: Number.isFinite(Date.parse(r.start)) ? Date.parse(r.start) : null,
  };
  if (r.crashReason) w.crashReason = r.crashReason;
  if (r.violation) w.violation = r.violation;
  if (typeof r.seed === 'number') w.seed = r.seed;
  const job = jobOf((r as unknown as { job?: unknown }).job);
  if (job) w.job = job;
  return w;
}

/** A record's `job` (the cluster executor's), when it has the expected shape. */
export function jobOf(x: unknown): WireJob | null {
  if (!x || typeof x !== 'object' || Array.isArray(x)) return null;
  const o = x as Record<string, unknown>;
  if (typeof o.engine !== 'string' || (typeof o.id !== 'string' && typeof o.id !== 'number')) return null;
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    engine: o.engine,
    id: String(o.id),
    node: str(o.node),
    queuedSeconds: typeof o.queuedSeconds === 'number' && Number.isFinite(o.queuedSeconds) ? o.queuedSeconds : null,
    state: str(o.state),
  };
}
