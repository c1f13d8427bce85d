// Tolerant reader for results.tsv: karpathy's five columns, or any layout its header names
// (forks add columns such as artifact_mb or tok_per_sec); bad lines become warnings, never exceptions.
import type { Status } from '../engine/types.js';
import { WarningList } from '../engine/warning-list.js';

export type { LedgerRow } from '../engine/types.js';
import type { LedgerRow } from '../engine/types.js';

export interface LedgerTsv {
  /** Name of the metric column (val_bpb unless configured otherwise). */
  metric: string;
  rows: LedgerRow[];
  warnings: string[];
}

/** Where each column of a results.tsv is: karpathy's five, or as its header names them. */
export interface LedgerLayout {
  /** Columns a row has. */
  width: number;
  commit: number;
  value: number;
  /** -1: no memory_gb column. */
  memory: number;
  status: number;
  /** -1: no description column. */
  description: number;
  /** The metric column's name. */
  metric: string;
  /** Every other column: kept as a metric of the run where its value is a number. */
  extras: { name: string; at: number }[];
}

export interface ReadOptions {
  /** The metric to look for by name in a header (the config's); else the header's second column. */
  metric?: string;
  /** The layout when `text` is the rest of a file (firstLine above 1): from the file's first line. */
  layout?: LedgerLayout;
}

const STATUS_NAMES = new Set(['keep', 'discard', 'crash']);
const NAMED = new Set(['commit', 'memory_gb', 'status', 'description']);

/** karpathy's layout: commit, metric, memory_gb, status, description. */
export function karpathyLayout(metric = 'val_bpb'): LedgerLayout {
  return { width: 5, commit: 0, value: 1, memory: 2, status: 3, description: 4, metric, extras: [] };
}

const isKarpathy = (l: LedgerLayout) => l.width === 5 && l.commit === 0 && l.value === 1 && l.memory === 2 && l.status === 3 && l.description === 4;

/**
 * The layout a first line declares; null when it is not a header (a row: karpathy's columns are
 * assumed). A header starts with `commit` or names a `status` column.
 */
export function layoutOf(firstLine: string, opts: { metric?: string } = {}): { layout: LedgerLayout; warnings: string[] } | null {
  const names = firstLine.replace(/^\uFEFF/, '').replace(/\r$/, '').split('\t').map((s) => s.trim());
  const lower = names.map((s) => s.toLowerCase());
  if (lower[0] !== 'commit' && !(lower.includes('status') && !lower.some((s) => STATUS_NAMES.has(s)))) return null;
  const warnings: string[] = [];
  const find = (n: string) => lower.indexOf(n);
  const status = find('status');
  if (status < 0) {
    warnings.push("line 1: the header names no status column; read as karpathy's five columns");
    return { layout: karpathyLayout(names[1] || opts.metric || 'val_bpb'), warnings };
  }
  let commit = find('commit');
  if (commit < 0) {
    commit = 0;
    warnings.push('line 1: the header names no commit column; the first column is read as the commit');
  }
  const free = (i: number) => i >= 0 && i !== commit && i !== status && !NAMED.has(lower[i]!) && names[i] !== '';
  let value = opts.metric ? names.indexOf(opts.metric) : -1;
  if (!free(value)) value = free(1) ? 1 : names.findIndex((_, i) => free(i));
  if (value < 0) warnings.push('line 1: the header names no metric column; values are read as missing');
  const layout: LedgerLayout = {
    width: names.length,
    commit,
    value,
    memory: find('memory_gb'),
    status,
    description: find('description'),
    metric: value >= 0 ? names[value]! : (opts.metric ?? 'val_bpb'),
    extras: [],
  };
  const seen = new Set<string>();
  names.forEach((name, at) => {
    if (at === value || !free(at) || seen.has(name)) return;
    seen.add(name);
    layout.extras.push({ name, at });
  });
  return { layout, warnings };
}

const VIOLATION = /\s*\[violation:\s*([^\]]*)\]\s*/;

