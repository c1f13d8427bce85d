// Every run as a table row, every parsed metric as a column: for spreadsheets and pandas.
import type { RunRecord } from '../engine/types.js';

type Cell = string | number | boolean | null | undefined;

const FIXED: [string, (r: RunRecord) => Cell][] = [
  ['id', (r) => r.id],
  ['tag', (r) => r.tag],
  ['lane', (r) => r.lane],
  ['start', (r) => r.start],
  ['end', (r) => r.end],
  ['duration_s', (r) => r.durationMs / 1000],
  ['commit', (r) => r.commit],
  ['parent', (r) => r.parent],
  ['status', (r) => r.status],
  ['violation', (r) => r.violation],
  ['crash_reason', (r) => r.crashReason],
  ['metric', (r) => r.metric],
  ['value', (r) => r.value],
  ['best_before', (r) => r.bestBefore],
  ['memory_gb', (r) => r.memoryGb],
  ['lines_added', (r) => r.linesAdded],
  ['lines_removed', (r) => r.linesRemoved],
  ['exit_code', (r) => r.exitCode],
  ['signal', (r) => r.signal],
  ['timed_out', (r) => r.timedOut],
  ['seed', (r) => r.seed],
  ['noise_sigma', (r) => r.noise?.sigma],
  ['description', (r) => r.description],
  ['log', (r) => r.log],
];

interface Columns {
  header: string[];
  metricNames: string[];
}

/** Fixed columns, then the sorted union of all parsed metric names. */
function columns(records: readonly RunRecord[]): Columns {
  const names = new Set<string>();
  for (const r of records) for (const k in r.metrics) names.add(k);
  const metricNames = [...names].sort();
  const fixedNames = new Set(FIXED.map(([n]) => n));
  // A metric named like a fixed column gets a prefix rather than silently shadowing it.
  const header = [...FIXED.map(([n]) => n), ...metricNames.map((n) => (fixedNames.has(n) ? `metric:${n}` : n))];
  return { header, metricNames };
}

/** Fill `row` with one record's cells (reused across rows to spare 100k arrays). */
function fillRow(r: RunRecord, metricNames: readonly string[], row: Cell[]): Cell[] {
  for (let i = 0; i < FIXED.length; i++) row[i] = FIXED[i]![1](r);
  for (let j = 0; j < metricNames.length; j++) row[FIXED.length + j] = r.metrics[metricNames[j]!];
  return row;
}

/** Header and rows as strings (for callers that want the table itself). */
export function exportTable(records: readonly RunRecord[]): { header: string[]; rows: string[][] } {
  const cols = columns(records);
  const rows: string[][] = [];
  const row: Cell[] = new Array(cols.header.length);
  for (const r of records) rows.push(fillRow(r, cols.metricNames, row).map(str));
  return { header: cols.header, rows };
}

function str(v: Cell): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  return String(v);
}

/** RFC 4180: quote fields holding a comma, a quote or a line break; double the quotes. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

// Any character that needs care in either format; most fields have none and are used as they are.
const SPECIAL = /[",\t\r\n]/;

/** Both tables in one pass: each cell is turned into text once (100k runs x 30 columns adds up). */
export function toCsvAndTsv(records: readonly RunRecord[]): { csv: string; tsv: string } {
  const cols = columns(records);
  const csv = [cols.header.map(csvField).join(',')];
  const tsv = [cols.header.map(tsvField).join('\t')];
  const row: Cell[] = new Array(cols.header.length);
  const c: string[] = new Array(cols.header.length);
  const t: string[] = new Array(cols.header.length);
  for (const r of records) {
    fillRow(r, cols.metricNames, row);
    for (let i = 0; i < row.length; i++) {
      const v = row[i];
      if (typeof v === 'string' && SPECIAL.test(v)) {
        c[i] = csvField(v);
        t[i] = tsvField(v);
      } else c[i] = t[i] = str(v);
    }
    csv.push(c.join(','));
    tsv.push(t.join('\t'));
  }
  return { csv: csv.join('\r\n') + '\r\n', tsv: tsv.join('\n') + '\n' };
}

/** TSV has no quoting: tabs and line breaks inside a field become spaces. */
function tsvField(s: string): string {
  return /[\t\r\n]/.test(s) ? s.replace(/[\t\r\n]+/g, ' ') : s;
}

export function toCsv(records: readonly RunRecord[]): string {
  return toCsvAndTsv(records).csv;
}

export function toTsv(records: readonly RunRecord[]): string {
  return toCsvAndTsv(records).tsv;
}
