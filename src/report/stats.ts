// Small, dependency-free statistics for comparing paired runs (e.g. A and B on the same seeds).
// Everything here is pure; swap in a library later by keeping these signatures.

export type Goal = 'min' | 'max';
export type Verdict = 'A better' | 'B better' | 'inconclusive';

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

// Lanczos approximation (g = 7, n = 9), accurate to ~15 digits for x > 0.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

// Continued fraction for the incomplete beta function (modified Lentz; Numerical Recipes 6.4).
function betaContinuedFraction(a: number, b: number, x: number): number {
  const TINY = 1e-300;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 500; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** Regularized incomplete beta I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The continued fraction converges fast only on this side; use the symmetry otherwise.
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(a, b, x)) / a;
  return 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Two-sided p-value of Student's t with df degrees of freedom: P(|T| >= |t|). */
export function tTwoSidedP(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return NaN;
  if (!Number.isFinite(t)) return 0;
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** Complementary error function (Numerical Recipes erfcc, fractional error < 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Standard normal CDF. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
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
 * Wilcoxon signed-rank test on a[i] - b[i]; two-sided. Exact for n <= 20 (the permutation
 * distribution of the actual mid-ranks, so ties stay exact); above that the normal approximation
 * with continuity and tie correction.
 */
export function wilcoxonSignedRank(a: readonly number[], b: readonly number[], opts: { exactMaxN?: number } = {}): WilcoxonResult {
  const d = diffs(a, b).filter((x) => x !== 0);
  const n = d.length;
  if (n === 0) return { n, wPlus: 0, p: 1, method: 'exact' };
  const ranks = midRanks(d.map(Math.abs));
  let wPlus = 0;
  for (let i = 0; i < n; i++) if (d[i]! > 0) wPlus += ranks[i]!;
  if (n <= (opts.exactMaxN ?? 20)) return { n, wPlus, p: exactSignedRankP(ranks, wPlus), method: 'exact' };
  const mu = (n * (n + 1)) / 4;
  const ties = tieGroups(ranks);
  let tieTerm = 0;
  for (const t of ties) tieTerm += t * t * t - t;
  const sigma = Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48);
  if (sigma === 0) return { n, wPlus, p: 1, method: 'normal' };
  const z = Math.max(0, Math.abs(wPlus - mu) - 0.5) / sigma;
  return { n, wPlus, p: Math.min(1, 2 * (1 - normalCdf(z))), method: 'normal' };
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

// Mid-ranks are multiples of 1/2, so doubled ranks are integers and the sign-flip distribution
// of W+ is a subset-sum count: O(n * sum) instead of 2^n.
function exactSignedRankP(ranks: readonly number[], wPlus: number): number {
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

/** 'A better' | 'B better' | 'inconclusive' for paired samples (see compareSamples). */
export function verdict(a: readonly number[], b: readonly number[], goal: Goal): Verdict {
  return compareSamples(a, b, goal).verdict;
}
