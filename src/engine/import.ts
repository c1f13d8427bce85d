// A night kept by hand (karpathy's loop) or by another tool becomes a tag's history: its results.tsv rows
// become records marked `imported`, so report, compare and a session continuing from its last keep work on it.
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { Git } from '../adapters/git.js';
import type { Config } from '../config-defaults.js';
import { UsageError } from '../errors.js';
import { branchFor, ledgerPath, LEDGER_FILE, recordsPath, RUN_LOG_FILE, STATE_ROOT, stateDir } from '../paths.js';
import { addToExclude } from './exclude.js';
import { ledgerHeader, ledgerRow } from './ledger.js';
import { isKept, lastKeep } from './kept.js';
import { readRecords } from './records.js';
import { writeAtomic } from '../fs/atomic.js';
import { readState, writeState, type TagState } from './state.js';
import { validateTag } from './init.js';
import { repoRoot } from './repo.js';
import type { LedgerRow, RunRecord } from './types.js';

/** One row of the ledger being imported (what the results.tsv reader gives). */
export type ImportRow = LedgerRow;

export interface ImportResult {
  tag: string;
  records: RunRecord[];
  /** Commits as written in the file that this repository does not have. */
  missing: string[];
  /** The last kept run: where a session goes on (null: nothing was kept). */
  lastKeep: RunRecord | null;
  /** The branch autoresearch/<tag>: made here (at the last keep, or HEAD when nothing was kept), already there, or none (the last keep is not in git). */
  branch: 'created' | 'existing' | 'none';
  /** Where the imported file's copy is kept. */
  copy: string;
  /** Whether results.tsv was written for the tag (only when the repo had none). */
  wroteLedger: boolean;
  /** Set when the existing branch does not hold the last keep: a session refuses until it is reset there. */
  branchOff?: string;
}

/**
 * Import `rows` (read from `file`) as tag `tag`'s history. Refused when the tag already has a history (state or
 * runs): an import never mixes with runs made here. The file itself is never written; a copy is kept.
 */
/** Why an imported tag cannot go on: its last keep is not in this repository (null: it can). */
export async function cannotContinue(git: Git, state: TagState): Promise<string | null> {
  const k = state.imported;
  if (!k || !k.lastKeep || k.lastKeepInGit || (await git.resolve(k.lastKeep))) return null;
  return `tag "${state.tag}" was imported and its last kept commit ${k.lastKeep.slice(0, 7)} is not in this repository: report and compare work on it, but to go on from there fetch that commit and run "git branch ${state.branch} ${k.lastKeep.slice(0, 7)}" first.`;
}

