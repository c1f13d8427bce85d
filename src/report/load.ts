// Read a tag's runs tolerantly: runs.jsonl is the source of truth, results.tsv the fallback and
// the thing we check for tampering. Nothing here throws on bad content; it warns.
import { closeSync, existsSync, openSync, readFileSync, readSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { createHash, type Hash } from 'node:crypto';
import path from 'node:path';
import type { CrashReason, RunRecord, Status } from '../engine/types.js';
import { ledgerPath, recordsPath, stateDir } from '../paths.js';
import { LedgerColumns, readLedgerColumns, readLedgerTsv, WarningList, type LedgerRow } from './ledger-tsv.js';
import { RunTable, STATUSES, type Runs } from './runs.js';
import { cachedSize, decodeTable, encodeTable, type CachedTable, type ReaderState, type TsvMark } from './table-cache.js';
import { hashPrefix } from './verify.js';

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
  lineNo = 0;
  count = 0;

  constructor(
    name: string,
    private readonly onRecord: (r: RunRecord) => void,
  ) {
    this.warnings = new WarningList(name);
  }

  private beforeLast: { reader: ReaderState; rows: number } | null = null;

  /** onLine for forEachLine that notes where the complete lines end: an unterminated last line is not the cache's. */
  complete(table: RunTable): (line: string, last: boolean) => void {
    this.beforeLast = null;
    return (line, last) => {
      if (last) this.beforeLast = { reader: this.state(), rows: table.length };
      this.line(line, last);
    };
  }

  /** The reader's state and the table's rows after the complete lines (for a cache). */
  completed(table: RunTable): { reader: ReaderState; rows: number } {
    return this.beforeLast ?? { reader: this.state(), rows: table.length };
  }

  state(): ReaderState {
    return { lineNo: this.lineNo, count: this.count, warnings: this.warnings.state() };
  }
  restore(st: ReaderState): void {
    this.lineNo = st.lineNo;
    this.count = st.count;
    this.warnings.restore(st.warnings);
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

interface LineScan {
  /** Start reading here (a cache covers the bytes before, which were text); a line must start here. */
  start?: number;
  /** Receives every byte of the complete lines read. */
  hash?: Hash;
}

/**
 * Call onLine with each line of a UTF-8 file, read a megabyte at a time: no copy of the whole file
 * in memory, as a buffer or as a string, and each line is decoded on its own (a \n byte is never
 * part of a multi-byte character, so this is the whole file's decoding, split). Returns the offset
 * after the last complete line (its \n); 'binary', and no line read, when the file's first 8 KiB
 * look binary.
 */
function forEachLine(file: string, onLine: (line: string, last: boolean) => void, o: LineScan = {}): number | 'binary' {
  const fd = openSync(file, 'r');
  try {
    let buf = Buffer.allocUnsafe(CHUNK);
    let have = 0;
    const skip = o.start ?? 0;
    let done = skip; // offset after the complete lines behind us
    let at = skip; // file position of the next read
    let checked = skip > 0; // a prefix that was read before was text
    for (;;) {
      if (have === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, have);
        buf = bigger;
      }
      const got = readSync(fd, buf, have, buf.length - have, at);
      at += got;
      const end = have + got;
      if (!checked && (end >= 8192 || got === 0)) {
        checked = true;
        if (isBinary(buf.subarray(0, end))) return 'binary';
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
      o.hash?.update(buf.subarray(0, from));
      done += from;
      if (got === 0) {
        if (from < end) onLine(buf.toString('utf8', from, end), true);
        return done;
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
  /** Read and write the parsed-table cache in the tag's state folder (default true). */
  cache?: boolean;
}

/** The parsed table of runs.jsonl between reports (table-cache.ts). */
export const CACHE_FILE = 'report-cache.bin';

/**
 * Load a tag's runs from `repo`: runs.jsonl (checked against results.tsv), else results.tsv alone
 * when runs.jsonl is missing, binary or has no readable run. Null when there is no ledger at all.
 */
export async function loadRuns(repo: string, tag: string, opts: LoadOptions = {}): Promise<LoadedRuns | null> {
  const first = startLoadRuns(repo, tag, opts);
  if (first && !(await first.settled)) return startLoadRuns(repo, tag, opts, false);
  return first;
}

/**
 * loadRuns without waiting for the check of the cache it read: the runs to work with at once, and
 * `settled`, which resolves false when the cache's part of runs.jsonl turned out changed; then the
 * work is to be done again on startLoadRuns(..., false), which reads no cache.
 */
export function startLoadRuns(repo: string, tag: string, opts: LoadOptions = {}, readCacheToo = true): (LoadedRuns & { settled: Promise<boolean> }) | null {
  const warnings: string[] = [];
  const cacheFile = opts.cache === false ? undefined : path.join(stateDir(repo, tag), CACHE_FILE);
  let fromJsonl = readRecordsFile(recordsPath(repo, tag), warnings, opts.records === true, cacheFile, readCacheToo);
  if (fromJsonl?.verify && fromJsonl.runs.length === 0) {
    // Nothing to gain from a cache of no runs; read it plainly (the other paths are not split).
    fromJsonl.abandon?.();
    warnings.length = 0;
    fromJsonl = readRecordsFile(recordsPath(repo, tag), warnings, opts.records === true, cacheFile, false);
  }
  const tsvFile = ledgerPath(repo);
  const haveTsv = opts.tsvIsThisTag !== false && existsSync(tsvFile);
  const settled = Promise.resolve(true);
  if (fromJsonl && fromJsonl.runs.length > 0) {
    // results.tsv is only checked against the records: its rows as columns, no row objects.
    const { runs, records } = fromJsonl;
    const checked = haveTsv ? checkTsv(runs, tsvFile, fromJsonl.tsv) : null;
    if (checked) warnings.push(...checked.warnings);
    const mark = checked?.mark ?? null;
    const c = fromJsonl.cache;
    const save = () => {
      if (c && cacheFile && (fromJsonl.stale || JSON.stringify(mark) !== JSON.stringify(fromJsonl.tsv))) writeCache(cacheFile, mark ? { ...c, tsv: mark } : c);
    };
    const loaded = { runs, records, source: 'runs.jsonl' as const, metric: runs.metric, warnings };
    if (!fromJsonl.verify) {
      save();
      return { ...loaded, settled };
    }
    // The cache's part of runs.jsonl is being checked meanwhile; saved once it holds.
    return { ...loaded, settled: fromJsonl.verify().then((ok) => (ok && save(), ok)) };
  }
  const tsv = haveTsv ? readLedgerTsv(readText(tsvFile), 'results.tsv') : null;
  if (fromJsonl && (!tsv || tsv.rows.length === 0)) return { runs: fromJsonl.runs, records: fromJsonl.records, source: 'runs.jsonl', metric: null, warnings, settled };
  if (!tsv) return warnings.length ? { runs: new RunTable(), records: opts.records ? [] : null, source: 'runs.jsonl', metric: null, warnings, settled } : null;
  if (fromJsonl) warnings.push('runs.jsonl has no readable run; read results.tsv instead');
  warnings.push(...tsv.warnings);
  const records = recordsFromLedger(tsv.rows, tsv.metric, tag, opts.goal);
  return { runs: RunTable.of(records), records: opts.records ? records : null, source: 'results.tsv', metric: tsv.metric, warnings, settled };
}

interface FromJsonl {
  runs: RunTable;
  records: RunRecord[] | null;
  /** What a cache of this read holds (null: no cache wanted). */
  cache: Omit<CachedTable, 'tsv'> | null;
  /** The results.tsv mark of the cache that was read, valid for this table's first runs. */
  tsv: TsvMark | null;
  /** Whether the cache on disk is not `cache` (lines were appended, or there was none). */
  stale: boolean;
  /**
   * With a cache: whether the bytes it covers are unchanged (checked on a worker meanwhile; it also
   * completes cache.sha1). False: the table is not to be used; read again without the cache.
   */
  verify?: () => Promise<boolean>;
  /** Stop that check (the cached table is not used). */
  abandon?: () => void;
}

/**
 * The runs of runs.jsonl; null when it is missing or binary (with a warning for binary). With a cache
 * file (and no full records asked for), only the lines appended since the cache was written are
 * parsed, while a worker checks that the bytes the cache covers are unchanged (`verify`).
 */
function readRecordsFile(file: string, warnings: string[], keepRecords: boolean, cacheFile?: string, readCacheToo = true): FromJsonl | null {
  if (!existsSync(file)) return null;
  const useCache = !!cacheFile && !keepRecords;
  const raw = useCache && readCacheToo ? readCacheBytes(cacheFile) : null;
  const size = raw ? cachedSize(raw) : null;
  // The worker starts first: it reads and hashes the whole prefix while this thread decodes the cache.
  const check = raw && size !== null ? hashPrefix(file, size) : null;
  const cached = check && raw ? decodeTable(raw) : null;
  if (check && cached) {
    const reader = new RecordLines('runs.jsonl', (r) => cached.table.push(r));
    reader.restore(cached.reader);
    const end = forEachLine(file, reader.complete(cached.table), { start: cached.size });
    if (typeof end === 'number') {
      const cache = { size: end, sha1: cached.sha1, table: cached.table, ...reader.completed(cached.table) };
      warnings.push(...reader.warnings.list());
      const verify = async () => {
        try {
          if ((await check.prefix) !== cached.sha1) return false;
          if (end !== cached.size) {
            const sha1 = await check.through(end);
            if (!sha1) return false;
            cache.sha1 = sha1;
          }
          return true;
        } finally {
          check.stop();
        }
      };
      return { runs: cached.table, records: null, cache, tsv: cached.tsv ?? null, stale: end !== cached.size, verify, abandon: () => check.stop() };
    }
  }
  check?.stop();
  const runs = new RunTable();
  const records: RunRecord[] | null = keepRecords ? [] : null;
  // Each parsed record goes into the table and, unless kept, dies young.
  const reader = new RecordLines('runs.jsonl', records ? (r) => (runs.push(r), records.push(r)) : (r) => runs.push(r));
  const hash = useCache ? createHash('sha1') : undefined;
  const end = forEachLine(file, reader.complete(runs), { hash });
  if (end === 'binary') {
    warnings.push('runs.jsonl is not a text file; skipped');
    return null;
  }
  warnings.push(...reader.warnings.list());
  const cache = hash ? { size: end, sha1: hash.digest('hex'), table: runs, ...reader.completed(runs) } : null;
  return { runs, records, cache, tsv: null, stale: true };
}

/**
 * Check results.tsv against the runs. With a mark from the cache whose bytes are unchanged, only the
 * rows after it are read; when they are one row per remaining run, in order and agreeing, nothing
 * else can differ. Anything else is checked in full, as without a cache. Returns the warnings and a
 * mark for the next report (null unless the whole file checked clean and in order).
 */
function checkTsv(runs: RunTable, file: string, mark: TsvMark | null): { warnings: string[]; mark: TsvMark | null } {
  const buf = readFileSync(file);
  // NUL bytes stay, so the reader says "not a text file" instead of misparsing.
  const binary = isBinary(buf);
  if (!binary && mark && mark.size <= buf.length && mark.rows <= runs.length) {
    const h = createHash('sha1').update(buf.subarray(0, mark.size));
    if (h.copy().digest('hex') === mark.sha1) {
      const rest = readLedgerColumns(buf.toString('utf8', mark.size), 'results.tsv', mark.lines + 1);
      const size = completeLines(buf);
      if (size === buf.length && rest.warnings.length === 0 && inOrder(runs, rest.rows, mark.rows) && compareLedger(sliceRuns(runs, mark.rows), rest.rows).length === 0) {
        return { warnings: [], mark: { size, sha1: h.update(buf.subarray(mark.size, size)).digest('hex'), lines: mark.lines + countLines(buf, mark.size, size), rows: runs.length } };
      }
    }
  }
  const tsv = readLedgerColumns(binary ? '\u0000' : buf.toString('utf8'), 'results.tsv');
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

function readCacheBytes(file: string): Buffer | null {
  try {
    return readFileSync(file);
  } catch {
    return null;
  }
}

/** Best effort: a cache that cannot be written (read-only checkout) costs the next report a full parse. */
function writeCache(file: string, c: CachedTable): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, encodeTable(c), { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      /* never written */
    }
  }
}

function readText(file: string): string {
  const buf = readFileSync(file);
  // Keep the NUL bytes so the TSV reader can say "not a text file" instead of misparsing.
  return isBinary(buf) ? '\u0000' : buf.toString('utf8');
}
