// How a metric value is shown everywhere (CLAUDE.md, `run`'s answer, status, reports): as results.tsv writes it.

/** What a missing value shows as, in every table and line. */
export const MISSING = '-';

/** A metric value with 6 decimals, or MISSING when there is none (null, NaN, infinite). */
export function fmtValue(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? MISSING : v.toFixed(6);
}

/** A number in a commit message: four decimals, or three significant digits where four decimals would hide it. */
export function fmtShort(x: number): string {
  if (x === 0) return '0';
  return Math.abs(x) >= 0.001 ? x.toFixed(4) : x.toPrecision(3);
}

/**
 * A computed number (a mean, a spread, a difference, as `compare` shows them): 6 decimals, 7 significant digits from
 * 10,000 up, and n/a, inf or -inf where arithmetic gave no number (not a missing run: that is MISSING).
 */
export function fmtNumber(x: number): string {
  if (Number.isNaN(x)) return 'n/a';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  return Math.abs(x) >= 1e4 ? x.toPrecision(7) : x.toFixed(6);
}
