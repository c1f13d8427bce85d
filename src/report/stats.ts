// Statistics for comparing paired runs (e.g. A and B on the same seeds). The distributions come
// from stdlib (https://stdlib.io), loaded on first use: together they are a few hundred small
// modules, which only `compare` needs (the report uses mean, median and std alone).
import { createRequire } from 'node:module';

export type Goal = 'min' | 'max';
export type Verdict = 'A better' | 'B better' | 'inconclusive';

const requireCjs = createRequire(import.meta.url);
const lazy = <T>(id: string): (() => T) => {
  let f: T | undefined;
  return () => (f ??= requireCjs(id) as T);
};
const tCdf = lazy<typeof import('@stdlib/stats-base-dists-t-cdf')>('@stdlib/stats-base-dists-t-cdf');
const normCdf = lazy<typeof import('@stdlib/stats-base-dists-normal-cdf')>('@stdlib/stats-base-dists-normal-cdf');
const signrankCdf = lazy<typeof import('@stdlib/stats-base-dists-signrank-cdf')>('@stdlib/stats-base-dists-signrank-cdf');

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample standard deviation (n - 1 in the denominator); NaN below two values. */
export function std(xs: readonly number[]): number {
  if (xs.length < 2) return NaN;
  const m = mean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) * (x - m);
  return Math.sqrt(ss / (xs.length - 1));
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Two-sided p-value of Student's t with df degrees of freedom: P(|T| >= |t|) (stdlib t CDF). */
export function tTwoSidedP(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return NaN;
  if (!Number.isFinite(t)) return 0;
  // The lower tail of -|t|, doubled: no 1 - cdf cancellation for small p-values.
  return Math.min(1, 2 * tCdf()(-Math.abs(t), df));
}

/** Standard normal CDF (stdlib). */
export function normalCdf(z: number): number {
  return normCdf()(z, 0, 1);
}

export interface TTestResult {
  n: number;
  meanDiff: number;
  t: number;
  df: number;
  p: number;
}

/** Paired t-test on a[i] - b[i]; two-sided. */
export function pairedTTest(a: readonly number[], b: readonly number[]): TTestResult {
  const d = diffs(a, b);
  const n = d.length;
  const m = mean(d);
  if (n < 2) return { n, meanDiff: m, t: NaN, df: n - 1, p: NaN };
  const s = std(d);
  // Identical differences: no spread, so any nonzero mean difference is certain.
  const t = s === 0 ? (m === 0 ? 0 : m > 0 ? Infinity : -Infinity) : m / (s / Math.sqrt(n));
  const p = s === 0 && m === 0 ? 1 : tTwoSidedP(t, n - 1);
  return { n, meanDiff: m, t, df: n - 1, p };
}

export interface WilcoxonResult {
  /** Pairs with a nonzero difference (zeros are dropped, Wilcoxon's convention). */
  n: number;
  /** Sum of the ranks of the positive differences. */
  wPlus: number;
  p: number;
  method: 'exact' | 'normal';
}

/**
 * Wilcoxon signed-rank test on a[i] - b[i]; two-sided. Zeros are dropped (Wilcoxon's convention,
 * R's default). Exact for n <= 20: without ties from stdlib's signed-rank distribution, with tied
 * |differences| from the permutation distribution of their mid-ranks (stdlib has none for ties; R
 * falls back to the normal approximation there). Above that the normal approximation with
 * continuity and tie correction, as R's wilcox.test(exact = FALSE).
 */
export function wilcoxonSignedRank(a: readonly number[], b: readonly number[], opts: { exactMaxN?: number } = {}): WilcoxonResult {
  const d = diffs(a, b).filter((x) => x !== 0);
  const n = d.length;
  if (n === 0) return { n, wPlus: 0, p: 1, method: 'exact' };
  const ranks = midRanks(d.map(Math.abs));
  let wPlus = 0;
  for (let i = 0; i < n; i++) if (d[i]! > 0) wPlus += ranks[i]!;
  const ties = tieGroups(ranks);
  if (n <= (opts.exactMaxN ?? 20)) {
    return { n, wPlus, p: ties.length ? exactTiedSignedRankP(ranks, wPlus) : exactSignedRankP(n, wPlus), method: 'exact' };
  }
  const mu = (n * (n + 1)) / 4;
  let tieTerm = 0;
  for (const t of ties) tieTerm += t * t * t - t;
  const sigma = Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48);
  if (sigma === 0) return { n, wPlus, p: 1, method: 'normal' };
  const z = Math.max(0, Math.abs(wPlus - mu) - 0.5) / sigma;
  return { n, wPlus, p: Math.min(1, 2 * normalCdf(-z)), method: 'normal' };
}

