// Read a tag's runs tolerantly: runs.jsonl is the source of truth, results.tsv the fallback and
// the thing we check for tampering. Nothing here throws on bad content; it warns.
import { existsSync, readFileSync } from 'node:fs';
import type { CrashReason, RunRecord, Status } from '../engine/types.js';
import { ledgerPath, recordsPath } from '../paths.js';
import { readLedgerTsv, WarningList, type LedgerRow } from './ledger-tsv.js';

export { readLedgerTsv, type LedgerRow, type LedgerTsv } from './ledger-tsv.js';

export type Source = 'runs.jsonl' | 'results.tsv';

export interface LoadedRuns {
  records: RunRecord[];
  /** Where the records came from; results.tsv records lack times, lines and crash reasons. */
  source: Source;
  metric: string | null;
  warnings: string[];
}

const STATUSES = new Set<Status>(['keep', 'discard', 'crash']);
const CRASH_REASONS = new Set<CrashReason>(['timeout', 'oom', 'nan', 'error', 'no-metric', 'interrupted']);

/** True when the bytes look like a binary file rather than text. */
export function isBinary(buf: Uint8Array): boolean {
  const n = Math.min(buf.length, 8192);
  for (let i = 0; i < n; i++) if (buf[i] === 0) return true;
  return false;
}

/** Parse runs.jsonl text: bad lines (truncated, not JSON, not a record) are skipped with a warning. */
export function parseRecords(text: string, name = 'runs.jsonl'): { records: RunRecord[]; warnings: string[] } {
  const warnings = new WarningList(name);
  const records: RunRecord[] = [];
  const lines = text.split('\n');
  const endsWithNewline = lines[lines.length - 1] === '';
  if (endsWithNewline) lines.pop();
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.length === 0 || (line.charCodeAt(0) <= 32 && line.trim() === '')) continue;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      if (i === lines.length - 1 && !endsWithNewline) warnings.push(`line ${i + 1} is truncated (still being written?); skipped`);
      else warnings.push(`line ${i + 1} is not JSON; skipped`, 'that are not JSON');
      continue;
    }
    const rec = toRecord(obj, records.length + 1);
    if (typeof rec === 'string') warnings.push(`line ${i + 1} ${rec}; skipped`, 'that are not run records');
    else records.push(rec);
  }
  return { records, warnings: warnings.list() };
}

const STRING_FIELDS = ['tag', 'start', 'end', 'commit', 'parent', 'description', 'metric', 'log'];
const NUMBER_FIELDS = ['durationMs', 'memoryGb', 'linesAdded', 'linesRemoved'];

function fixNumber(o: Record<string, unknown>, k: string, d: number | null): void {
  if (typeof o[k] !== 'number' || !Number.isFinite(o[k])) o[k] = d;
}

function dropUnless(o: Record<string, unknown>, k: string, ok: boolean): void {
  if (!ok && k in o) delete o[k];
}

