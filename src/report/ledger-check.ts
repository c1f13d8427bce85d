// Checking results.tsv against the run records: altered, deleted and hand-made rows are warnings.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { Status } from '../engine/types.js';
import { isBinary } from '../engine/records.js';
import { WarningList } from '../engine/warning-list.js';
import { LedgerColumns, layoutOf, readLedgerColumns, type LedgerRow } from './ledger-tsv.js';
import { RunTable, STATUSES, type Runs } from './runs.js';
import type { TsvMark } from './table-cache.js';

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
  while (aligned < both && sameShortCommit(commits.get(aligned), rows.commit[aligned]!)) pair(aligned, aligned++);
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
    const k = commits.get(ri).slice(0, 7);
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
      warnings.push(`line ${rows.line[ri]} differs from run #${t.id[ri]}: commit ${rows.commit[ri]} instead of ${short(commits.get(ri))}`, 'that differ from their run record');
    } else {
      warnings.push(`has no row for run #${t.id[ri]} (commit ${short(commits.get(ri))}): deleted?`, 'missing for a run');
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

/**
 * Check results.tsv against the runs. With a mark from the cache whose bytes are unchanged, only the
 * rows after it are read; when they are one row per remaining run, in order and agreeing, nothing
 * else can differ. Anything else is checked in full, as without a cache. Returns the warnings and a
 * mark for the next report (null unless the whole file checked clean and in order).
 */
export function checkTsv(runs: RunTable, file: string, mark: TsvMark | null): { warnings: string[]; mark: TsvMark | null } {
  const buf = readFileSync(file);
  // Columns are found by the header's names: the records' metric is the column compared.
  const opts = { metric: runs.metric ?? undefined };
  // NUL bytes stay, so the reader says "not a text file" instead of misparsing.
  const binary = isBinary(buf);
  if (!binary && mark && mark.size <= buf.length && mark.rows <= runs.length) {
    const h = createHash('sha1').update(buf.subarray(0, mark.size));
    if (h.copy().digest('hex') === mark.sha1) {
      const nl = buf.indexOf(10);
      const header = layoutOf(buf.toString('utf8', 0, nl < 0 ? buf.length : nl), opts);
      const rest = readLedgerColumns(buf.toString('utf8', mark.size), 'results.tsv', mark.lines + 1, { ...opts, layout: header?.layout });
      const size = completeLines(buf);
      if (size === buf.length && rest.warnings.length === 0 && inOrder(runs, rest.rows, mark.rows) && compareLedger(sliceRuns(runs, mark.rows), rest.rows).length === 0) {
        return { warnings: [], mark: { size, sha1: h.update(buf.subarray(mark.size, size)).digest('hex'), lines: mark.lines + countLines(buf, mark.size, size), rows: runs.length } };
      }
    }
  }
  const tsv = readLedgerColumns(binary ? '\u0000' : buf.toString('utf8'), 'results.tsv', 1, opts);
  const warnings = [...tsv.warnings, ...compareLedger(runs, tsv.rows)];
  const size = completeLines(buf);
  if (binary || warnings.length || size !== buf.length || !inOrder(runs, tsv.rows, 0)) return { warnings, mark: null };
  return { warnings, mark: { size, sha1: createHash('sha1').update(buf.subarray(0, size)).digest('hex'), lines: countLines(buf, 0, size), rows: runs.length } };
}

/** Whether rows are the runs from `from` on, one each, in order (by short commit). */
function inOrder(runs: RunTable, rows: LedgerColumns, from: number): boolean {
  if (rows.length !== runs.length - from) return false;
  for (let i = 0; i < rows.length; i++) if (!sameShortCommit(runs.commit.get(from + i), rows.commit[i]!)) return false;
  return true;
}

/** Runs from `from` on, as a table of their own (what compareLedger reads). */
function sliceRuns(t: RunTable, from: number): RunTable {
  const s = new RunTable();
  s.length = t.length - from;
  s.status = t.status.slice(from, t.length);
  s.id = t.id.slice(from, t.length);
  s.value = t.value.slice(from, t.length);
  s.commit = t.commit.slice(from, t.length);
  return s;
}

const completeLines = (buf: Buffer) => buf.lastIndexOf(10) + 1;

function countLines(buf: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = buf.indexOf(10, from); i >= 0 && i < to; i = buf.indexOf(10, i + 1)) n++;
  return n;
}
