import { describe, it, expect } from 'vitest';
import { summarizeRuns, type CompareRun, type CompareResult } from '../../src/compare/summary.js';
import { formatComparison, fmtP } from '../../src/compare/format.js';
import { fmtNumber as fmtValue } from '../../src/format.js';

function runs(a: Array<number | null>, b: Array<number | null>): CompareRun[] {
  const out: CompareRun[] = [];
  for (let seed = 0; seed < Math.max(a.length, b.length); seed++) {
    for (const [arm, xs] of [['A', a], ['B', b]] as const) {
      if (seed >= xs.length) continue;
      const v = xs[seed]!;
      out.push({
        arm,
        seed,
        value: v,
        crashReason: v === null ? 'timeout' : null,
        exitCode: v === null ? null : 0,
        signal: v === null ? 'SIGTERM' : null,
        timedOut: v === null,
        durationMs: 1000,
        log: `/tmp/logs/${arm}-${seed}.log`,
        metrics: v === null ? {} : { val_bpb: v },
      });
    }
  }
  return out;
}

function result(a: Array<number | null>, b: Array<number | null>, goal: 'min' | 'max' = 'min', seeds = a.length): CompareResult {
  const r = runs(a, b);
  return {
    v: 1,
    a: { rev: 'HEAD~1', sha: 'a'.repeat(40), short: 'aaaaaaa' },
    b: { rev: 'HEAD', sha: 'b'.repeat(40), short: 'bbbbbbb' },
    metric: 'val_bpb',
    goal,
    budgetSeconds: 1,
    seeds,
    command: ['python3', 'train.py'],
    order: 'A0 B0 A1 B1 ...',
    started: '2025-01-01T00:00:00.000Z',
    ended: '2025-01-01T00:00:10.000Z',
    interrupted: false,
    runs: r,
    summary: summarizeRuns(r, seeds, goal),
    file: '/tmp/x.json',
  };
}

describe('summarizeRuns', () => {
  it('says B better when B is lower on every seed and the goal is min', () => {
    const s = summarizeRuns(runs([1.4, 1.41, 1.39, 1.42], [1.0, 1.02, 0.99, 1.01]), 4, 'min');
    expect(s.verdict).toBe('B better');
    expect(s.pairs).toBe(4);
    expect(s.diff.mean).toBeCloseTo(-0.4, 6);
    expect(s.a.mean).toBeCloseTo(1.405, 6);
    expect(s.b.mean).toBeCloseTo(1.005, 6);
    expect(s.tTest.p).toBeLessThan(0.001);
    expect(s.wilcoxon.p).toBeCloseTo(0.125, 6); // exact, n = 4: the smallest two-sided p
  });

  it('flips with the goal: the same numbers are A better when higher is better', () => {
    expect(summarizeRuns(runs([1.4, 1.41, 1.39], [1.0, 1.02, 0.99]), 3, 'max').verdict).toBe('A better');
  });

  it('is inconclusive for equal values, noise, or fewer than 3 seeds', () => {
    expect(summarizeRuns(runs([1, 1, 1], [1, 1, 1]), 3, 'min')).toMatchObject({ verdict: 'inconclusive', tTest: { p: 1 } });
    expect(summarizeRuns(runs([1.0, 1.2, 0.9, 1.1], [1.1, 1.0, 1.0, 1.05]), 4, 'min').verdict).toBe('inconclusive');
    const two = summarizeRuns(runs([1.4, 1.4], [1.0, 1.0]), 2, 'min');
    expect(two.verdict).toBe('inconclusive');
    expect(two.reason).toMatch(/only 2 pairs/);
  });

  it('leaves crashed seeds out of the pairs and counts the crashes', () => {
    const s = summarizeRuns(runs([1.4, null, 1.4, 1.41], [1.0, 1.0, null, 1.0]), 4, 'min');
    expect(s.pairs).toBe(2);
    expect(s.excludedSeeds).toEqual([1, 2]);
    expect(s.a).toMatchObject({ n: 3, crashes: 1 });
    expect(s.b).toMatchObject({ n: 3, crashes: 1 });
    expect(s.verdict).toBe('inconclusive');
  });

  it('treats seeds that never ran (an interrupted comparison) as left out', () => {
    const s = summarizeRuns(runs([1.4], [1.0]), 3, 'min');
    expect(s.pairs).toBe(1);
    expect(s.excludedSeeds).toEqual([1, 2]);
  });
});

describe('formatComparison', () => {
  it('renders the per-seed table, the summary and the verdict', () => {
    expect(formatComparison(result([1.4, 1.41, 1.39], [1.0, 1.02, 0.99]))).toBe(
      [
        'A  aaaaaaa  HEAD~1',
        'B  bbbbbbb  HEAD',
        'val_bpb (lower is better), 3 seeds each, budget 1 s, run A0 B0 A1 B1 ...',
        '',
        'seed  A         B         B-A',
        '   0  1.400000  1.000000  -0.400000',
        '   1  1.410000  1.020000  -0.390000',
        '   2  1.390000  0.990000  -0.400000',
        '',
        'A    1.400000 ± 0.010000   (3 runs)',
        'B    1.003333 ± 0.015275   (3 runs)',
        'B-A  -0.396667 ± 0.005774  (3 pairs)',
        'paired t-test         p < 0.0001  (t = -119.000, df = 2)',
        'Wilcoxon signed-rank  p = 0.250  (exact, W+ = 0)',
        'verdict: B better',
        'results: /tmp/x.json',
        '',
      ].join('\n'),
    );
  });

  it('shows crashes in the table and why the verdict is inconclusive', () => {
    const text = formatComparison(result([1.4, null, 1.4], [1.0, 1.0, 1.0]));
    expect(text).toContain('   1  crash (timeout)  1.000000  -');
    expect(text).toContain('A    1.400000 ± 0.000000   (2 runs, 1 crash)');
    expect(text).toContain('(2 pairs; seed 1 left out)');
    expect(text).toMatch(/^verdict: inconclusive \(only 2 pairs, need 3\)$/m);
  });

  it('formats numbers for people', () => {
    expect(fmtValue(0.99791234)).toBe('0.997912');
    expect(fmtValue(123456.7)).toBe('123456.7');
    expect(fmtValue(NaN)).toBe('n/a');
    expect(fmtP(0.04)).toBe('= 0.040');
    expect(fmtP(0.000001)).toBe('< 0.0001');
    expect(fmtP(NaN)).toBe('= n/a');
  });
});
