import { existsSync, mkdirSync, renameSync, unlinkSync, statfsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Git } from '../adapters/git.js';
import { cancelRun, executorFor, type JobPlace } from '../executors/index.js';
import { batchMarkers, pendingPath, readPending, type Pending } from './pending.js';
import type { Config } from '../config.js';
import { UsageError, ToolError } from '../errors.js';
import { branchFor, logsDir, stateDir, RUN_LOG_FILE, tagFromBranch } from '../paths.js';
import { repoRoot } from './repo.js';
import { guard } from './guard.js';
import { appendRun, readTip, tipOf } from './ledger.js';
import { readRecords } from './records.js';
import { baseRecord, judge, nameFinding, readOutcome, recordRun, type MadeBy } from './settle.js';
import { writeAtomic } from '../fs/atomic.js';
import { tryLock, lockOwner } from './lock.js';
import { isAlive as pidAlive } from '../adapters/pid.js';
import { checksums, readState, writeState, type TagState } from './state.js';
import { lastKeep } from './kept.js';
import { syncWorkTree } from './submit.js';
import { runnerLockPath } from './queue.js';
import type { RunRecord } from './types.js';
import { redactSecrets, trainingEnv } from '../secrets.js';

export interface StepOptions {
  repo: string;
  tag: string;
  config: Config;
  description: string;
  seed?: number;
  /** Extra environment for the training process (e.g. CUDA_VISIBLE_DEVICES of a lane). */
  env?: Record<string, string>;
  signal?: AbortSignal;
  onTick?: (elapsedMs: number, budgetMs: number, limitMs: number) => void;
  /** While the run waits in a scheduler's queue, and when it starts (engines with a queue only). */
  onPlace?: (place: JobPlace) => void;
  log?: { info: (o: object, msg?: string) => void; warn: (o: object, msg?: string) => void };
  /** The caller already holds the tag's run lock (acquireRunLock) and releases it itself. */
  lockHeld?: boolean;
  /** Noise-aware keeping: an improvement must exceed `threshold` (= sigma x S). Defaults to the tag's state. */
  noise?: { sigma: number; threshold: number };
}

export interface StepResult {
  record: RunRecord;
  /** Best kept value and commit after this run. */
  best: { value: number | null; commit: string };
  /** Best before this run (for the delta). */
  bestBefore: number | null;
}


/** Which agent and model made a run: the supervisor names them in its agent's environment (AR_AGENT, AR_MODEL). */
export function madeBy(env: NodeJS.ProcessEnv = process.env): MadeBy {
  return { ...(env.AR_AGENT ? { agent: env.AR_AGENT } : {}), ...(env.AR_MODEL ? { model: env.AR_MODEL } : {}) };
}

const runLockPath = (repo: string, tag: string) => path.join(stateDir(repo, tag), 'run.lock');

/** The tag of the checked-out autoresearch branch, or a UsageError saying what to do. */
export async function currentTag(repo: string, knownBranch?: string | null): Promise<string> {
  const branch = knownBranch !== undefined ? knownBranch : await new Git(repo).currentBranch();
  const tag = branch ? tagFromBranch(branch) : null;
  if (!tag) {
    throw new UsageError(
      `the current branch ${branch ? `"${branch}"` : '(detached HEAD)'} is not an autoresearch branch; run "ar-supervise init --tag <tag>" first, or check out autoresearch/<tag>.`,
    );
  }
  if (!readState(repo, tag)) {
    throw new UsageError(`branch ${branch} has no autoresearch state in this folder; run "ar-supervise init --tag <new-tag>" to start one.`);
  }
  return tag;
}

/** The repo holding `dir` and the tag of its checked-out branch: one git spawn where HEAD has a commit. */
export async function repoAndTag(dir: string): Promise<{ repo: string; tag: string }> {
  const where = existsSync(dir) ? await new Git(dir).where() : null;
  if (!where) {
    const repo = await repoRoot(dir); // says why (no folder, no repo)
    return { repo, tag: await currentTag(repo) };
  }
  return { repo: where.top, tag: await currentTag(where.top, where.branch) };
}

/** Best kept value and the commit the branch must sit on. */
export function bestOf(records: RunRecord[], state: TagState): { value: number | null; commit: string } {
  const k = lastKeep(records);
  return k ? { value: k.value, commit: k.commit } : { value: null, commit: state.base };
}

