import { describe, expect, it } from 'vitest';
import {
  compareSamples,
  mean,
  midRanks,
  normalCdf,
  pairedTTest,
  std,
  tTwoSidedP,
  wilcoxonSignedRank,
} from '../../src/report/stats.js';

// Student's sleep data (Cushny & Peebles 1905), R's `sleep` dataset: extra hours of sleep
// with drug 1 (group 1) and drug 2 (group 2) on the same 10 patients.
const SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
const SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

// Hollander & Wolfe (1973), p. 29: Hamilton depression scale before (x) and after (y) a
// tranquilizer, 9 patients; the example in R's ?wilcox.test. No ties, no zeros.
const DEPRESSION_X = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
const DEPRESSION_Y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];

/** Two-sided exact p of W+ by enumerating all 2^n sign patterns of the ranks (a reference, small n). */
function bruteForceP(ranks: number[], wPlus: number): number {
  let lo = 0;
  let hi = 0;
  for (let mask = 0; mask < 2 ** ranks.length; mask++) {
    let w = 0;
    ranks.forEach((r, i) => {
      if (mask & (1 << i)) w += r;
    });
    if (w <= wPlus) lo++;
    if (w >= wPlus) hi++;
  }
  return Math.min(1, (2 * Math.min(lo, hi)) / 2 ** ranks.length);
}

