// Read a tag's runs tolerantly: runs.jsonl is the source of truth, results.tsv the fallback and
// the thing we check for tampering. Nothing here throws on bad content; it warns.
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import type { CrashReason, RunRecord, Status } from '../engine/types.js';
import { ledgerPath, recordsPath } from '../paths.js';
import { LedgerColumns, readLedgerColumns, readLedgerTsv, WarningList, type LedgerRow } from './ledger-tsv.js';
import { RunTable, STATUSES, type Runs } from './runs.js';

export { LedgerColumns, readLedgerColumns, readLedgerTsv, type LedgerRow, type LedgerTsv } from './ledger-tsv.js';

export type Source = 'runs.jsonl' | 'results.tsv';

export interface LoadedRuns {
  /** The runs, as the report reads them. */
  runs: RunTable;
  /** The full records, only when asked for (LoadOptions.records; the CSV/TSV export needs them). */
  records: RunRecord[] | null;
  /** Where the records came from; results.tsv records lack times, lines and crash reasons. */
  source: Source;
  metric: string | null;
  warnings: string[];
}

const CRASH_REASONS = new Set<CrashReason>(['timeout', 'oom', 'nan', 'error', 'no-metric', 'interrupted']);

/** True when the bytes look like a binary file rather than text. */
export function isBinary(buf: Uint8Array): boolean {
  const n = Math.min(buf.length, 8192);
  for (let i = 0; i < n; i++) if (buf[i] === 0) return true;
  return false;
}

/** Turns runs.jsonl lines into records: bad lines (truncated, not JSON, not a record) become warnings. */
class RecordLines {
  readonly warnings: WarningList;
  private lineNo = 0;
  private count = 0;

  constructor(
    name: string,
    private readonly onRecord: (r: RunRecord) => void,
  ) {
    this.warnings = new WarningList(name);
  }

  /** The next line, without its \n; `last`: the file ends without one after it. */
  line(line: string, last: boolean): void {
    const lineNo = ++this.lineNo;
    if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    if (line.length === 0 || (line.charCodeAt(0) <= 32 && line.trim() === '')) return;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      if (last) this.warnings.push(`line ${lineNo} is truncated (still being written?); skipped`);
      else this.warnings.push(`line ${lineNo} is not JSON; skipped`, 'that are not JSON');
      return;
    }
    const rec = toRecord(obj, this.count + 1);
    if (typeof rec === 'string') this.warnings.push(`line ${lineNo} ${rec}; skipped`, 'that are not run records');
    else {
      this.count++;
      this.onRecord(rec);
    }
  }
}

/** Parse runs.jsonl text: bad lines (truncated, not JSON, not a record) are skipped with a warning. */
export function parseRecords(text: string, name = 'runs.jsonl'): { records: RunRecord[]; warnings: string[] } {
  const records: RunRecord[] = [];
  const reader = new RecordLines(name, (r) => records.push(r));
  for (let i = 0; i < text.length; ) {
    const j = text.indexOf('\n', i);
    if (j < 0) {
      reader.line(text.slice(i), true);
      break;
    }
    reader.line(text.slice(i, j), false);
    i = j + 1;
  }
  return { records, warnings: reader.warnings.list() };
}

const CHUNK = 1 << 20;

/**
 * Call onLine with each line of a UTF-8 file, read a megabyte at a time: no copy of the whole file
 * in memory, as a buffer or as a string, and each line is decoded on its own (a \n byte is never
 * part of a multi-byte character, so this is the whole file's decoding, split). False, and no
 * line read, when the file's first 8 KiB look binary.
 */