// Fill what an older or hand-edited record lacks, so the report never trips on a missing field.
// The parsed object is patched in place: a well-formed record costs no extra allocation.
function toRecord(obj: unknown, fallbackId: number): RunRecord | string {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return 'is not a run record';
  const o = obj as Record<string, unknown>;
  if (!STATUSES.has(o.status as Status)) return `has an unknown status ${JSON.stringify(o.status)}`;
  if (o.value === undefined || o.status === 'crash') o.value = null;
  else if (o.value !== null && !(typeof o.value === 'number' && Number.isFinite(o.value))) return 'has a value that is not a number';
  o.v = 1;
  fixNumber(o, 'id', fallbackId);
  for (const k of STRING_FIELDS) if (typeof o[k] !== 'string') o[k] = '';
  for (const k of NUMBER_FIELDS) fixNumber(o, k, 0);
  fixNumber(o, 'bestBefore', null);
  fixNumber(o, 'exitCode', null);
  if (typeof o.signal !== 'string') o.signal = null;
  if (typeof o.timedOut !== 'boolean') o.timedOut = false;
  if (!o.metrics || typeof o.metrics !== 'object' || Array.isArray(o.metrics)) o.metrics = {};
  dropUnless(o, 'lane', typeof o.lane === 'string' && o.lane !== '');
  dropUnless(o, 'violation', typeof o.violation === 'string' && o.violation !== '');
  dropUnless(o, 'crashReason', CRASH_REASONS.has(o.crashReason as CrashReason));
  dropUnless(o, 'seed', typeof o.seed === 'number');
  dropUnless(o, 'tail', typeof o.tail === 'string');
  const noise = o.noise as { sigma?: unknown } | undefined;
  dropUnless(o, 'noise', !!noise && typeof noise === 'object' && typeof noise.sigma === 'number');
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
export function compareLedger(records: readonly RunRecord[], rows: readonly LedgerRow[], name = 'results.tsv'): string[] {
  const warnings = new WarningList(name);
  const queue = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const k = r.commit.slice(0, 7);
    const q = queue.get(k);
    if (q) q.push(i);
    else queue.set(k, [i]);
  });
  const rowUsed = new Uint8Array(rows.length);
  const orphanRecords: number[] = [];
  let shared = 0;
  records.forEach((rec, ri) => {
    const q = queue.get(rec.commit.slice(0, 7));
    const at = q?.shift();
    if (at === undefined) {
      orphanRecords.push(ri);
      return;
    }
    shared++;
    rowUsed[at] = 1;
    const diff = rowDiff(rec, rows[at]!);
    if (diff) warnings.push(`line ${rows[at]!.line} differs from run #${rec.id}: ${diff}`, 'that differ from their run record');
  });
  if (records.length > 0 && rows.length > 0 && shared === 0) {
    return [`${name} shares no commit with runs.jsonl (it belongs to another tag?); not compared`];
  }
  const orphanRows = new Map<number, number>();
  rows.forEach((_, i) => {
    if (!rowUsed[i]) orphanRows.set(i, i);
  });
  for (const ri of orphanRecords) {
    const rec = records[ri]!;
    const row = orphanRows.has(ri) ? rows[ri]! : undefined;
    if (row) {
      orphanRows.delete(ri);
      warnings.push(`line ${row.line} differs from run #${rec.id}: commit ${row.commit} instead of ${short(rec.commit)}`, 'that differ from their run record');
    } else {
      warnings.push(`has no row for run #${rec.id} (commit ${short(rec.commit)}): deleted?`, 'missing for a run');
    }
  }
  for (const i of orphanRows.keys()) {
    warnings.push(`line ${rows[i]!.line} (commit ${rows[i]!.commit}) has no run record: added by hand?`, 'with no run record');
  }
  return warnings.list();
}

function rowDiff(rec: RunRecord, row: LedgerRow): string | null {
  if (rec.status !== row.status) return `status ${row.status} instead of ${rec.status}`;
  const want = rec.value === null ? null : rec.value.toFixed(6);
  const got = row.value === null ? null : row.value.toFixed(6);
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
}

/**
 * Load a tag's runs from `repo`: runs.jsonl (checked against results.tsv), else results.tsv alone
 * when runs.jsonl is missing, binary or has no readable run. Null when there is no ledger at all.
 */
export function loadRuns(repo: string, tag: string, opts: LoadOptions = {}): LoadedRuns | null {
  const warnings: string[] = [];
  const records = readRecordsFile(recordsPath(repo, tag), warnings);
  const tsvFile = ledgerPath(repo);
  const tsv = opts.tsvIsThisTag !== false && existsSync(tsvFile) ? readLedgerTsv(readText(tsvFile), 'results.tsv') : null;
  if (records && (records.length > 0 || !tsv || tsv.rows.length === 0)) {
    if (tsv && records.length > 0) warnings.push(...tsv.warnings, ...compareLedger(records, tsv.rows));
    return { records, source: 'runs.jsonl', metric: records.find((r) => r.metric)?.metric ?? null, warnings };
  }
  if (!tsv) return warnings.length ? { records: [], source: 'runs.jsonl', metric: null, warnings } : null;
  if (records) warnings.push('runs.jsonl has no readable run; read results.tsv instead');
  warnings.push(...tsv.warnings);
  return { records: recordsFromLedger(tsv.rows, tsv.metric, tag, opts.goal), source: 'results.tsv', metric: tsv.metric, warnings };
}

/** Records from runs.jsonl; null when it is missing or binary (with a warning for binary). */
function readRecordsFile(file: string, warnings: string[]): RunRecord[] | null {
  if (!existsSync(file)) return null;
  const buf = readFileSync(file);
  if (isBinary(buf)) {
    warnings.push('runs.jsonl is not a text file; skipped');
    return null;
  }
  const parsed = parseRecords(buf.toString('utf8'));
  warnings.push(...parsed.warnings);
  return parsed.records;
}

function readText(file: string): string {
  const buf = readFileSync(file);
  // Keep the NUL bytes so the TSV reader can say "not a text file" instead of misparsing.
  return isBinary(buf) ? '\u0000' : buf.toString('utf8');
}
