// Read a tag's runs tolerantly: runs.jsonl is the source of truth, results.tsv the fallback and
// the thing we check for tampering. Nothing here throws on bad content; it warns.
import { existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { RunRecord } from '../engine/types.js';
import { writeAtomic } from '../fs/atomic.js';
import { ledgerPath, recordsPath, stateDir } from '../paths.js';
import { forEachLine, isBinary, RecordLines } from '../engine/records.js';
import { checkTsv } from './ledger-check.js';
import { readLedgerTsv, type LedgerRow } from './ledger-tsv.js';
import { RunTable } from './runs.js';
import { cachedSize, decodeTable, encodeTable, type CachedTable, type TsvMark } from './table-cache.js';
import { hashPrefix } from './verify.js';

export { karpathyLayout, layoutOf, LedgerColumns, readLedgerColumns, readLedgerTsv, type LedgerLayout, type LedgerRow, type LedgerTsv } from './ledger-tsv.js';
export { isBinary, parseRecords } from '../engine/records.js';
export { compareLedger, short } from './ledger-check.js';

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
      metrics: r.value === null ? { ...r.metrics } : { ...r.metrics, [metric]: r.value },
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

export interface LoadOptions {
  /**
   * Whether results.tsv in the working tree is this tag's ledger (default true). It is untracked
   * and outlives branch switches, so on another tag's branch it is neither compared nor read.
   */
  tsvIsThisTag?: boolean;
  /** For the best-before of records read from results.tsv alone. */
  goal?: 'min' | 'max';
  /** The configured metric: the results.tsv column of that name is the value (else its second column). */
  metric?: string;
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
    const c = fromJsonl.cache;
    // A mark vouches for rows against cached runs only: not while a run's line is still unterminated.
    const mark = checked?.mark && c && (c.rows ?? runs.length) === runs.length ? checked.mark : null;
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
  const tsv = haveTsv ? readLedgerTsv(readText(tsvFile), 'results.tsv', { metric: opts.metric }) : null;
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

function readCacheBytes(file: string): Buffer | null {
  try {
    return readFileSync(file);
  } catch {
    return null;
  }
}

/** Best effort: a cache that cannot be written (read-only checkout) costs the next report a full parse. */
function writeCache(file: string, c: CachedTable): void {
  try {
    writeAtomic(file, encodeTable(c), 0o600);
  } catch {
    /* see above */
  }
}

function readText(file: string): string {
  const buf = readFileSync(file);
  // Keep the NUL bytes so the TSV reader can say "not a text file" instead of misparsing.
  return isBinary(buf) ? '\u0000' : buf.toString('utf8');
}
