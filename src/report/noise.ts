// How noisy the metric is: the engine's estimate when records carry one, else reruns' spread.
import type { RunRecord } from '../engine/types.js';
import { median, std } from './stats.js';

export interface NoiseEstimate {
  sigma: number;
  /** 'records': the engine's noise estimate; 'repeats': pooled std of reruns of one commit or description. */
  from: 'records' | 'repeats';
  /** Records (or repeated runs) the estimate rests on. */
  n: number;
}

/** The engine's own noise estimate when records carry one, else the pooled std of repeated runs. */
export function estimateNoise(records: readonly RunRecord[]): NoiseEstimate | null {
  const sigmas: number[] = [];
  for (const r of records) if (r.noise && r.noise.sigma > 0) sigmas.push(r.noise.sigma);
  if (sigmas.length) return { sigma: median(sigmas), from: 'records', n: sigmas.length };
  const valued = records.filter((r) => r.value !== null && !r.violation);
  const pooled = pooledStd(groupBy(valued, (r) => r.commit)) ?? pooledStd(groupBy(valued, (r) => r.description.trim().toLowerCase()));
  return pooled;
}

/** Values of the keys seen more than once; a lone value stays a number, so unique keys cost no array. */
function groupBy(records: readonly RunRecord[], key: (r: RunRecord) => string): number[][] {
  const groups = new Map<string, number | number[]>();
  const repeated: number[][] = [];
  for (const r of records) {
    const k = key(r);
    if (!k) continue;
    const g = groups.get(k);
    if (g === undefined) groups.set(k, r.value!);
    else if (typeof g === 'number') {
      const pair = [g, r.value!];
      groups.set(k, pair);
      repeated.push(pair);
    } else g.push(r.value!);
  }
  return repeated;
}

function pooledStd(groups: number[][]): NoiseEstimate | null {
  if (groups.length === 0) return null;
  let ss = 0;
  let dof = 0;
  let n = 0;
  for (const g of groups) {
    const s = std(g);
    ss += s * s * (g.length - 1);
    dof += g.length - 1;
    n += g.length;
  }
  return { sigma: Math.sqrt(ss / dof), from: 'repeats', n };
}