/** Hold the run lock of a tag: one experiment at a time per checkout. */
export function acquireRunLock(repo: string, tag: string): () => void {
  mkdirSync(stateDir(repo, tag), { recursive: true, mode: 0o700 });
  const release = tryLock(runLockPath(repo, tag));
  if (!release) {
    const owner = lockOwner(runLockPath(repo, tag));
    if (owner !== null && owner === lockOwner(runnerLockPath(repo, tag))) {
      throw new UsageError(`queued experiments are running (runner pid ${owner}); use "ar-supervise submit" and "ar-supervise results", or wait until "ar-supervise queue" shows none.`);
    }
    throw new UsageError(`another experiment is running in this checkout (pid ${owner ?? '?'}); wait for it to finish.`);
  }
  return release;
}

/**
 * Settle the runs that were cut off (the runner was SIGKILLed, the machine rebooted): each one's training is
 * stopped, it is recorded once as an interrupted crash (unless it was recorded already), and the branch goes
 * back to the last kept commit. A batch's runs (one marker per slot) come first, those already given an id
 * first, so ids are handed out in order. Call with the run lock held.
 */
export async function reconcile(repo: string, tag: string, log?: StepOptions['log']): Promise<RunRecord | null> {
  let added: RunRecord | null = null;
  const batch = batchMarkers(repo, tag)
    .map((file) => ({ file, p: readPending(file) }))
    .sort((a, b) => (a.p?.id || Number.MAX_SAFE_INTEGER) - (b.p?.id || Number.MAX_SAFE_INTEGER));
  for (const { file, p } of batch) added = (await settleMarker(repo, tag, file, p, log)) ?? added;
  const file = pendingPath(repo, tag);
  if (existsSync(file)) added = (await settleMarker(repo, tag, file, readPending(file), log)) ?? added;
  return added;
}

async function settleMarker(repo: string, tag: string, file: string, p: Pending | null, log?: StepOptions['log']): Promise<RunRecord | null> {
  if (!p) {
    // Unreadable or damaged: kept aside for a person (never silently dropped), so it cannot block every run.
    renameSync(file, `${file}.damaged-${Date.now()}`);
    log?.warn({ file }, 'a damaged pending marker was set aside');
    return null;
  }
  if (p.runner !== process.pid && pidAlive(p.runner)) return null; // still running elsewhere
  if (!p.commit) {
    // Cut off while committing: nothing trained, so no row; the attempt's commit, if made, goes back to being the edit.
    const git = new Git(repo);
    const head = await git.head();
    const ours = head !== null && head !== p.parent && (await git.resolve(`${head}^`)) === p.parent && (await git.message(head)).trim() === p.description;
    if (ours || head === p.parent) await git.resetMixed(p.parent); // the edit unstaged, as it was before the run
    unlinkSync(file);
    return null;
  }
  const handle = p.job ?? (p.pid ? { engine: 'local', id: String(p.pid) } : null);
  if (handle) await cancelRun(handle);
  const git = new Git(repo);
  const state = readState(repo, tag)!;
  const { records } = readRecords(repo, tag);
  let rec = (p.id && records.find((r) => r.id === p.id && (r.commit === p.commit || r.commit === p.kept))) || null;
  let added: RunRecord | null = null;
  if (!rec) {
    const best = bestOf(records, state);
    // A batch's run gets its id when it is recorded: now, the next one.
    const id = p.id || (readTip(repo, tag) ?? tipOf(records)).count + 1;
    rec = baseRecord(state, id, p.commit, p.parent, p.description, p.start, p.log, p.seed, p.by);
    rec.status = 'crash';
    rec.crashReason = 'interrupted';
    rec.bestBefore = best.value;
    if (p.job?.id) {
      const place = p.job.place;
      rec.job = { engine: p.job.engine, id: p.job.id, node: place?.node ?? null, queuedSeconds: Math.round((place?.queuedMs ?? 0) / 100) / 10, state: 'CANCELLED' };
    }
    appendRun(repo, rec, state.ledgerColumns);
    added = rec;
    await git.updateRef(`refs/autoresearch/${tag}/${id}`, p.commit).catch(() => {}); // the runner may have died before making it
    log?.warn({ id, commit: p.commit }, 'recorded an interrupted run');
  }
  if (rec.status !== 'keep') {
    const head = await git.head();
    if ((head === p.commit || (p.kept && head === p.kept)) && p.commit !== p.parent) {
      const dirty = await git.dirtyTracked();
      if (dirty.length === 0) await git.resetHard(p.parent);
      else await git.resetSoft(p.parent); // keep edits made since; they become the next experiment's diff
    }
  }
  unlinkSync(file);
  return added;
}