/** Parse results.tsv text; `name` is only used in warnings. */
export function readLedgerTsv(text: string, name = 'results.tsv', opts: ReadOptions = {}): LedgerTsv {
  const rows: LedgerRow[] = [];
  const { metric, warnings } = scanLedgerTsv(text, name, opts, (line, cols, status, value, l) => {
    const memText = l.memory >= 0 ? cols[l.memory]! : '';
    const mem = Number(memText);
    let description = l.description < 0 ? '' : cols.length === l.width ? cols[l.description]! : cols.slice(l.description).join(' ');
    let violation: string | undefined;
    const m = description.includes('[violation:') ? VIOLATION.exec(description) : null;
    if (m) {
      violation = m[1]!.trim();
      description = (description.slice(0, m.index) + ' ' + description.slice(m.index + m[0].length)).trim();
    }
    const row: LedgerRow = {
      line,
      commit: cols[l.commit]!.trim(),
      value,
      memoryGb: Number.isFinite(mem) && memText.trim() !== '' ? mem : null,
      status,
      description,
    };
    if (violation !== undefined) row.violation = violation;
    if (l.extras.length) {
      const metrics: Record<string, number> = {};
      let any = false;
      for (const { name: k, at } of l.extras) {
        const t = cols[at]!.trim();
        const n = t === '' ? NaN : Number(t);
        // A crash's columns are placeholders (karpathy writes 0 for a crash); a real number is kept.
        if (Number.isFinite(n) && !(status === 'crash' && n === 0)) {
          metrics[k] = n;
          any = true;
        }
      }
      if (any) row.metrics = metrics;
    }
    rows.push(row);
  });
  return { metric, rows, warnings };
}

/** The rows of results.tsv as columns, with what compareLedger reads of them. */
export class LedgerColumns {
  length = 0;
  line: number[] = [];
  commit: string[] = [];
  status: Status[] = [];
  value: (number | null)[] = [];

  static of(rows: readonly LedgerRow[] | LedgerColumns): LedgerColumns {
    if (rows instanceof LedgerColumns) return rows;
    const c = new LedgerColumns();
    for (const r of rows) c.push(r.line, r.commit, r.status, r.value);
    return c;
  }

  push(line: number, commit: string, status: Status, value: number | null): void {
    this.line.push(line);
    this.commit.push(commit);
    this.status.push(status);
    this.value.push(value);
    this.length++;
  }
}

/**
 * readLedgerTsv for checking results.tsv against runs.jsonl: the same warnings, and of each row
 * only what the check reads (no description, no row object): 100k rows are 100k fewer objects.
 */
export function readLedgerColumns(text: string, name = 'results.tsv', firstLine = 1, opts: ReadOptions = {}): { metric: string; rows: LedgerColumns; warnings: string[] } {
  const rows = new LedgerColumns();
  const { metric, warnings } = scanLedgerTsv(text, name, opts, (line, cols, status, value, l) => rows.push(line, cols[l.commit]!.trim(), status, value), rows, firstLine);
  return { metric, rows, warnings };
}

/** Plain ASCII, not a space: trim() leaves a field that starts and ends with one as it is. */
const solid = (c: number) => c > 32 && c < 127;

/**
 * Walk results.tsv: warnings for bad lines, `onRow` for the good ones (cols: the layout's width or,
 * with the description last, more). With `fast` and karpathy's layout, a line as the engine writes
 * it (five fields, a plain status, a number) goes to fast.push without being split; anything else
 * takes the general path.
 */
