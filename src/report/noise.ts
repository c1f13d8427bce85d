// How noisy the metric is: the engine's estimate when records carry one, else reruns' spread.
import { hashText, noiseKey, RunTable, type Runs } from './runs.js';
import { median, std } from './stats.js';

export interface NoiseEstimate {
  sigma: number;
  /** 'records': the engine's noise estimate; 'repeats': pooled std of reruns of one commit or description. */
  from: 'records' | 'repeats';
  /** Records (or repeated runs) the estimate rests on. */
  n: number;
}

/** The engine's own noise estimate when records carry one, else the pooled std of repeated runs. */
export function estimateNoise(runs: Runs): NoiseEstimate | null {
  const t = RunTable.of(runs);
  const sigmas: number[] = [];
  for (let i = 0; i < t.length; i++) {
    const s = t.noiseSigma[i]!;
    if (s > 0) sigmas.push(s);
  }
  if (sigmas.length) return { sigma: median(sigmas), from: 'records', n: sigmas.length };
  const valued: number[] = [];
  for (let i = 0; i < t.length; i++) if (t.value[i] === t.value[i] && !t.violation[i]) valued.push(i);
  const byCommit = groupBy(t, valued, t.commitHash, (i) => t.commit.get(i));
  if (byCommit.length) return pooledStd(byCommit);
  return pooledStd(groupBy(t, valued, t.descriptionHash, (i) => noiseKey(t.description.get(i))));
}

const EMPTY_HASH = hashText('');

/**
 * Values of the keys seen more than once, in the order the keys were first repeated; runs with
 * an empty key are left out. An open-addressing table over the hashes the table took at load
 * time: the 100k key strings are only read again where two hashes agree.
 */
function groupBy(t: RunTable, rows: readonly number[], hashes: Int32Array, key: (i: number) => string): number[][] {
  let size = 16;
  while (size < rows.length * 2) size *= 2;
  const mask = size - 1;
  const slots = new Int32Array(size).fill(-1);
  const groupOf = new Map<number, number[]>();
  const repeated: number[][] = [];
  for (const i of rows) {
    const h = hashes[i]!;
    if (h === EMPTY_HASH && key(i) === '') continue;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const at = slots[s]!;
      if (at === -1) {
        slots[s] = i;
        break;
      }
      if (hashes[at] === h && key(at) === key(i)) {
        const g = groupOf.get(at);
        if (g) g.push(t.value[i]!);
        else {
          const pair = [t.value[at]!, t.value[i]!];
          groupOf.set(at, pair);
          repeated.push(pair);
        }
        break;
      }
    }
  }
  return repeated;
}

function pooledStd(groups: readonly number[][]): NoiseEstimate | null {
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
