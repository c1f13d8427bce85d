// What never reached the remote: the kept runs after the last commit a push delivered.
import { readPushState } from '../engine/push.js';
import { readState } from '../engine/state.js';
import { KEEP, type RunTable } from './runs.js';

export interface PushReport {
  remote: string;
  ok: boolean;
  error: string | null;
  /** When the pushes started failing. */
  failingSince: string | null;
  /** Kept runs the remote does not have, in order. */
  unpushed: { id: number; commit: string; description: string }[];
}

/** Null when the tag never pushed (no git.push, no --push). */
export function pushReport(repo: string, tag: string, t: RunTable): PushReport | null {
  const s = readPushState(repo, tag);
  if (!s) return null;
  let base: string | undefined;
  try {
    base = readState(repo, tag)?.base;
  } catch {
    base = undefined;
  }
  const kept: (PushReport['unpushed'][number] & { full: string })[] = [];
  for (let i = 0; i < t.length; i++) {
    if (t.status[i] !== KEEP || t.violation[i]) continue;
    const full = t.commit.get(i);
    if (full && full !== base) kept.push({ id: t.id[i]!, commit: full.slice(0, 7), description: t.description.get(i), full });
  }
  // results.tsv holds short commits: a prefix of the pushed one is the same commit.
  let at = -1;
  for (let i = kept.length - 1; i >= 0 && at < 0 && s.pushed; i--) if (s.pushed.startsWith(kept[i]!.full)) at = i;
  const unpushed = kept.slice(at + 1).map(({ id, commit, description }) => ({ id, commit, description }));
  return { remote: s.remote, ok: s.ok, error: s.error, failingSince: s.failingSince, unpushed };
}
