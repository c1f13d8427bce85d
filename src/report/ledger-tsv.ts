// Tolerant reader for karpathy's results.tsv: bad lines become warnings, never exceptions.
import type { Status } from '../engine/types.js';

export interface LedgerRow {
  /** 1-based line number in the file. */
  line: number;
  commit: string;
  /** null for a crash (written as 0.000000) or an unreadable number. */
  value: number | null;
  memoryGb: number | null;
  status: Status;
  /** Description without the `[violation: ...]` marker. */
  description: string;
  violation?: string;
}

export interface LedgerTsv {
  /** Name of the metric column (val_bpb unless configured otherwise). */
  metric: string;
  rows: LedgerRow[];
  warnings: string[];
}

const VIOLATION = /\s*\[violation:\s*([^\]]*)\]\s*/;

/** Parse results.tsv text; `name` is only used in warnings. */
export function readLedgerTsv(text: string, name = 'results.tsv'): LedgerTsv {
  const rows: LedgerRow[] = [];
  const { metric, warnings } = scanLedgerTsv(text, name, (line, cols, status, value) => {
    const memText = cols[2]!;
    const mem = Number(memText);
    let description = cols.length === 5 ? cols[4]! : cols.slice(4).join(' ');
    let violation: string | undefined;
    const m = description.includes('[violation:') ? VIOLATION.exec(description) : null;
    if (m) {
      violation = m[1]!.trim();
      description = (description.slice(0, m.index) + ' ' + description.slice(m.index + m[0].length)).trim();
    }
    const row: LedgerRow = {
      line,
      commit: cols[0]!.trim(),
      value,
      memoryGb: Number.isFinite(mem) && memText.trim() !== '' ? mem : null,
      status,
      description,
    };
    if (violation !== undefined) row.violation = violation;
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
export function readLedgerColumns(text: string, name = 'results.tsv', firstLine = 1): { metric: string; rows: LedgerColumns; warnings: string[] } {
  const rows = new LedgerColumns();
  const { metric, warnings } = scanLedgerTsv(text, name, (line, cols, status, value) => rows.push(line, cols[0]!.trim(), status, value), rows, firstLine);
  return { metric, rows, warnings };
}

/** Plain ASCII, not a space: trim() leaves a field that starts and ends with one as it is. */
const solid = (c: number) => c > 32 && c < 127;

/**
 * Walk results.tsv: warnings for bad lines, `onRow` for the good ones (cols: 5 or more). With
 * `fast`, a line as the engine writes it (five fields, a plain status, a number) goes to
 * fast.push without being split; anything else takes the general path.
 */
function scanLedgerTsv(
  text: string,
  name: string,
  onRow: (line: number, cols: string[], status: Status, value: number | null) => void,
  fast?: LedgerColumns,
  /** The line number of text's first line: above 1, text is the rest of a file (no header, no BOM). */
  firstLine = 1,
): { metric: string; warnings: string[] } {
  const warnings = new WarningList(name);
  let metric = 'val_bpb';
  if (firstLine === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.includes('\u0000')) {
    warnings.push('is not a text file; skipped');
    return { metric, warnings: warnings.list() };
  }
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
      const header = text.slice(from, end).split('\t');
      if (header[0] === 'commit') {
        if (header.length >= 2 && header[1]) metric = header[1];
        if (header.length !== 5) warnings.push(`line 1: header has ${header.length} columns, expected 5`);
        continue;
      }
      warnings.push('has no header line; assuming commit, metric, memory_gb, status, description');
    }
    if (fast) {
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
    if (cols.length < 5) {
      if (unterminated) warnings.push(`line ${lineNo} is truncated; skipped`);
      else warnings.push(`line ${lineNo} has ${cols.length} columns, expected 5; skipped`, 'with a wrong column count');
      continue;
    }
    if (cols.length > 5) warnings.push(`line ${lineNo} has ${cols.length} columns, expected 5; the extra ones were read as part of the description`, 'with a wrong column count');
    const valueText = cols[1]!;
    const status = cols[3]!.trim();
    if (status !== 'keep' && status !== 'discard' && status !== 'crash') {
      warnings.push(`line ${lineNo} has an unknown status "${clip(status)}"; skipped`, 'with an unknown status');
      continue;
    }
    const n = Number(valueText);
    const valueOk = Number.isFinite(n) && valueText.trim() !== '';
    if (!valueOk) warnings.push(`line ${lineNo} has an unreadable ${metric} "${clip(valueText)}"`, 'with an unreadable value');
    onRow(lineNo, cols, status, status === 'crash' || !valueOk ? null : n);
  }
  return { metric, warnings: warnings.list() };
}

function clip(s: string): string {
  return s.length > 40 ? s.slice(0, 37) + '...' : s;
}

/** Warnings prefixed with the file name; repeats of one kind are capped and counted. */
export class WarningList {
  private readonly out: string[] = [];
  private readonly perKind = new Map<string, number>();
  constructor(
    private readonly name: string,
    private readonly cap = 5,
  ) {}

  /** `kind` groups repeats, phrased to follow "N more lines", e.g. "that are not JSON". */
  push(msg: string, kind = msg): void {
    const n = (this.perKind.get(kind) ?? 0) + 1;
    this.perKind.set(kind, n);
    if (n <= this.cap) this.out.push(`${this.name} ${msg}`);
  }

  /** What a cache needs to carry the list on (table-cache.ts). */
  state(): { out: string[]; perKind: [string, number][] } {
    return { out: [...this.out], perKind: [...this.perKind.entries()] };
  }
  restore(st: { out: string[]; perKind: [string, number][] }): void {
    this.out.push(...st.out);
    for (const [k, n] of st.perKind) this.perKind.set(k, n);
  }

  list(): string[] {
    const extra = [...this.perKind.entries()].filter(([, n]) => n > this.cap);
    return [...this.out, ...extra.map(([kind, n]) => `${this.name}: ${n - this.cap} more line${n - this.cap === 1 ? '' : 's'} ${kind}`)];
  }
}