function diffs(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) throw new RangeError(`paired samples need equal lengths (${a.length} vs ${b.length})`);
  return a.map((x, i) => x - b[i]!);
}

/** Ranks 1..n of xs, ties sharing the mean of their ranks. */
export function midRanks(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => [x, i] as const).sort((p, q) => p[0] - q[0]);
  const ranks = new Array<number>(xs.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    const r = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) ranks[order[k]![1]] = r;
    i = j + 1;
  }
  return ranks;
}

function tieGroups(ranks: readonly number[]): number[] {
  const count = new Map<number, number>();
  for (const r of ranks) count.set(r, (count.get(r) ?? 0) + 1);
  return [...count.values()].filter((c) => c > 1);
}

/** Two-sided exact p-value of W+ without ties: stdlib's signed-rank CDF, each tail from below. */
function exactSignedRankP(n: number, wPlus: number): number {
  const cdf = signrankCdf();
  // P(W+ >= w) = P(W+ <= n(n+1)/2 - w) by symmetry.
  const lower = cdf(wPlus, n);
  const upper = cdf((n * (n + 1)) / 2 - wPlus, n);
  return Math.min(1, 2 * Math.min(lower, upper));
}

// With ties the null distribution is that of the actual mid-ranks under random signs. Mid-ranks
// are multiples of 1/2, so doubled ranks are integers and the distribution of W+ is a subset-sum
// count: O(n * sum) instead of 2^n.
function exactTiedSignedRankP(ranks: readonly number[], wPlus: number): number {
  const r2 = ranks.map((r) => Math.round(r * 2));
  const total = r2.reduce((s, r) => s + r, 0);
  let ways = new Float64Array(total + 1);
  ways[0] = 1;
  for (const r of r2) {
    const next = ways.slice();
    for (let s = r; s <= total; s++) next[s]! += ways[s - r]!;
    ways = next;
  }
  const all = 2 ** ranks.length;
  const w2 = Math.round(wPlus * 2);
  let lo = 0;
  let hi = 0;
  for (let s = 0; s <= total; s++) {
    if (s <= w2) lo += ways[s]!;
    if (s >= w2) hi += ways[s]!;
  }
  return Math.min(1, (2 * Math.min(lo, hi)) / all);
}

export interface Comparison {
  verdict: Verdict;
  /** The test whose p-value decides; Wilcoxon is reported beside it. */
  decidedBy: 'paired t-test';
  alpha: number;
  n: number;
  /** mean(a - b); negative means A is lower. */
  meanDiff: number;
  t: TTestResult;
  wilcoxon: WilcoxonResult;
  /** Why it is inconclusive, in words (absent when decided). */
  reason?: string;
}

/** Compare paired samples a and b; the paired t-test decides at alpha = 0.05. */
export function compareSamples(a: readonly number[], b: readonly number[], goal: Goal, alpha = 0.05): Comparison {
  const t = pairedTTest(a, b);
  const w = wilcoxonSignedRank(a, b);
  const base = { decidedBy: 'paired t-test' as const, alpha, n: t.n, meanDiff: t.meanDiff, t, wilcoxon: w };
  if (t.n < 3) return { ...base, verdict: 'inconclusive', reason: `only ${t.n} pair${t.n === 1 ? '' : 's'} (need 3)` };
  if (!(t.p < alpha)) return { ...base, verdict: 'inconclusive', reason: `p = ${t.p.toPrecision(3)} >= ${alpha}` };
  const aLower = t.meanDiff < 0;
  return { ...base, verdict: aLower === (goal === 'min') ? 'A better' : 'B better' };
}
