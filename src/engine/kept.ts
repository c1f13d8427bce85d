// The one rule for a kept run: status keep and not a violation. With keep-if-better the last one is the best
// and the branch tip.
import type { RunRecord } from './types.js';

export function isKept(r: Pick<RunRecord, 'status' | 'violation'>): boolean {
  return r.status === 'keep' && !r.violation;
}

/** The last kept run (the branch tip), or null before the first keep. */
export function lastKeep<R extends Pick<RunRecord, 'status' | 'violation'>>(records: readonly R[]): R | null {
  for (let i = records.length - 1; i >= 0; i--) if (isKept(records[i]!)) return records[i]!;
  return null;
}
