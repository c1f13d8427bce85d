import type { Status } from './types.js';

export interface Decision {
  status: Status;
  /** True when the branch should move to the run's commit. */
  keep: boolean;
}

/** Strictly better in the goal's direction; a tie is not an improvement (simpler code wins ties). */
export function beats(value: number, best: number | null, goal: 'min' | 'max', threshold = 0): boolean {
  if (best === null) return true;
  return goal === 'min' ? value < best - threshold : value > best + threshold;
}

export function decide(args: {
  value: number | null;
  crashed: boolean;
  violation: boolean;
  best: number | null;
  goal: 'min' | 'max';
  threshold?: number;
}): Decision {
  if (args.violation) return { status: 'discard', keep: false };
  if (args.crashed || args.value === null) return { status: 'crash', keep: false };
  if (beats(args.value, args.best, args.goal, args.threshold ?? 0)) return { status: 'keep', keep: true };
  return { status: 'discard', keep: false };
}