function scanLedgerTsv(
  text: string,
  name: string,
  opts: ReadOptions,
  onRow: (line: number, cols: string[], status: Status, value: number | null, layout: LedgerLayout) => void,
  fast?: LedgerColumns,
  /** The line number of text's first line: above 1, text is the rest of a file (no header, no BOM). */
  firstLine = 1,
): { metric: string; warnings: string[] } {
  const warnings = new WarningList(name);
  let layout = opts.layout ?? karpathyLayout(opts.metric);
  if (firstLine === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.includes('\u0000')) {
    warnings.push('is not a text file; skipped');
    return { metric: layout.metric, warnings: warnings.list() };
  }
  let karpathy = isKarpathy(layout);
  const len = text.length;
  let pos = 0;
  let lineNo = firstLine - 1;
  while (pos < len) {
    let nl = text.indexOf('\n', pos);
    const unterminated = nl < 0;
    if (unterminated) nl = len;
    const from = pos;
    pos = nl + 1;
    lineNo++;
    let end = nl;
    if (end > from && text.charCodeAt(end - 1) === 13) end--;
    if (lineNo === 1) {
      const header = layoutOf(text.slice(from, end), opts);
      if (header) {
        layout = header.layout;
        karpathy = isKarpathy(layout);
        for (const w of header.warnings) warnings.push(w);
        continue;
      }
    }
    if (fast && karpathy) {
      const t1 = text.indexOf('\t', from);
      const t2 = t1 < 0 ? -1 : text.indexOf('\t', t1 + 1);
      const t3 = t2 < 0 ? -1 : text.indexOf('\t', t2 + 1);
      const t4 = t3 < 0 ? -1 : text.indexOf('\t', t3 + 1);
      const t5 = t4 < 0 ? -1 : text.indexOf('\t', t4 + 1);
      if (t1 > from && t4 >= 0 && t4 < end && (t5 < 0 || t5 >= end) && t2 > t1 + 1 && solid(text.charCodeAt(from)) && solid(text.charCodeAt(t1 - 1))) {
        const sl = t4 - t3 - 1;
        const status: Status | null =
          sl === 4 && text.startsWith('keep', t3 + 1) ? 'keep' : sl === 7 && text.startsWith('discard', t3 + 1) ? 'discard' : sl === 5 && text.startsWith('crash', t3 + 1) ? 'crash' : null;
        const n = Number(text.slice(t1 + 1, t2));
        if (status !== null && Number.isFinite(n) && solid(text.charCodeAt(t1 + 1))) {
          fast.push(lineNo, text.slice(from, t1), status, status === 'crash' ? null : n);
          continue;
        }
      }
    }
    const line = text.slice(from, end);
    if (line.trim() === '') continue;
    const cols = line.split('\t');
    const width = layout.width;
    if (cols.length < width) {
      if (unterminated) warnings.push(`line ${lineNo} is truncated; skipped`);
      else warnings.push(`line ${lineNo} has ${cols.length} columns, expected ${width}; skipped`, 'with a wrong column count');
      continue;
    }
    if (cols.length > width) {
      // Only a last description can have taken a stray tab; elsewhere no column can be trusted.
      if (layout.description !== width - 1) {
        warnings.push(`line ${lineNo} has ${cols.length} columns, expected ${width}; skipped`, 'with a wrong column count');
        continue;
      }
      warnings.push(`line ${lineNo} has ${cols.length} columns, expected ${width}; the extra ones were read as part of the description`, 'with a wrong column count');
    }
    const statusText = cols[layout.status]!.trim();
    const status = statusText.toLowerCase();
    if (status !== 'keep' && status !== 'discard' && status !== 'crash') {
      warnings.push(`line ${lineNo} has an unknown status "${clip(statusText)}"; skipped`, 'with an unknown status');
      continue;
    }
    const valueText = layout.value >= 0 ? cols[layout.value]! : '';
    const n = Number(valueText);
    const valueOk = Number.isFinite(n) && valueText.trim() !== '';
    if (!valueOk && status !== 'crash' && layout.value >= 0) warnings.push(`line ${lineNo} has an unreadable ${layout.metric} "${clip(valueText)}"`, 'with an unreadable value');
    onRow(lineNo, cols, status, status === 'crash' || !valueOk ? null : n, layout);
  }
  return { metric: layout.metric, warnings: warnings.list() };
}

function clip(s: string): string {
  return s.length > 40 ? s.slice(0, 37) + '...' : s;
}
