// Runs side by side (`sweep --parallel K`, `--gpus`, noise reruns): a batch of edits of the same parent, each
// committed and trained on its slot's checkout (engine/slots.ts; on a cluster, its own job). Every run is
// recorded once its fate is known, in the order that happens; at most one of the batch is kept: the best, if it
// beats the parent. A run that cannot be the batch's best is recorded when it ends; the one leading is recorded
// when a better one ends (then as discard) or when the batch ends (then kept).
import { existsSync, mkdirSync, renameSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import type { Git } from '../adapters/git.js';
import type { Config } from '../config.js';
import { UsageError } from '../errors.js';
import { executorFor, type Executor, type RunOutcome } from '../executors/index.js';
import { writeAtomic } from '../fs/atomic.js';
import { branchFor, logsDir } from '../paths.js';
import { trainingEnv } from '../secrets.js';
import { dropAhead, gitOf, prepare, prepareAhead, takeAhead, type BatchItem, type Prepared } from './ahead.js';
import { beats } from './decide.js';
import { readTip, tipOf } from './ledger.js';
import { batchMarkerPath, type Pending } from './pending.js';
import { readRecords } from './records.js';
import { baseRecord, judge, nameFinding, readOutcome, recordRun, type MadeBy } from './settle.js';
import { removeSlots, type Slot } from './slots.js';
import { readState, type TagState } from './state.js';
import { whereStarted, type Where } from './where.js';
import { acquireRunLock, bestOf, madeBy, preflight, reconcile, type StepOptions } from './step.js';
import type { RunRecord } from './types.js';

export type { BatchItem } from './ahead.js';

export interface BatchOptions {
  repo: string;
  tag: string;
  config: Config;
  items: BatchItem[];
  /** Where the runs train, one at a time each (engine/slots.ts slotsFor). */
  slots: Slot[];
  signal?: AbortSignal;
  log?: StepOptions['log'];
  /** A run's row was written (any status). */
  onRecord?: (item: BatchItem, rec: RunRecord) => void;
  /** Where run `index` of the items is (queue's and status's words), as it changes; null once it has ended. */
  onProgress?: (index: number, where: Where | null) => void;
  /** The batch likely to follow (from the same parent unless this one keeps): made ready while this one trains. */
  next?: BatchItem[];
}

export interface BatchResult {
  /** Per item (in the items' order): its record, or null when it never started (stopped before). */
  records: Array<RunRecord | null>;
  kept: RunRecord | null;
  /** The best after the batch (the kept run, else the parent's). */
  best: { value: number | null; commit: string };
  bestBefore: number | null;
  interrupted: boolean;
}

/** A run that trained and waits for its row. */
interface Done {
  index: number;
  rec: RunRecord;
  marker: string;
  pending: Pending;
  rerun: boolean;
}

/** Run a batch on the checked-out tag, which must be at its last kept commit. */
export async function runBatch(o: BatchOptions): Promise<BatchResult> {
  preflight(o.repo, o.tag);
  const release = acquireRunLock(o.repo, o.tag);
  try {
    await reconcile(o.repo, o.tag, o.log);
    return await batch(o);
  } finally {
    release();
  }
}

async function batch(o: BatchOptions): Promise<BatchResult> {
  const { repo, tag, config } = o;
  const git = gitOf(repo);
  const state = readState(repo, tag);
  if (!state) throw new UsageError(`tag "${tag}" has no state; run "ar-supervise init --tag ${tag}" first.`);
  // Branch, HEAD and a clean tree in two spawns side by side: between batches every spawn is a GPU waiting.
  const [where, dirty] = await Promise.all([git.where(), git.dirtyTracked()]);
  if (where?.branch !== branchFor(tag)) throw new UsageError(`check out ${branchFor(tag)} before running.`);
  const parentBest = bestOf(readRecords(repo, tag).records, state);
  const parent = parentBest.commit;
  if (where.head !== parent) throw new UsageError(`the branch is not at the last kept commit ${parent.slice(0, 7)}; reset it there first.`);
  if (dirty.length) throw new UsageError(`uncommitted changes to ${dirty.slice(0, 3).join(', ')}${dirty.length > 3 ? ', ...' : ''}; runs side by side start from the last kept commit, so run or revert those changes first.`);
  const executor = await executorFor(config);
  executor.check();
  mkdirSync(logsDir(repo, tag), { recursive: true, mode: 0o700 });

  // Checkouts: those made ahead for this batch, the others from the lowest free number.
  const ahead = await takeAhead(repo, tag, parent);
  const used = new Set(ahead.dirs);
  const freeDir = () => {
    let n = 0;
    while (used.has(n)) n++;
    used.add(n);
    return n;
  };
  const wave = Math.min(o.slots.length, o.items.length);
  let submitted = 0;
  let nextDirs: number[] | null = null;
  // Once the first runs are all submitted, the next batch is made ready beside them (made again on a kept one once it is named).
  const onSubmitted = () => {
    if (++submitted !== wave || !o.next?.length || ac.signal.aborted) return;
    nextDirs = o.next.slice(0, o.slots.length).map(freeDir);
    prepareAhead(repo, tag, parent, o.next, nextDirs);
  };

  const results: Array<RunRecord | null> = o.items.map(() => null);
  const by = madeBy();
  let leader: Done | null = null;

  // One row at a time, ids in the order rows are written (the ledger reads as runs one after another).
  let writing: Promise<void> = Promise.resolve();
  const record = (d: Done, status: RunRecord['status']) =>
    (writing = writing.then(async () => {
      const rec = d.rec;
      rec.id = (readTip(repo, tag) ?? tipOf(readRecords(repo, tag).records)).count + 1;
      rec.status = status;
      const logRel = path.relative(repo, path.join(logsDir(repo, tag), `${rec.id}.log`));
      try {
        renameSync(path.join(repo, rec.log), path.join(repo, logRel));
        rec.log = logRel;
      } catch {
        /* no log was written: the record names the one it would have had */
      }
      // The marker knows the id from now on: a runner cut off below is settled against the right row.
      d.pending = { ...d.pending, id: rec.id, log: rec.log };
      writeAtomic(d.marker, JSON.stringify(d.pending), 0o600);
      if (status === 'keep') {
        const moved = await nameFinding(git, rec, {
          template: config.git.message,
          branchAt: parent,
          onNamed: (named) => {
            writeAtomic(d.marker, JSON.stringify({ ...d.pending, kept: named }), 0o600);
            if (nextDirs && !ac.signal.aborted) prepareAhead(repo, tag, named, o.next!, nextDirs);
          },
          log: o.log,
        });
        const on = moved || (await git.updateRefs([{ ref: `refs/heads/${branchFor(tag)}`, sha: rec.commit, old: parent }, { ref: `refs/autoresearch/${tag}/${rec.id}`, sha: rec.commit }], `autoresearch: keep run ${rec.id}`)).ok;
        if (on) await git.resetHard(rec.commit); // the checkout follows its branch
        else o.log?.warn({ id: rec.id }, 'the branch was moved by hand during the batch: it stays where it was put');
      } else await git.updateRef(`refs/autoresearch/${tag}/${rec.id}`, rec.commit);
      recordRun(repo, rec, config.ledger_columns, o.log);
      if (existsSync(d.marker)) unlinkSync(d.marker);
      results[d.index] = rec;
      o.onRecord?.(o.items[d.index]!, rec);
      o.log?.info({ id: rec.id, status, value: rec.value, crash: rec.crashReason }, 'run recorded');
    }));

  // Decided against the parent; among the batch's keeps only the best stays in the lead.
  const settle = (d: Done) => {
    judge(d.rec, { best: parentBest.value, goal: config.goal, noise: state.noise, isRerun: d.rerun });
    if (d.rec.status !== 'keep') return void record(d, d.rec.status);
    if (leader && !beats(d.rec.value!, leader.rec.value, config.goal)) return void record(d, 'discard');
    const was: Done | null = leader;
    leader = d;
    if (was) void record(was, 'discard');
  };

  // A run that cannot start (the scheduler refuses it) stops the others; the error is the batch's.
  const ac = new AbortController();
  const stop = () => ac.abort();
  o.signal?.addEventListener('abort', stop, { once: true });
  let failure: unknown = null;
  try {
    let next = 0;
    const worker = async (slot: Slot) => {
      let own: number | null = null;
      while (!ac.signal.aborted && next < o.items.length) {
        const index = next++;
        try {
          const item = o.items[index]!;
          const ready = ahead.get(item) ?? (await prepare(repo, tag, (own ??= freeDir()), parent, item));
          settle(await runOne(o, state, executor, git, slot, index, ready, parent, parentBest.value, by, ac.signal, onSubmitted));
        } catch (e) {
          failure ??= e;
          ac.abort();
        }
      }
    };
    await Promise.all(o.slots.slice(0, o.items.length).map(worker));
    const l = leader as Done | null;
    if (l) await record(l, 'keep');
    await writing;
  } finally {
    o.signal?.removeEventListener('abort', stop);
    await writing.catch(() => {});
  }
  if (failure) throw failure;
  const kept = results.find((r) => r?.status === 'keep') ?? null;
  const best = kept ? { value: kept.value, commit: kept.commit } : parentBest;
  return { records: results, kept, best, bestBefore: parentBest.value, interrupted: ac.signal.aborted };
}

/** Train item `index`, committed on the parent in its checkout, on the slot; the record has its outcome. */
async function runOne(
  o: BatchOptions,
  state: TagState,
  executor: Executor,
  git: Git,
  slot: Slot,
  index: number,
  ready: Prepared,
  parent: string,
  bestValue: number | null,
  by: MadeBy,
  signal: AbortSignal,
  onSubmitted: () => void,
): Promise<Done> {
  const { repo, tag, config } = o;
  const item = o.items[index]!;
  const { wt, commit, changed, description } = ready;
  const start = new Date().toISOString();
  // Its own name until it is recorded (the leading run's log stays while the others train).
  const logRel = path.relative(repo, path.join(logsDir(repo, tag), `batch-${process.pid}-${slot.index}-${index}.log`));
  const rec = baseRecord(state, 0, commit, parent, description, start, logRel, item.seed, by);
  rec.bestBefore = bestValue;
  // Counted once the job is submitted: before, a spawn would only delay it.
  let counted: Promise<{ added: number; removed: number }> | null = null;
  const count = () => (counted ??= changed ? git.numstat(parent, commit).catch(() => ({ added: 0, removed: 0 })) : Promise.resolve({ added: 0, removed: 0 }));
  const marker = batchMarkerPath(repo, tag, index);
  const name = `ar-${tag}-s${slot.index}-${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
  const pending: Pending = { id: 0, pid: null, runner: process.pid, commit, parent, description, start, log: logRel, ...(item.seed !== undefined ? { seed: item.seed } : {}), ...(by.agent ? { by } : {}), slot: slot.label };
  // Named before it is submitted: a runner killed between submission and marker still leaves a way to find it.
  if (executor.kind !== 'local') pending.job = { engine: executor.kind, id: null, name };
  writeAtomic(marker, JSON.stringify(pending), 0o600);
  const progress = () => o.onProgress?.(index, whereStarted(pending.job, start, slot.label));
  progress();
  let outcome: RunOutcome;
  try {
    outcome = await executor.run({
      argv: config.command,
      cwd: wt,
      env: trainingEnv(process.env, {
        TIME_BUDGET: String(config.budget_seconds),
        ...(item.seed !== undefined ? { SEED: String(item.seed) } : {}),
        ...(state.env ?? {}),
        ...slot.env,
      }),
      logFiles: [path.join(repo, logRel)],
      limitMs: config.budget_seconds * 1000 * config.timeout_factor,
      graceMs: config.kill_grace_seconds * 1000,
      name,
      signal,
      onStart: (h) => {
        if (h.engine === 'local') pending.pid = Number(h.id);
        else pending.job = { ...h };
        writeAtomic(marker, JSON.stringify(pending), 0o600);
        progress();
        if (!counted) {
          count();
          onSubmitted();
        }
      },
      onPlace: (place) => {
        if (pending.job) {
          pending.job.place = place;
          writeAtomic(marker, JSON.stringify(pending), 0o600);
          progress();
        }
      },
    });
  } catch (e) {
    // Refused before anything ran: no row, as for `run`.
    for (const f of [marker, path.join(repo, logRel)]) if (existsSync(f)) unlinkSync(f);
    throw e;
  } finally {
    o.onProgress?.(index, null);
  }
  const { added, removed } = await count();
  rec.linesAdded = added;
  rec.linesRemoved = removed;
  readOutcome(rec, outcome, path.join(repo, logRel), config);
  return { index, rec, marker, pending, rerun: !changed };
}

/** The slots' checkouts go when a batch's user is done, unless something else (a queue's runner) holds the run lock. */
export async function dropSlots(repo: string, tag: string): Promise<void> {
  let release: () => void;
  try {
    release = acquireRunLock(repo, tag);
  } catch {
    return;
  }
  try {
    await dropAhead(repo, tag);
    await removeSlots(repo, tag);
  } finally {
    release();
  }
}
