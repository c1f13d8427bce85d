import { appendFileSync, existsSync, readFileSync, writeFileSync, renameSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { RunRecord } from './types.js';
import { withLockSync } from './lock.js';
import { writeAtomic } from '../fs/atomic.js';
import { isKept, lastKeep } from './kept.js';
import { ledgerPath, recordsPath, stateDir } from '../paths.js';
import { readRecords } from './records.js';
import { LedgerMetaSchema, parseStateFile, type LedgerMeta } from '../config/state-files.js';

// results.tsv exactly as karpathy's program.md writes it; runs.jsonl is the richer source of truth.
// Config `ledger_columns` adds summary values after memory_gb, named in the header (what forks do).

export function ledgerHeader(metric: string, columns: readonly string[] = []): string {
  return ['commit', metric, 'memory_gb', ...columns, 'status', 'description'].join('\t') + '\n';
}

/** A summary value as its column shows it: empty when the run printed none. */
function cell(v: number | string | undefined): string {
  if (v === undefined) return '';
  return typeof v === 'number' ? String(v) : v.replace(/[\t\r\n]+/g, ' ');
}

/** A description is one TSV field: no tabs or newlines. */
export function cleanDescription(s: string): string {
  return s.replace(/[\t\r\n]+/g, ' ').replace(/\s+$/, '').replace(/^\s+/, '');
}

export function ledgerRow(r: Pick<RunRecord, 'commit' | 'value' | 'memoryGb' | 'status' | 'description' | 'violation'> & { metrics?: RunRecord['metrics'] }, columns: readonly string[] = []): string {
  const value = r.value === null || r.status === 'crash' || r.violation ? 0 : r.value;
  const mem = r.status === 'crash' ? 0 : r.memoryGb;
  let desc = cleanDescription(r.description);
  if (r.violation) desc = `${desc} [violation: ${cleanDescription(r.violation)}]`.trim();
  if (columns.length === 0) return [r.commit.slice(0, 7), value.toFixed(6), mem.toFixed(1), r.status, desc].join('\t') + '\n';
  const extra = columns.map((c) => cell(r.metrics?.[c]));
  return [r.commit.slice(0, 7), value.toFixed(6), mem.toFixed(1), ...extra, r.status, desc].join('\t') + '\n';
}

function lockPathFor(repo: string, tag: string): string {
  return path.join(stateDir(repo, tag), 'ledger.lock');
}

/** Create results.tsv with only the header (an existing non-empty one is archived, never lost). */
export function writeLedgerHeader(repo: string, tag: string, metric: string, columns: readonly string[] = []): string | null {
  const file = ledgerPath(repo);
  let archived: string | null = null;
  if (existsSync(file) && readFileSync(file, 'utf8').trim() !== '') {
    const dir = path.join(stateDir(repo, tag), 'archive');
    mkdirSync(dir, { recursive: true });
    archived = path.join(dir, `results-${new Date().toISOString().replace(/[:.]/g, '-')}.tsv`);
    renameSync(file, archived);
  }
  writeAtomic(file, ledgerHeader(metric, columns));
  return archived;
}

/**
 * Append the record and its row under one lock: both or (on a crash between) the record first.
 * `columns`: the tag's ledger_columns; when they changed since the last append, results.tsv is
 * rewritten in the new layout from the records (the old file archived), and `relaid` says so.
 */
export function appendRun(repo: string, rec: RunRecord, columns: readonly string[] = []): { repaired: string | null; relaid: boolean } {
  const line = JSON.stringify(rec) + '\n';
  const row = ledgerRow(rec, columns);
  return withLockSync(lockPathFor(repo, rec.tag), () => {
    // Sizes as we left them mean nobody touched the files; otherwise compare row by row.
    const meta = untouchedMeta(repo, rec.tag);
    const relaid = !!meta && (meta.columns ?? []).join('\t') !== columns.join('\t');
    const repaired = meta && !relaid ? null : repairLedger(repo, rec.tag, rec.metric, columns);
    appendFileSync(recordsPath(repo, rec.tag), line, { mode: 0o600 });
    appendFileSync(ledgerPath(repo), row);
    const tip = meta?.tip ? advanceTip(meta.tip, rec) : tipOf(readRecords(repo, rec.tag).records);
    saveMeta(repo, rec.tag, tip, columns);
    return { repaired, relaid: relaid && repaired !== null };
  });
}

/** What the next run needs of the records: how many, and the last kept one (value and commit). */
export interface LedgerTip {
  count: number;
  lastKeep: { value: number | null; commit: string } | null;
}

export function tipOf(records: readonly RunRecord[]): LedgerTip {
  const k = lastKeep(records);
  return { count: records.length, lastKeep: k ? { value: k.value, commit: k.commit } : null };
}

function advanceTip(tip: LedgerTip, rec: RunRecord): LedgerTip {
  return { count: tip.count + 1, lastKeep: isKept(rec) ? { value: rec.value, commit: rec.commit } : tip.lastKeep };
}

/**
 * The tip as the last append left it, while both files still have the sizes it left: then no one
 * else wrote them, and `run` need not parse every record (100k records are most of a second).
 * Null otherwise: read the records.
 */
export function readTip(repo: string, tag: string): LedgerTip | null {
  return untouchedMeta(repo, tag)?.tip ?? null;
}


const metaPath = (repo: string, tag: string) => path.join(stateDir(repo, tag), 'ledger.meta.json');
function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return -1;
  }
}
function untouchedMeta(repo: string, tag: string): LedgerMeta | null {
  try {
    const r = parseStateFile(readFileSync(metaPath(repo, tag), 'utf8'), LedgerMetaSchema);
    if (!r.ok) return null;
    const m = r.value;
    return m.tsv === fileSize(ledgerPath(repo)) && m.records === fileSize(recordsPath(repo, tag)) ? m : null;
  } catch {
    return null;
  }
}
function saveMeta(repo: string, tag: string, tip: LedgerTip, columns: readonly string[]): void {
  const meta: LedgerMeta = { tsv: fileSize(ledgerPath(repo)), records: fileSize(recordsPath(repo, tag)), tip, ...(columns.length ? { columns: [...columns] } : {}) };
  writeAtomic(metaPath(repo, tag), JSON.stringify(meta));
}

/**
 * results.tsv must equal the rows of the records. If someone deleted or rewrote it, the altered copy is
 * archived as evidence and the ledger is rebuilt from the records. Returns the archive path, if any.
 */
export function repairLedger(repo: string, tag: string, metric: string, columns: readonly string[] = []): string | null {
  const file = ledgerPath(repo);
  const { records } = readRecords(repo, tag);
  const expected = ledgerHeader(metric, columns) + records.map((r) => ledgerRow(r, columns)).join('');
  let actual: string | null = null;
  try {
    actual = readFileSync(file, 'utf8');
  } catch {
    actual = null;
  }
  if (actual === expected) return null;
  let archived: string | null = null;
  if (actual !== null && actual !== '') {
    const dir = path.join(stateDir(repo, tag), 'archive');
    mkdirSync(dir, { recursive: true });
    archived = path.join(dir, `results-altered-${new Date().toISOString().replace(/[:.]/g, '-')}.tsv`);
    writeFileSync(archived, actual);
  }
  writeAtomic(file, expected);
  return archived ?? file;
}