function forEachLine(file: string, onLine: (line: string, last: boolean) => void): boolean {
  const fd = openSync(file, 'r');
  try {
    let buf = Buffer.allocUnsafe(CHUNK);
    let have = 0;
    let checked = false;
    for (;;) {
      if (have === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, have);
        buf = bigger;
      }
      const got = readSync(fd, buf, have, buf.length - have, null);
      const end = have + got;
      if (!checked && (end >= 8192 || got === 0)) {
        checked = true;
        if (isBinary(buf.subarray(0, end))) return false;
      }
      if (!checked) {
        have = end;
        continue;
      }
      let from = 0;
      for (;;) {
        const nl = buf.indexOf(10, from);
        if (nl < 0 || nl >= end) break;
        onLine(buf.toString('utf8', from, nl), false);
        from = nl + 1;
      }
      if (got === 0) {
        if (from < end) onLine(buf.toString('utf8', from, end), true);
        return true;
      }
      buf.copy(buf, 0, from, end);
      have = end - from;
    }
  } finally {
    closeSync(fd);
  }
}

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

// Fill what an older or hand-edited record lacks, so the report never trips on a missing field.
// The parsed object is patched in place: a well-formed record costs no extra allocation. Written
// out field by field (not loops over key lists) so every access is a monomorphic property load.
function toRecord(obj: unknown, fallbackId: number): RunRecord | string {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return 'is not a run record';
  const o = obj as Record<string, unknown>;
  const status = o.status;
  if (status !== 'keep' && status !== 'discard' && status !== 'crash') return `has an unknown status ${JSON.stringify(status)}`;
  if (o.value === undefined || status === 'crash') o.value = null;
  else if (o.value !== null && !isNum(o.value)) return 'has a value that is not a number';
  if (o.v !== 1) o.v = 1;
  if (!isNum(o.id)) o.id = fallbackId;
  if (typeof o.tag !== 'string') o.tag = '';
  if (typeof o.start !== 'string') o.start = '';
  if (typeof o.end !== 'string') o.end = '';
  if (typeof o.commit !== 'string') o.commit = '';
  if (typeof o.parent !== 'string') o.parent = '';
  if (typeof o.description !== 'string') o.description = '';
  if (typeof o.metric !== 'string') o.metric = '';
  if (typeof o.log !== 'string') o.log = '';
  if (!isNum(o.durationMs)) o.durationMs = 0;
  if (!isNum(o.memoryGb)) o.memoryGb = 0;
  if (!isNum(o.linesAdded)) o.linesAdded = 0;
  if (!isNum(o.linesRemoved)) o.linesRemoved = 0;
  if (!isNum(o.bestBefore)) o.bestBefore = null;
  if (!isNum(o.exitCode)) o.exitCode = null;
  if (typeof o.signal !== 'string') o.signal = null;
  if (typeof o.timedOut !== 'boolean') o.timedOut = false;
  const metrics = o.metrics;
  if (!metrics || typeof metrics !== 'object' || Array.isArray(metrics)) o.metrics = {};
  // Optional fields: absent in most records; a JSON object has no inherited own keys, so
  // `!== undefined` is `in` here.
  if (o.lane !== undefined && !(typeof o.lane === 'string' && o.lane !== '')) delete o.lane;
  if (o.violation !== undefined && !(typeof o.violation === 'string' && o.violation !== '')) delete o.violation;
  if (o.crashReason !== undefined && !CRASH_REASONS.has(o.crashReason as CrashReason)) delete o.crashReason;
  if (o.seed !== undefined && typeof o.seed !== 'number') delete o.seed;
  if (o.tail !== undefined && typeof o.tail !== 'string') delete o.tail;
  const noise = o.noise as { sigma?: unknown } | null | undefined;
  if (noise !== undefined && !(!!noise && typeof noise === 'object' && typeof noise.sigma === 'number')) delete o.noise;
  return o as unknown as RunRecord;
}

/** Partial records from results.tsv alone (a ledger karpathy's loop made): no times, lines or crash reasons. */
export function recordsFromLedger(rows: readonly LedgerRow[], metric: string, tag: string, goal: 'min' | 'max' = 'min'): RunRecord[] {
  let best: number | null = null;
  return rows.map((r, i) => {
    const rec: RunRecord = {
      v: 1,
      id: i + 1,
      tag,
      start: '',
      end: '',
      durationMs: 0,
      commit: r.commit,
      parent: '',
      description: r.description,
      status: r.status,
      metric,
      value: r.value,
      bestBefore: best,
      memoryGb: r.memoryGb ?? 0,
      metrics: r.value === null ? {} : { [metric]: r.value },
      exitCode: null,
      signal: null,
      timedOut: false,
      linesAdded: 0,
      linesRemoved: 0,
      log: '',
    };
    if (r.violation !== undefined) rec.violation = r.violation;
    if (r.status === 'keep' && r.value !== null && (best === null || (goal === 'min' ? r.value < best : r.value > best))) best = r.value;
    return rec;
  });
}

