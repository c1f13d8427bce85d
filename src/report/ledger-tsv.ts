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

const STATUSES = new Set(['keep', 'discard', 'crash']);
const VIOLATION = /\s*\[violation:\s*([^\]]*)\]\s*/;

/** Parse results.tsv text; `name` is only used in warnings. */
export function readLedgerTsv(text: string, name = 'results.tsv'): LedgerTsv {
  const warnings = new WarningList(name);
  const rows: LedgerRow[] = [];
  let metric = 'val_bpb';
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.includes('\u0000')) {
    warnings.push('is not a text file; skipped');
    return { metric, rows, warnings: warnings.list() };
  }
  const lines = text.split('\n');
  const endsWithNewline = lines[lines.length - 1] === '';
  if (endsWithNewline) lines.pop();
  let first = 0;
  const header = lines[0]?.replace(/\r$/, '').split('\t');
  if (header && header[0] === 'commit') {
    if (header.length >= 2 && header[1]) metric = header[1];
    if (header.length !== 5) warnings.push(`line 1: header has ${header.length} columns, expected 5`);
    first = 1;
  } else if (lines.length > 0) {
    warnings.push('has no header line; assuming commit, metric, memory_gb, status, description');
  }
  for (let i = first; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i]!.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const cols = line.split('\t');
    const isLast = i === lines.length - 1;
    if (cols.length < 5) {
      if (isLast && !endsWithNewline) warnings.push(`line ${lineNo} is truncated; skipped`);
      else warnings.push(`line ${lineNo} has ${cols.length} columns, expected 5; skipped`, 'with a wrong column count');
      continue;
    }
    if (cols.length > 5) warnings.push(`line ${lineNo} has ${cols.length} columns, expected 5; the extra ones were read as part of the description`, 'with a wrong column count');
    const [commit, valueText, memText, statusText] = cols as [string, string, string, string];
    const status = statusText.trim();
    if (!STATUSES.has(status)) {
      warnings.push(`line ${lineNo} has an unknown status "${clip(status)}"; skipped`, 'with an unknown status');
      continue;
    }
    const n = Number(valueText);
    const valueOk = valueText.trim() !== '' && Number.isFinite(n);
    if (!valueOk) warnings.push(`line ${lineNo} has an unreadable ${metric} "${clip(valueText)}"`, 'with an unreadable value');
    const mem = Number(memText);
    let description = cols.slice(4).join(' ');
    let violation: string | undefined;
    const m = VIOLATION.exec(description);
    if (m) {
      violation = m[1]!.trim();
      description = (description.slice(0, m.index) + ' ' + description.slice(m.index + m[0].length)).trim();
    }
    rows.push({
      line: lineNo,
      commit: commit.trim(),
      value: status === 'crash' || !valueOk ? null : n,
      memoryGb: memText.trim() !== '' && Number.isFinite(mem) ? mem : null,
      status: status as Status,
      description,
      ...(violation !== undefined ? { violation } : {}),
    });
  }
  return { metric, rows, warnings: warnings.list() };
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

  list(): string[] {
    const extra = [...this.perKind.entries()].filter(([, n]) => n > this.cap);
    return [...this.out, ...extra.map(([kind, n]) => `${this.name}: ${n - this.cap} more line${n - this.cap === 1 ? '' : 's'} ${kind}`)];
  }
}
