import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { Git } from '../adapters/git.js';
import { isAlive } from '../adapters/pid.js';
import { writeAtomic } from '../fs/atomic.js';
import { stateDir } from '../paths.js';
import { parseStateFile, QueueEntrySchema, type QueueEntry } from '../config/state-files.js';
import { lockOwner } from './lock.js';

// The experiments waiting or running, on disk: .autoresearch/<tag>/queue/<n>.json, each one's commit held by
// refs/autoresearch/<tag>/queue/<n>. A killed runner loses none of them; the next one settles what it left.

export type { QueueEntry } from '../config/state-files.js';

export const queueDir = (repo: string, tag: string) => path.join(stateDir(repo, tag), 'queue');
const entryPath = (repo: string, tag: string, n: number) => path.join(queueDir(repo, tag), `${n}.json`);
export const queueRef = (tag: string, n: number) => `refs/autoresearch/${tag}/queue/${n}`;
export const queueLockPath = (repo: string, tag: string) => path.join(stateDir(repo, tag), 'queue.lock');
export const runnerLockPath = (repo: string, tag: string) => path.join(stateDir(repo, tag), 'runner.lock');
/** The commit the user's working tree sits on, while the runner has moved the branch past it. */
const basePath = (repo: string, tag: string) => path.join(stateDir(repo, tag), 'worktree-base');

/** Every entry, oldest first, re-measurements ahead of new ideas (they are owed a place already had). */
export function readQueue(repo: string, tag: string): QueueEntry[] {
  const dir = queueDir(repo, tag);
  if (!existsSync(dir)) return [];
  const out: QueueEntry[] = [];
  for (const f of readdirSync(dir)) {
    if (!/^\d+\.json$/.test(f)) continue;
    let text: string;
    try {
      text = readFileSync(path.join(dir, f), 'utf8');
    } catch {
      continue; // taken off the queue meanwhile
    }
    const r = parseStateFile(text, QueueEntrySchema);
    if (r.ok) out.push(r.value); // written atomically: a torn or foreign file is not ours
  }
  return out.sort((a, b) => Number(!!b.remeasure) - Number(!!a.remeasure) || a.n - b.n);
}

export function writeEntry(repo: string, tag: string, e: QueueEntry): void {
  mkdirSync(queueDir(repo, tag), { recursive: true, mode: 0o700 });
  writeAtomic(entryPath(repo, tag, e.n), JSON.stringify(e), 0o600);
}

/** Take an entry off the queue: its file, then its ref (the run's own ref holds the commit from now on). */
export async function removeEntry(repo: string, tag: string, n: number): Promise<void> {
  try {
    unlinkSync(entryPath(repo, tag, n));
  } catch {
    /* gone already */
  }
  await new Git(repo).deleteRef(queueRef(tag, n));
}

/** The next experiment number (call with the queue lock held): after every number used, and after the runs recorded, so numbers read like run numbers. */
export function nextNumber(repo: string, tag: string, recorded: number): number {
  const file = path.join(queueDir(repo, tag), 'next');
  let next = 1;
  try {
    next = Number(readFileSync(file, 'utf8').trim()) || 1;
  } catch {
    /* first one */
  }
  const n = Math.max(next, recorded + 1);
  mkdirSync(queueDir(repo, tag), { recursive: true, mode: 0o700 });
  writeAtomic(file, String(n + 1));
  return n;
}

/** The pid of the live runner of this tag, or null. */
export function runnerAlive(repo: string, tag: string): number | null {
  const pid = lockOwner(runnerLockPath(repo, tag));
  return pid !== null && isAlive(pid) ? pid : null;
}

export function readBase(repo: string, tag: string): string | null {
  try {
    return readFileSync(basePath(repo, tag), 'utf8').trim() || null;
  } catch {
    return null;
  }
}
export function writeBase(repo: string, tag: string, sha: string | null): void {
  if (sha) writeAtomic(basePath(repo, tag), sha + '\n');
  else if (existsSync(basePath(repo, tag))) unlinkSync(basePath(repo, tag));
}
