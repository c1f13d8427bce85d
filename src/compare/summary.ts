// The statistics of one comparison: pure, from the recorded runs to the verdict.
import { compareSamples, mean, pairedTTest, std, wilcoxonSignedRank, type Goal, type Verdict } from '../report/stats.js';

export type Arm = 'A' | 'B';

/** One training run of a comparison (one arm, one seed); a crash has value null. */
export interface CompareRun {
  arm: Arm;
  seed: number;
  /** The metric, or null when the run crashed (then crashReason says why). */
  value: number | null;
  crashReason: string | null;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  /** The run's log file (absolute). */
  log: string;
  metrics: Record<string, number | string>;
}

export interface ArmSummary {
  /** Runs with a value. */
  n: number;
  mean: number;
  std: number;
  crashes: number;
}

export interface CompareSummary {
  seeds: number;
  a: ArmSummary;
  b: ArmSummary;
  /** Seeds where both arms have a value: the pairs the tests use. */
  pairs: number;
  /** Seeds left out of the pairs because one side (or both) crashed or did not run. */
  excludedSeeds: number[];
  /** B - A per paired seed: mean and sample std (t and W+ below are of B - A too). */
  diff: { mean: number; std: number };
  tTest: { t: number; df: number; p: number };
  wilcoxon: { wPlus: number; p: number; method: 'exact' | 'normal' };
  verdict: Verdict;
  /** Why the verdict is inconclusive, in words (absent when decided). */
  reason?: string;
  alpha: number;
}

function armSummary(runs: CompareRun[], arm: Arm): ArmSummary {
  const mine = runs.filter((r) => r.arm === arm);
  const vals = mine.filter((r) => r.value !== null).map((r) => r.value!);
  return { n: vals.length, mean: mean(vals), std: std(vals), crashes: mine.length - vals.length };
}

/** Pair the runs by seed, and decide in the goal's direction (paired t-test at alpha; Wilcoxon beside it). */
export function summarizeRuns(runs: CompareRun[], seeds: number, goal: Goal, alpha = 0.05): CompareSummary {
  const a: number[] = [];
  const b: number[] = [];
  const excludedSeeds: number[] = [];
  for (let s = 0; s < seeds; s++) {
    const ra = runs.find((r) => r.arm === 'A' && r.seed === s);
    const rb = runs.find((r) => r.arm === 'B' && r.seed === s);
    if (ra?.value != null && rb?.value != null && Number.isFinite(ra.value) && Number.isFinite(rb.value)) {
      a.push(ra.value);
      b.push(rb.value);
    } else {
      excludedSeeds.push(s);
    }
  }
  const d = b.map((x, i) => x - a[i]!);
  const c = compareSamples(a, b, goal, alpha);
  // Shown as B - A (like the table); the p-values are the same either way round.
  const t = pairedTTest(b, a);
  const w = wilcoxonSignedRank(b, a);
  let verdict = c.verdict;
  let reason = c.reason;
  if (seeds < 3 && verdict !== 'inconclusive') {
    verdict = 'inconclusive';
    reason = `only ${seeds} seed${seeds === 1 ? '' : 's'} (need 3)`;
  }
  return {
    seeds,
    a: armSummary(runs, 'A'),
    b: armSummary(runs, 'B'),
    pairs: a.length,
    excludedSeeds,
    diff: { mean: mean(d), std: std(d) },
    tTest: { t: t.t, df: t.df, p: c.t.p },
    wilcoxon: { wPlus: w.wPlus, p: c.wilcoxon.p, method: w.method },
    verdict,
    ...(reason ? { reason } : {}),
    alpha,
  };
}

/** What one `compare` did and found: written as JSON next to its logs, printed as a table. */
export interface CompareResult {
  v: 1;
  a: { rev: string; sha: string; short: string };
  b: { rev: string; sha: string; short: string };
  metric: string;
  goal: Goal;
  budgetSeconds: number;
  seeds: number;
  command: string[];
  /** Run order: A0 B0 A1 B1 ... */
  order: string;
  started: string;
  ended: string;
  /** True when SIGINT/SIGTERM cut the comparison short; the runs so far are kept. */
  interrupted: boolean;
  runs: CompareRun[];
  summary: CompareSummary;
  /** The JSON file this result was written to (absolute). */
  file: string;
}