describe('mean and std', () => {
  it('match hand computation', () => {
    // 2,4,4,4,5,5,7,9: mean 5, sum of squares 32, sample variance 32/7.
    expect(mean([2, 4, 4, 4, 5, 5, 7, 9])).toBe(5);
    expect(std([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(std([1])).toBeNaN();
    expect(mean([])).toBeNaN();
  });
});

describe('t distribution', () => {
  it('df = 1 is the Cauchy distribution: P(|T| >= 1) = 1/2', () => {
    // CDF = 1/2 + atan(t)/pi, so the two-sided tail at t = 1 is 1 - 2 * atan(1)/pi = 0.5.
    expect(tTwoSidedP(1, 1)).toBeCloseTo(0.5, 12);
  });
  it('df = 2 has a closed form: P(|T| >= t) = 1 - t / sqrt(2 + t^2)', () => {
    expect(tTwoSidedP(2, 2)).toBeCloseTo(1 - 2 / Math.sqrt(6), 12);
    expect(tTwoSidedP(0.5, 2)).toBeCloseTo(1 - 0.5 / Math.sqrt(2.25), 12);
  });
  it('matches the textbook critical value t(0.975, 10) = 2.228139', () => {
    // Any t table; R: qt(0.975, 10) = 2.228139.
    expect(tTwoSidedP(2.228139, 10)).toBeCloseTo(0.05, 6);
  });
  it('normal CDF: Phi(1.96) = 0.9750 (standard normal table)', () => {
    expect(normalCdf(1.96)).toBeCloseTo(0.975002, 6);
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
  });
});

describe('paired t-test', () => {
  it("matches R's t.test(extra ~ group, data = sleep, paired = TRUE)", () => {
    // R 4.x output: t = -4.0621, df = 9, p-value = 0.002833, mean difference -1.58.
    const r = pairedTTest(SLEEP_1, SLEEP_2);
    expect(r.meanDiff).toBeCloseTo(-1.58, 10);
    expect(r.t).toBeCloseTo(-4.0621, 4);
    expect(r.df).toBe(9);
    expect(r.p).toBeCloseTo(0.002833, 6);
  });
  it("matches R's t.test(x, y, paired = TRUE) on the depression data", () => {
    // R 4.x: t = 3.0354, df = 8, p-value = 0.01618.
    const r = pairedTTest(DEPRESSION_X, DEPRESSION_Y);
    expect(r.t).toBeCloseTo(3.0354, 4);
    expect(r.df).toBe(8);
    expect(r.p).toBeCloseTo(0.01618, 5);
  });
  it('keeps tiny p-values (no 1 - CDF cancellation)', () => {
    // P(|T| >= 40) at df = 9 is about 1.9e-11: still positive and of that order.
    const p = tTwoSidedP(40, 9);
    expect(p).toBeGreaterThan(1e-12);
    expect(p).toBeLessThan(1e-10);
    expect(tTwoSidedP(-40, 9)).toBe(p);
    expect(tTwoSidedP(0, 9)).toBe(1);
  });
  it('constant differences: certain when nonzero, p = 1 when zero', () => {
    expect(pairedTTest([1, 1, 1], [2, 2, 2]).p).toBe(0);
    expect(pairedTTest([1, 2, 3], [1, 2, 3]).p).toBe(1);
  });
  it('refuses unpaired samples', () => {
    expect(() => pairedTTest([1, 2], [1])).toThrow(RangeError);
  });
});

describe('Wilcoxon signed-rank', () => {
  it('mid-ranks share tied positions', () => {
    expect(midRanks([10, 20, 20, 5])).toEqual([2, 3.5, 3.5, 1]);
  });
  it('n = 5, all differences positive: p = 2/32 = 0.0625 (smallest two-sided p at n = 5)', () => {
    const r = wilcoxonSignedRank([1, 2, 3, 4, 5], [0, 0, 0, 0, 0]);
    expect(r).toEqual({ n: 5, wPlus: 15, p: 0.0625, method: 'exact' });
  });
  it('W+ = 15 of 21 at n = 6: 14 of 64 sign patterns have W- <= 6, so p = 28/64', () => {
    // Subsets of {1..6} with sum <= 6: {}, 6 singletons, {1,2},{1,3},{1,4},{1,5},{2,3},{2,4}, {1,2,3} = 14.
    // R: wilcox.test(c(1, 2, 3, 4, 5, -6)) gives V = 15, p-value = 0.4375.
    const r = wilcoxonSignedRank([1, 2, 3, 4, 5, -6], [0, 0, 0, 0, 0, 0]);
    expect(r.wPlus).toBe(15);
    expect(r.p).toBeCloseTo(28 / 64, 12);
  });
  it("matches R's wilcox.test(x, y, paired = TRUE) on the depression data: V = 40, p = 0.03906", () => {
    const r = wilcoxonSignedRank(DEPRESSION_X, DEPRESSION_Y);
    expect(r).toMatchObject({ n: 9, wPlus: 40, method: 'exact' });
    expect(r.p).toBeCloseTo(20 / 512, 12); // 0.0390625
  });
  it('exact p without ties (stdlib signed-rank CDF) equals enumeration of all sign patterns', () => {
    for (let n = 1; n <= 12; n++) {
      const ranks = Array.from({ length: n }, (_, i) => i + 1);
      for (let w = 0; w <= (n * (n + 1)) / 2; w += Math.max(1, n - 2)) {
        // Differences with |d| = rank, positive for a subset of ranks summing to w (greedy from the top).
        let left = w;
        const d = ranks.map(() => 0);
        for (let r = n; r >= 1; r--) {
          const sign = r <= left ? 1 : -1;
          if (sign > 0) left -= r;
          d[r - 1] = sign * r;
        }
        if (left !== 0) continue;
        const res = wilcoxonSignedRank(d, d.map(() => 0));
        expect(res.wPlus).toBe(w);
        expect(res.p).toBeCloseTo(bruteForceP(ranks, w), 12);
      }
    }
  });
  it('exact p with tied |differences| is the permutation distribution of the mid-ranks', () => {
    const d = [1, -1, 2, 2, -3, 4, 4, 4, 5];
    const res = wilcoxonSignedRank(d, d.map(() => 0));
    const ranks = midRanks(d.map(Math.abs));
    expect(res.method).toBe('exact');
    expect(res.p).toBeCloseTo(bruteForceP(ranks, res.wPlus), 12);
  });
  it('sleep data, exact: the zero is dropped, all 9 differences are negative, so p = 2/2^9', () => {
    const r = wilcoxonSignedRank(SLEEP_1, SLEEP_2);
    expect(r.n).toBe(9);
    expect(r.wPlus).toBe(0);
    expect(r.p).toBeCloseTo(2 / 512, 12);
    expect(r.method).toBe('exact');
  });
  it("sleep data, normal approximation with tie and continuity correction matches R's 0.009091", () => {
    // R: wilcox.test(extra ~ group, data = sleep, paired = TRUE) warns about ties and zeros and
    // reports V = 0, p-value = 0.009091 (sigma^2 = 9*10*19/24 - (2^3-2)/48 = 71.125).
    const r = wilcoxonSignedRank(SLEEP_1, SLEEP_2, { exactMaxN: 0 });
    expect(r.method).toBe('normal');
    expect(r.p).toBeCloseTo(0.009091, 6);
  });
  it('uses the normal approximation above n = 20', () => {
    const a = Array.from({ length: 25 }, (_, i) => i + 1);
    const b = a.map(() => 0);
    const r = wilcoxonSignedRank(a, b);
    expect(r.method).toBe('normal');
    // W+ = 325, mu = 162.5, sigma^2 = 25*26*51/24 = 1381.25: z = (162.5 - 0.5)/37.165 = 4.359.
    expect(r.p).toBeCloseTo(2 * (1 - normalCdf(162 / Math.sqrt(1381.25))), 10);
    expect(r.p).toBeLessThan(1e-4);
  });
  it('all differences zero: p = 1', () => {
    expect(wilcoxonSignedRank([1, 2], [1, 2]).p).toBe(1);
  });
});

describe('compareSamples: the verdict', () => {
  it('sleep data: group 1 has less extra sleep; the paired t-test decides', () => {
    expect(compareSamples(SLEEP_1, SLEEP_2, 'max').verdict).toBe('B better');
    expect(compareSamples(SLEEP_1, SLEEP_2, 'min').verdict).toBe('A better');
    const c = compareSamples(SLEEP_1, SLEEP_2, 'max');
    expect(c.decidedBy).toBe('paired t-test');
    expect(c.wilcoxon.p).toBeCloseTo(2 / 512, 12);
  });
  it('is inconclusive with fewer than 3 pairs, even when the difference is constant', () => {
    expect(compareSamples([1, 1], [2, 2], 'min').verdict).toBe('inconclusive');
    expect(compareSamples([1, 1], [2, 2], 'min').reason).toBe('only 2 pairs (need 3)');
  });
  it('is inconclusive when p >= 0.05', () => {
    // Differences 1, -1, 2: mean 2/3, sd 1.5275, t = 0.756, df = 2, p = 0.53.
    const c = compareSamples([2, 1, 4], [1, 2, 2], 'min');
    expect(c.verdict).toBe('inconclusive');
    expect(c.t.p).toBeGreaterThan(0.05);
  });
  it('a lower metric wins when the goal is min, a higher one when max', () => {
    const a = [0.990, 0.991, 0.989, 0.990];
    const b = [0.995, 0.997, 0.996, 0.995];
    expect(compareSamples(a, b, 'min').verdict).toBe('A better');
    expect(compareSamples(a, b, 'max').verdict).toBe('B better');
  });
});
