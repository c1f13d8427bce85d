import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { JobPlace } from '../executors/types.js';
import { parseStateFile, PendingSchema, type Pending } from '../config/state-files.js';
import { stateDir } from '../paths.js';
import { isAlive as pidAlive } from '../adapters/pid.js';

// The pending marker: written before a run trains, removed once it is recorded. A runner that dies leaves it
// behind, and the next command settles the run from it (engine/step.ts reconcile). A batch has one per run.

export type { Pending } from '../config/state-files.js';

/** A marker read back through its schema; null when there is none or it is damaged. */
export function readPending(file: string): Pending | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const r = parseStateFile(text, PendingSchema);
  return r.ok ? r.value : null;
}

export const pendingPath = (repo: string, tag: string) => path.join(stateDir(repo, tag), 'pending.json');
/** The marker of the n-th run of a batch (runs side by side, engine/batch.ts); its id is given when it is recorded. */
export const batchMarkerPath = (repo: string, tag: string, n: number) => path.join(stateDir(repo, tag), `pending-${n}.json`);

/** The batch markers left in the tag's state folder. */
export function batchMarkers(repo: string, tag: string): string[] {
  try {
    return readdirSync(stateDir(repo, tag))
      .filter((f) => /^pending-\d+\.json$/.test(f))
      .map((f) => path.join(stateDir(repo, tag), f));
  } catch {
    return [];
  }
}

/** Where the run in progress is, as its runner last wrote it (queued, running on a node); null when none or local. */
export function runPlace(repo: string, tag: string): (JobPlace & { engine: string; id: string | null }) | null {
  const p = readPending(pendingPath(repo, tag));
  if (!p?.job?.place || !pidAlive(p.runner)) return null;
  return { ...p.job.place, engine: p.job.engine, id: p.job.id };
}
