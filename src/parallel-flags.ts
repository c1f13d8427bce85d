import { UsageError } from './errors.js';

// `--parallel K` and `--gpus LIST` (sweep, compare, init, queue, lanes): how many runs side by side, on which GPUs.

export const MAX_PARALLEL = 64;

/** `--parallel K`: a whole number from 1 to MAX_PARALLEL (undefined when not given). */
export function parseParallel(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PARALLEL) throw new UsageError(`--parallel must be a whole number from 1 to ${MAX_PARALLEL}, not "${raw}".`);
  return n;
}

/** `--gpus 0,1,2,3`: GPU numbers, each once (`what` says what gets one each: a lane, a sweep point; `flag` which option it was). */
export function parseGpuList(raw: string, what: string, flag = '--gpus'): string[] {
  const items = raw.split(',').map((s) => s.trim());
  if (items.length === 0 || items.some((s) => !/^\d{1,4}$/.test(s))) {
    throw new UsageError(`${flag} must be a comma-separated list of GPU numbers, for example 0,1,2,3, not "${raw}".`);
  }
  const seen = new Set<string>();
  for (const item of items) {
    const g = String(Number(item));
    if (seen.has(g)) throw new UsageError(`${flag} names GPU ${g} twice; give each GPU once (one ${what} per GPU).`);
    seen.add(g);
  }
  return [...seen];
}
