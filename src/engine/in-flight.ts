// The runs in flight on a tag: pending.json (a run, a session's step) and a batch's pending-<n>.json (runs side
// by side), each with where it is and since when. A marker whose runner is dead is stale: the next command on
// the tag settles it (step.ts reconcile).
import path from 'node:path';
import { isAlive as pidAlive } from '../adapters/pid.js';
import { batchMarkers, pendingPath, readPending } from './pending.js';
import { localPlace, whereStarted } from './where.js';

export interface RunInFlight {
  /** The marker's file name: pending.json, or pending-<n>.json for the n-th run of a batch. */
  marker: string;
  /** Its ledger id, once given (a batch's run gets one when it is recorded). */
  id: number | null;
  description: string;
  /** running, pending (in the scheduler's queue), or stale (its runner is gone). */
  state: 'running' | 'pending' | 'stale';
  /** `pid 4312`, `pid 4312 on gpu 4`, `job 812 (Resources)`, `job 812 on a07`, `runner 4312 gone`. */
  place: string;
  /** ISO time its clock counts from: the start, or the end of its time queued once its job runs. */
  since: string;
  start: string;
  /** Its log, relative to the repository. */
  log: string;
  runner: number;
  /** A batch run's slot (`gpu 4`, `slot 0`). */
  slot?: string;
  job?: { engine: string; id: string | null; node?: string; reason?: string };
}

/** Every run in flight on the tag, pending.json's first, then the batch's by number. */
export function runsInFlight(repo: string, tag: string): RunInFlight[] {
  const n = (f: string) => Number(/(\d+)\.json$/.exec(f)?.[1] ?? -1);
  const files = [pendingPath(repo, tag), ...batchMarkers(repo, tag).sort((a, b) => n(a) - n(b))];
  const out: RunInFlight[] = [];
  for (const file of files) {
    const p = readPending(file);
    if (!p) continue; // none, or damaged (the next command sets it aside)
    const local = localPlace(p.pid, p.slot);
    const w = whereStarted(p.job, p.start, local);
    const live = pidAlive(p.runner);
    const job = p.job && p.job.engine !== 'local' ? { engine: p.job.engine, id: p.job.id, ...(p.job.place?.node ? { node: p.job.place.node } : {}), ...(p.job.place?.reason ? { reason: p.job.place.reason } : {}) } : undefined;
    out.push({
      marker: path.basename(file),
      id: p.id || null,
      description: p.description,
      state: live ? w.state : 'stale',
      place: live ? w.place : `runner ${p.runner} gone`,
      since: (live ? w.since : undefined) ?? p.start,
      start: p.start,
      log: p.log,
      runner: p.runner,
      ...(p.slot ? { slot: p.slot } : {}),
      ...(job ? { job } : {}),
    });
  }
  return out;
}
