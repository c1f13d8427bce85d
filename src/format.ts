// How a metric value is shown everywhere (CLAUDE.md, `run`'s answer, status, reports): as results.tsv writes it.

/** What a missing value shows as, in every table and line. */
export const MISSING = '-';

/** A metric value with 6 decimals, or MISSING when there is none (null, NaN, infinite). */
export function fmtValue(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? MISSING : v.toFixed(6);
}