/**
 * Compare results.tsv with the records and describe rows that were altered or deleted.
 * Rows are matched by short commit in order (reruns of one commit pair up one by one); a row and
 * a record left over at the same position are reported as one altered row.
 */
export function compareLedger(runs: Runs, ledgerRows: readonly LedgerRow[] | LedgerColumns, name = 'results.tsv'): string[] {
  const t = RunTable.of(runs);
  const rows = LedgerColumns.of(ledgerRows);
  const n = t.length;
  const commits = t.commit;
  const warnings = new WarningList(name);
  const rowUsed = new Uint8Array(rows.length);
  const orphanRecords: number[] = [];
  let shared = 0;
  const pair = (ri: number, at: number) => {
    shared++;
    rowUsed[at] = 1;
    const diff = rowDiff(t, ri, rows.status[at]!, rows.value[at]!);
    if (diff) warnings.push(`line ${rows.line[at]} differs from run #${t.id[ri]}: ${diff}`, 'that differ from their run record');
  };
  // Both files are appended run by run, so row i is usually record i's. While that holds, record i
  // takes row i, as the matching below would (row i is then the first unused row of its commit),
  // without hashing 100k commits.
  let aligned = 0;
  const both = Math.min(n, rows.length);
  while (aligned < both && sameShortCommit(commits[aligned]!, rows.commit[aligned]!)) pair(aligned, aligned++);
  // The rest: rows of each short commit as a chain in file order: head.get(commit) is the next
  // unused row, next[row] the one after it (-1: none left).
  const head = new Map<string, number>();
  const next = new Int32Array(rows.length);
  for (let i = rows.length - 1; i >= aligned; i--) {
    const k = rows.commit[i]!.slice(0, 7);
    next[i] = head.get(k) ?? -1;
    head.set(k, i);
  }
  for (let ri = aligned; ri < n; ri++) {
    const k = commits[ri]!.slice(0, 7);
    const at = head.get(k);
    if (at === undefined || at < 0) {
      orphanRecords.push(ri);
      continue;
    }
    head.set(k, next[at]!);
    pair(ri, at);
  }
  if (n > 0 && rows.length > 0 && shared === 0) {
    return [`${name} shares no commit with runs.jsonl (it belongs to another tag?); not compared`];
  }
  const orphanRows = new Map<number, number>();
  for (let i = 0; i < rows.length; i++) if (!rowUsed[i]) orphanRows.set(i, i);
  for (const ri of orphanRecords) {
    if (orphanRows.has(ri)) {
      orphanRows.delete(ri);
      warnings.push(`line ${rows.line[ri]} differs from run #${t.id[ri]}: commit ${rows.commit[ri]} instead of ${short(commits[ri]!)}`, 'that differ from their run record');
    } else {
      warnings.push(`has no row for run #${t.id[ri]} (commit ${short(commits[ri]!)}): deleted?`, 'missing for a run');
    }
  }
  for (const i of orphanRows.keys()) {
    warnings.push(`line ${rows.line[i]} (commit ${rows.commit[i]}) has no run record: added by hand?`, 'with no run record');
  }
  return warnings.list();
}

/** a.slice(0, 7) === b.slice(0, 7), without the two strings. */
function sameShortCommit(a: string, b: string): boolean {
  const n = Math.min(a.length, 7);
  if (Math.min(b.length, 7) !== n) return false;
  for (let i = 0; i < n; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) return false;
  return true;
}