export async function importLedger(repoDir: string, tag: string, file: string, rows: readonly ImportRow[], metric: string, config: Config): Promise<ImportResult> {
  const repo = await repoRoot(repoDir);
  const git = new Git(repo);
  await validateTag(git, tag);
  const n = readRecords(repo, tag).records.length;
  if (n > 0 || readState(repo, tag)) {
    throw new UsageError(`tag "${tag}" already has a history here (${n} run${n === 1 ? '' : 's'} in ${STATE_ROOT}/${tag}/); import into a new tag.`);
  }
  if (rows.length === 0) throw new UsageError(`${path.basename(file)} has no run to import.`);

  // Each commit as written, looked up once: the full sha where this repository has it.
  const full = new Map<string, string | null>();
  for (const r of rows) if (!full.has(r.commit)) full.set(r.commit, /^[0-9a-fA-F]{4,40}$/.test(r.commit) ? await git.resolve(r.commit) : null);
  const missing = [...full.entries()].filter(([, sha]) => !sha).map(([c]) => c);

  const branch = branchFor(tag);
  const branchTip = (await git.branchExists(branch)) ? await git.resolve(branch) : null;
  const start = branchTip ?? (await git.head());
  if (!start) throw new UsageError('the repository has no commits yet; commit your training code first.');
  const from = path.relative(repo, path.resolve(file)) || path.basename(file);
  const records: RunRecord[] = [];
  let last: { commit: string; inGit: boolean } | null = null;
  let best: number | null = null;
  for (const [i, r] of rows.entries()) {
    const sha = full.get(r.commit) ?? null;
    const parent = last?.commit ?? '';
    // Lines changed against the last keep, where git has both (as `run` counts them).
    const lines = sha && last?.inGit && parent !== sha ? await git.numstat(parent, sha).catch(() => null) : null;
    const value = r.status === 'crash' ? null : r.value;
    const rec: RunRecord = {
      v: 1,
      id: i + 1,
      tag,
      start: '',
      end: '',
      durationMs: 0,
      commit: sha ?? r.commit,
      parent,
      description: r.description,
      status: r.status,
      metric,
      value,
      bestBefore: best,
      memoryGb: r.memoryGb ?? 0,
      metrics: value === null ? { ...r.metrics } : { ...r.metrics, [metric]: value },
      exitCode: null,
      signal: null,
      timedOut: false,
      linesAdded: lines?.added ?? 0,
      linesRemoved: lines?.removed ?? 0,
      log: '',
      imported: { from, line: r.line, inGit: sha !== null },
    };
    if (r.violation !== undefined) rec.violation = r.violation;
    records.push(rec);
    if (isKept(r)) {
      last = { commit: rec.commit, inGit: sha !== null };
      if (value !== null && (best === null || (config.goal === 'min' ? value < best : value > best))) best = value;
    }
  }
  const kept = lastKeep(records);
  const lastKeepInGit = kept ? kept.imported!.inGit : true;

  // The branch: an existing one (karpathy's loop makes autoresearch/<tag>) is left as it is; else one at the last keep.
  let made: ImportResult['branch'] = branchTip ? 'existing' : 'none';
  let branchOff: string | undefined;
  const goOnFrom = kept && lastKeepInGit ? kept.commit : kept ? null : start;
  if (branchTip && goOnFrom && branchTip !== goOnFrom && !(await git.isAncestor(goOnFrom, branchTip))) branchOff = goOnFrom;

  mkdirSync(stateDir(repo, tag), { recursive: true, mode: 0o700 });
  addToExclude(repo, [LEDGER_FILE, RUN_LOG_FILE, `/${STATE_ROOT}/`]);
  const copyDir = path.join(stateDir(repo, tag), 'imported');
  mkdirSync(copyDir, { recursive: true });
  const copy = path.join(copyDir, path.basename(file));
  copyFileSync(file, copy);
  // Read-only files as the commit the session goes on from has them (the work tree may be on another branch).
  const readonly: Record<string, string | null> = {};
  for (const f of config.readonly) {
    const bytes = goOnFrom ? await git.blob(goOnFrom, f) : null;
    readonly[f] = bytes ? createHash('sha256').update(bytes).digest('hex') : null;
  }
  const state: TagState = {
    v: 1,
    tag,
    branch,
    base: goOnFrom ?? start,
    created: new Date().toISOString(),
    metric,
    goal: config.goal,
    readonly,
    ...(config.ledger_columns?.length ? { ledgerColumns: config.ledger_columns } : {}),
    imported: { from, at: new Date().toISOString(), runs: records.length, lastKeep: kept?.commit ?? null, lastKeepInGit },
  };
  writeAtomic(recordsPath(repo, tag), records.map((r) => JSON.stringify(r) + '\n').join(''), 0o600);
  writeState(repo, state);
  // Every run that git has stays reachable, as the engine keeps its own (compare takes refs/autoresearch/<tag>/<n>).
  for (const r of records) if (r.imported!.inGit) await git.updateRef(`refs/autoresearch/${tag}/${r.id}`, r.commit);
  if (!branchTip && goOnFrom) {
    await git.createBranch(branch, goOnFrom);
    made = 'created';
  }
  // results.tsv is the tag's view; one that exists (perhaps the very file imported) is left alone.
  const tsv = ledgerPath(repo);
  const wroteLedger = !existsSync(tsv) || statSync(tsv).size === 0;
  if (wroteLedger) writeAtomic(tsv, ledgerHeader(metric, config.ledger_columns ?? []) + records.map((r) => ledgerRow(r, config.ledger_columns ?? [])).join(''));
  return { tag, records, missing, lastKeep: kept, branch: made, copy, wroteLedger, ...(branchOff ? { branchOff } : {}) };
}
