// Number and time formatting shared by the Markdown, the recommendations and the terminal.
import { MISSING } from '../format.js';

export { fmtValue } from '../format.js';

/** A signed difference with a real minus sign, so +/- line up in tables. */
export function fmtDelta(v: number | null | undefined, digits = 6): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return MISSING;
  const s = Math.abs(v).toFixed(digits);
  if (Number(s) === 0) return s;
  return (v < 0 ? '−' : '+') + s;
}

export function fmtPercent(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? MISSING : fmtDelta(v, 2) + '%';
}

export function fmtRate(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? MISSING : `${Math.round(v * 100)}%`;
}

export function fmtDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return MISSING;
  const s = ms / 1000;
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** ISO time as `YYYY-MM-DD HH:MM UTC` (UTC so reports read the same on every machine). */
export function fmtTime(iso: string | null): string {
  if (!iso) return MISSING;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return MISSING;
  return d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

export function plural(n: number, word: string, many = word + 's'): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** One line, no longer than max characters. */
export function oneLine(s: string, max = 80): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}
