import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeAtomic } from '../fs/atomic.js';
import { stateDir } from '../paths.js';
import { isKept } from './kept.js';
import { readRecords } from './records.js';
import type { StepResult } from './step.js';

// What has finished since a run number, each with the best as it stood after it (the form `run` prints).

const cursorPath = (repo: string, tag: string) => path.join(stateDir(repo, tag), 'results.cursor');

/** The runs recorded after run `since`, in the order they finished. */
export function finishedSince(repo: string, tag: string, since: number, baseCommit: string): StepResult[] {
  const { records } = readRecords(repo, tag);
  const out: StepResult[] = [];
  let best: { value: number | null; commit: string } = { value: null, commit: baseCommit };
  for (const rec of records) {
    const before = best.value;
    if (isKept(rec)) best = { value: rec.value, commit: rec.commit };
    if (rec.id > since) out.push({ record: rec, best: { ...best }, bestBefore: rec.bestBefore ?? before });
  }
  return out;
}

/** The last run `results` showed (its default --since). */
export function readCursor(repo: string, tag: string): number {
  try {
    return Number(readFileSync(cursorPath(repo, tag), 'utf8').trim()) || 0;
  } catch {
    return 0;
  }
}
export function hasCursor(repo: string, tag: string): boolean {
  return existsSync(cursorPath(repo, tag));
}
export function writeCursor(repo: string, tag: string, id: number): void {
  writeAtomic(cursorPath(repo, tag), String(id) + '\n');
}