/**
 * After a session is ended: a run its agent had started and that was cut off is settled now (its job
 * cancelled, recorded once), not at the next command. Nothing happens while the run's own runner lives.
 */
export async function settleCutOffRun(repo: string, tag: string): Promise<RunRecord | null> {
  if (!existsSync(pendingPath(repo, tag))) return null;
  const release = tryLock(runLockPath(repo, tag));
  if (!release) return null; // its runner is still finishing it
  try {
    return await reconcile(repo, tag);
  } finally {
    release();
  }
}

/** One step of the loop: guard, commit, train on the budget, parse, decide, record, revert. */
export async function runExperiment(o: StepOptions): Promise<StepResult> {
  const { repo, tag } = o;
  preflight(repo, tag);
  const release = o.lockHeld ? () => {} : acquireRunLock(repo, tag);
  try {
    await reconcile(repo, tag, o.log);
    return await step(o);
  } finally {
    release();
  }
}

async function step(o: StepOptions): Promise<StepResult> {
  const { repo, tag, config } = o;
  const git = new Git(repo);
  const state = readState(repo, tag);
  if (!state) throw new UsageError(`tag "${tag}" has no state; run "ar-supervise init --tag ${tag}" first.`);
  // ledger_columns changed in the config: from this run on results.tsv has the new layout (appendRun rewrites it).
  const columns = config.ledger_columns ?? [];
  if ((state.ledgerColumns ?? []).join('\t') !== columns.join('\t')) {
    if (columns.length) state.ledgerColumns = [...columns];
    else delete state.ledgerColumns;
    writeState(repo, state);
  }
  // Branch and HEAD in one spawn: every git spawn is time the agent waits.
  const where = await git.where();
  const [branch, headNow] = where ? [where.branch, where.head] : await Promise.all([git.currentBranch(), git.head()]);
  if (branch !== branchFor(tag)) throw new UsageError(`check out ${branchFor(tag)} before running (current: ${branch ?? 'detached HEAD'}).`);

  // The ledger's tip when the files are as the last append left them; else every record is read.
  const tip = readTip(repo, tag) ?? tipOf(readRecords(repo, tag).records);
  const best = tip.lastKeep ? { value: tip.lastKeep.value, commit: tip.lastKeep.commit } : { value: null, commit: state.base };
  const parent = best.commit;
  const head = headNow!;
  // The queue's runner kept a result while this tree held an edit: the edit is against an older best.
  if (!(await syncWorkTree(repo, tag))) {
    throw new UsageError(`the best moved to ${parent.slice(0, 7)} while these edits were made on an older best (a queued experiment was kept); submit them instead ("ar-supervise submit -m ..."), which re-applies them onto the new best.`);
  }
  if (head !== parent && !(await git.isAncestor(parent, head))) {
    throw new UsageError(`the branch moved off the last kept commit ${parent.slice(0, 7)}; reset it there ("git reset --hard ${parent.slice(0, 7)}") or start a new tag.`);
  }

  // 1. Guard.
  const [changed, untracked, sums] = await Promise.all([git.changedSince(parent), git.untracked(), checksums(repo, config.readonly)]);
  const tampered = Object.keys(sums).filter((f) => f in state.readonly && sums[f] !== state.readonly[f]);
  const g = guard({
    changed,
    untracked,
    readonlyTampered: tampered,
    editable: config.editable,
    readonly: config.readonly,
    dependencyFiles: config.dependency_files,
  });
  if (g.foreign.length) {
    throw new UsageError(
      `only ${config.editable.join(', ')} may change in an experiment, but ${g.foreign.join(', ')} changed; nothing was run or reverted. Commit or undo those changes first.`,
    );
  }

  // Where it will train; an engine that cannot be used at all refuses here, before anything is committed.
  const executor = await executorFor(config);
  executor.check();

  const id = tip.count + 1;
  const start = new Date().toISOString();
  mkdirSync(logsDir(repo, tag), { recursive: true, mode: 0o700 });
  const logRel = path.relative(repo, path.join(logsDir(repo, tag), `${id}.log`));

  // 2. Commit the edit (a violation's files too, so the attempt is kept and the revert removes them).
  const toCommit = [...g.edits, ...g.violationFiles];
  let commit = head;
  // A description is kept in git, the ledger, CLAUDE.md and the report: never with a key or token in it.
  const description = redactSecrets(o.description.trim()) || (toCommit.length ? 'experiment' : 'rerun');
  const by = madeBy();
  // The marker comes before the commit: a runner cut off from here on is settled by the next command (reconcile).
  const pending: Pending = { id, pid: null, runner: process.pid, commit: '', parent, description, start, log: logRel, ...(o.seed !== undefined ? { seed: o.seed } : {}), ...(by.agent ? { by } : {}) };
  writeAtomic(pendingPath(repo, tag), JSON.stringify(pending), 0o600);
  if (toCommit.length || head !== parent) {
    if (head !== parent) await git.resetSoft(parent); // the agent committed by hand: fold it into one experiment
    try {
      await git.add(toCommit);
      commit = await git.commit(description);
    } catch (e) {
      unlinkSync(pendingPath(repo, tag)); // nothing was committed: nothing to settle
      throw e;
    }
  }
  pending.commit = commit;
  writeAtomic(pendingPath(repo, tag), JSON.stringify(pending), 0o600);
  const isRerun = commit === parent;
  // Bookkeeping the run does not wait for: it goes on while the training process starts.
  const bookkeeping = Promise.all([
    git.updateRef(`refs/autoresearch/${tag}/${id}`, commit),
    isRerun ? { added: 0, removed: 0 } : git.numstat(parent, commit),
  ]);
  bookkeeping.catch(() => {}); // handled in counted(); this keeps a failure during training from being "unhandled"
  const rec = baseRecord(state, id, commit, parent, description, start, logRel, o.seed, by);
  rec.bestBefore = best.value;
  // A failure here comes after the training: the run is still recorded (lines unknown: 0), not lost.
  const counted = async () => {
    try {
      const [, { added, removed }] = await bookkeeping;
      rec.linesAdded = added;
      rec.linesRemoved = removed;
    } catch (e) {
      o.log?.warn({ id, err: (e as Error).message }, 'could not make the attempt ref or count its lines');
    }
  };

  if (g.violations.length) {
    await counted();
    rec.status = 'discard';
    rec.violation = g.violations.join('; ');
    rec.end = new Date().toISOString();
    await finish(repo, git, rec, parent, false, columns, o.log);
    o.log?.warn({ id, violation: rec.violation }, 'violation');
    return { record: rec, best, bestBefore: best.value };
  }

  // 3. Train, with the pending marker kept up to date so a killed runner is settled by the next one.
  const budgetMs = config.budget_seconds * 1000;
  const limitMs = budgetMs * config.timeout_factor;
  const jobName = `ar-${tag}-${id}-${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
  // Named before it is submitted: a runner killed between submission and marker still leaves a way to find it.
  if (executor.kind !== 'local') pending.job = { engine: executor.kind, id: null, name: jobName };
  writeAtomic(pendingPath(repo, tag), JSON.stringify(pending), 0o600);
  const env = trainingEnv(process.env, {
    TIME_BUDGET: String(config.budget_seconds),
    ...(o.seed !== undefined ? { SEED: String(o.seed) } : {}),
    ...(state.env ?? {}),
    ...(o.env ?? {}),
  });
  o.log?.info({ id, commit, description, budgetS: config.budget_seconds }, 'run started');
  let outcome;
  try {
    outcome = await executor.run({
      argv: config.command,
      cwd: repo,
      env,
      logFiles: [path.join(repo, logRel), path.join(repo, RUN_LOG_FILE)],
      limitMs,
      graceMs: config.kill_grace_seconds * 1000,
      name: jobName,
      signal: o.signal,
      onStart: (h) => {
        if (h.engine === 'local') pending.pid = Number(h.id);
        else {
          pending.job = { ...h };
          o.log?.info({ id, job: h.id }, 'job submitted');
        }
        writeAtomic(pendingPath(repo, tag), JSON.stringify(pending), 0o600);
      },
      onPlace: (place) => {
        if (pending.job) {
          // when the budget clock started, beside the scheduler's own times (the bench splits the two)
          if (place.state === 'running' && pending.job.place?.state !== 'running') o.log?.info({ id, job: pending.job.id, node: place.node, queuedMs: place.queuedMs }, 'job running');
          pending.job.place = place;
          writeAtomic(pendingPath(repo, tag), JSON.stringify(pending), 0o600);
        }
        o.onPlace?.(place);
      },
      onTick: o.onTick ? (ms) => o.onTick!(ms, budgetMs, limitMs) : undefined,
    });
  } catch (e) {
    // Refused before anything ran (the scheduler rejected the job): no row, and the edit is as it was.
    await undoAttempt(repo, git, tag, id, commit, parent, logRel, bookkeeping);
    throw e;
  }
  await counted();

  // 4-6. Parse the whole log, classify, decide; a rerun of the kept commit measures noise and never moves the best.
  readOutcome(rec, outcome, path.join(repo, logRel), config);
  judge(rec, { best: best.value, goal: config.goal, noise: o.noise ?? state.noise, isRerun });
  if (rec.status === 'keep' && !isRerun) {
    await nameFinding(git, rec, {
      template: config.git.message,
      branchAt: rec.commit,
      onNamed: (named) => {
        pending.kept = named;
        writeAtomic(pendingPath(repo, rec.tag), JSON.stringify(pending), 0o600);
      },
      log: o.log,
    });
  }
  await finish(repo, git, rec, parent, rec.status === 'keep', columns, o.log);
  o.log?.info({ id, status: rec.status, value: rec.value, crash: rec.crashReason }, 'run recorded');
  const after = rec.status === 'keep' ? { value: rec.value, commit: rec.commit } : best;
  return { record: rec, best: after, bestBefore: best.value };
}

/** Take back a run that never started: its commit (the edit stays in the working tree), ref, log and marker. */
async function undoAttempt(repo: string, git: Git, tag: string, id: number, commit: string, parent: string, logRel: string, bookkeeping: Promise<unknown>): Promise<void> {
  await bookkeeping.catch(() => {});
  await git.try(['update-ref', '-d', `refs/autoresearch/${tag}/${id}`]);
  if (commit !== parent) await git.try(['reset', '--mixed', '-q', parent]);
  for (const f of [path.join(repo, logRel), pendingPath(repo, tag)]) {
    try {
      unlinkSync(f);
    } catch {
      /* not written */
    }
  }
}

/** Refuse to start on a full disk or a read-only state folder: better no run than half a record. */
export function preflight(repo: string, tag: string, minFree = 1 << 20): void {
  const dir = stateDir(repo, tag);
  try {
    const fs = statfsSync(dir);
    const free = Number(fs.bavail) * Number(fs.bsize);
    if (free < minFree) {
      throw new ToolError(`the disk holding ${dir} is full (${Math.floor(free / 1024)} KB free); free some space and run again. Nothing was run.`);
    }
  } catch (e) {
    if (e instanceof ToolError) throw e;
  }
  const probe = path.join(dir, `.probe-${process.pid}`);
  try {
    writeFileSync(probe, 'x');
    unlinkSync(probe);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOSPC' ? 'the disk is full' : code === 'EROFS' ? 'it is on a read-only file system' : `it is not writable (${code})`;
    throw new ToolError(`cannot write to the state folder ${dir}: ${why}. Nothing was run.`);
  }
}

/** 8. Record first, then move git: a crash in between is settled by reconcile(). */
async function finish(repo: string, git: Git, rec: RunRecord, parent: string, keep: boolean, columns: readonly string[], log?: StepOptions['log']): Promise<void> {
  recordRun(repo, rec, columns, log);
  if (!keep && rec.commit !== parent) await git.resetHard(parent);
  const p = pendingPath(repo, rec.tag);
  if (existsSync(p)) unlinkSync(p);
}