function rowDiff(t: RunTable, i: number, rowStatus: Status, rowValue: number | null): string | null {
  const status = STATUSES[t.status[i]!]!;
  if (status !== rowStatus) return `status ${rowStatus} instead of ${status}`;
  const value = t.valueOf(i);
  // Equal numbers print equal: only a difference needs the 6-decimal comparison results.tsv allows.
  if (value === rowValue) return null;
  const want = value === null ? null : value.toFixed(6);
  const got = rowValue === null ? null : rowValue.toFixed(6);
  if (want !== got) return `value ${got ?? 'none'} instead of ${want ?? 'none'}`;
  return null;
}

export function short(commit: string): string {
  return commit.slice(0, 7);
}

export interface LoadOptions {
  /**
   * Whether results.tsv in the working tree is this tag's ledger (default true). It is untracked
   * and outlives branch switches, so on another tag's branch it is neither compared nor read.
   */
  tsvIsThisTag?: boolean;
  /** For the best-before of records read from results.tsv alone. */
  goal?: 'min' | 'max';
  /** Keep the full records too (default false: the table alone is what the report reads). */
  records?: boolean;
}

/**
 * Load a tag's runs from `repo`: runs.jsonl (checked against results.tsv), else results.tsv alone
 * when runs.jsonl is missing, binary or has no readable run. Null when there is no ledger at all.
 */
export function loadRuns(repo: string, tag: string, opts: LoadOptions = {}): LoadedRuns | null {
  const warnings: string[] = [];
  const fromJsonl = readRecordsFile(recordsPath(repo, tag), warnings, opts.records === true);
  const tsvFile = ledgerPath(repo);
  const haveTsv = opts.tsvIsThisTag !== false && existsSync(tsvFile);
  if (fromJsonl && fromJsonl.runs.length > 0) {
    // results.tsv is only checked against the records: its rows as columns, no row objects.
    const { runs, records } = fromJsonl;
    if (haveTsv) {
      const tsv = readLedgerColumns(readText(tsvFile), 'results.tsv');
      warnings.push(...tsv.warnings, ...compareLedger(runs, tsv.rows));
    }
    return { runs, records, source: 'runs.jsonl', metric: runs.metric, warnings };
  }
  const tsv = haveTsv ? readLedgerTsv(readText(tsvFile), 'results.tsv') : null;
  if (fromJsonl && (!tsv || tsv.rows.length === 0)) return { runs: fromJsonl.runs, records: fromJsonl.records, source: 'runs.jsonl', metric: null, warnings };
  if (!tsv) return warnings.length ? { runs: new RunTable(), records: opts.records ? [] : null, source: 'runs.jsonl', metric: null, warnings } : null;
  if (fromJsonl) warnings.push('runs.jsonl has no readable run; read results.tsv instead');
  warnings.push(...tsv.warnings);
  const records = recordsFromLedger(tsv.rows, tsv.metric, tag, opts.goal);
  return { runs: RunTable.of(records), records: opts.records ? records : null, source: 'results.tsv', metric: tsv.metric, warnings };
}

/** The runs of runs.jsonl; null when it is missing or binary (with a warning for binary). */
function readRecordsFile(file: string, warnings: string[], keepRecords: boolean): { runs: RunTable; records: RunRecord[] | null } | null {
  if (!existsSync(file)) return null;
  const runs = new RunTable();
  const records: RunRecord[] | null = keepRecords ? [] : null;
  // Each parsed record goes into the table and, unless kept, dies young.
  const reader = new RecordLines('runs.jsonl', records ? (r) => (runs.push(r), records.push(r)) : (r) => runs.push(r));
  if (!forEachLine(file, (line, last) => reader.line(line, last))) {
    warnings.push('runs.jsonl is not a text file; skipped');
    return null;
  }
  warnings.push(...reader.warnings.list());
  return { runs, records };
}

function readText(file: string): string {
  const buf = readFileSync(file);
  // Keep the NUL bytes so the TSV reader can say "not a text file" instead of misparsing.
  return isBinary(buf) ? '\u0000' : buf.toString('utf8');
}
