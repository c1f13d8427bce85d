import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { JobHandle, JobPlace } from '../executors/types.js';
import { stateDir } from '../paths.js';
import type { RunRecord } from './types.js';
import { isAlive as pidAlive } from '../adapters/pid.js';

// The pending marker: written before a run trains, removed once it is recorded. A runner that dies leaves it
// behind, and the next command settles the run from it (engine/step.ts reconcile). A batch has one per run.

export interface Pending {
  id: number;
  /** The local process group (older markers; kept for them). */
  pid: number | null;
  /** How the executor finds the run again, and where it is (queued, running on a node). */
  job?: JobHandle & { place?: JobPlace };
  runner: number;
  commit: string;
  parent: string;
  description: string;
  start: string;
  seed?: number;
  log: string;
  /** The kept commit renamed to say what was found (same tree and parent); set just before the branch moves to it. */
  kept?: string;
  by?: Pick<RunRecord, 'agent' | 'model'>;
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
  try {
    const p = JSON.parse(readFileSync(pendingPath(repo, tag), 'utf8')) as Pending;
    if (!p.job?.place || !pidAlive(p.runner)) return null;
    return { ...p.job.place, engine: p.job.engine, id: p.job.id };
  } catch {
    return null;
  }
}
