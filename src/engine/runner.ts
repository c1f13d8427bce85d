import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Git } from '../adapters/git.js';
import type { Config } from '../config-defaults.js';
import { cancelRun, executorFor, type Executor, type RunOutcome } from '../executors/index.js';
import { branchFor, logsDir, stateDir } from '../paths.js';
import { trainingEnv } from '../secrets.js';
import { isKept } from './kept.js';
import { readTip, tipOf } from './ledger.js';
import { readRecords } from './records.js';
import { tryLock, withLock } from './lock.js';
import { queueLockPath, queueRef, readBase, readQueue, removeEntry, runnerLockPath, writeBase, writeEntry, type QueueEntry } from './queue.js';
import { baseRecord, judge, nameFinding, readOutcome, recordRun, type Log } from './settle.js';
import { checkoutSlot, type Slot } from './slots.js';
import { readState } from './state.js';
import { reconcile } from './step.js';
import { bestNow } from './submit.js';
import type { RunRecord } from './types.js';

// The queue's runner: starts queued experiments on free slots, decides each result in the order they finish
// against the best at that moment (the same phases as `run`: engine/settle.ts), and moves the branch only to a
// commit whose own measurement beat the best. It holds the tag's run lock while it works, so `run` waits for it.

export interface RunnerOptions {
  repo: string;
  tag: string;
  config: Config;
  slots: Slot[];
  /**
   * Outside a session (true): end when nothing is queued or running. A session's runner (false until the session
   * asks it to finish what is in flight) waits idle for the next experiment, without the run lock.
   */
  exitWhenEmpty: boolean | (() => boolean);
  /** The training's environment (secrets removed): this process's by default. */
  env?: NodeJS.ProcessEnv;
  /** Stop now: running experiments are stopped and recorded as interrupted; queued ones stay on disk. */
  signal?: AbortSignal;
  log?: Log;
  pollMs?: number;
}

const runRef = (tag: string, id: number) => `refs/autoresearch/${tag}/${id}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Wait `ms`, or less when the signal aborts. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Run the queue until it is empty (or the signal). Returns false at once when another runner holds the tag. */
export async function runQueue(o: RunnerOptions): Promise<boolean> {
  mkdirSync(stateDir(o.repo, o.tag), { recursive: true, mode: 0o700 });
  let releaseRunner = tryLock(runnerLockPath(o.repo, o.tag));
  if (!releaseRunner) return false;
  const runLock = path.join(stateDir(o.repo, o.tag), 'run.lock');
  const exitWhenEmpty = () => (typeof o.exitWhenEmpty === 'function' ? o.exitWhenEmpty() : o.exitWhenEmpty);
  let releaseRun: (() => void) | null = null;
  let r: Runner | null = null;
  try {
    for (;;) {
      // A session's runner waits for work idle: the tag still its own (no other runner starts), the agent's `run` free to go.
      while (!o.signal?.aborted && !exitWhenEmpty() && !readQueue(o.repo, o.tag).length) await pause(o.pollMs ?? 250, o.signal);
      if (!readQueue(o.repo, o.tag).length) return true;
      // A `run` in progress finishes first; then nobody else starts one while this runner works.
      while (!(releaseRun = tryLock(runLock))) {
        if (o.signal?.aborted) return true;
        await pause(200, o.signal);
      }
      await reconcile(o.repo, o.tag, o.log);
      r ??= new Runner(o, await executorFor(o.config));
      await r.recover();
      await r.loop();
      releaseRun();
      releaseRun = null;
      if (o.signal?.aborted) return true;
      if (exitWhenEmpty()) {
        // Empty: let go, then look once more, so an experiment submitted just now is never stranded.
        releaseRunner();
        if (!readQueue(o.repo, o.tag).length) return true;
        const again = tryLock(runnerLockPath(o.repo, o.tag));
        if (!again) return true; // the submitter started another runner
        releaseRunner = again;
      }
    }
  } finally {
    releaseRun?.();
    releaseRunner();
  }
}

/**
 * A session's runner: owns the tag's queue while the session lives (after a runner started before the session has
 * finished), started again after a fault; `drain` says the session is ending and wants what is in flight measured.
 */
export async function runForSession(o: Omit<RunnerOptions, 'exitWhenEmpty'> & { drain: () => boolean }): Promise<void> {
  while (!o.signal?.aborted) {
    try {
      const ran = await runQueue({ ...o, exitWhenEmpty: o.drain });
      if (ran || o.drain()) return; // not ran while draining: the other runner measures the rest
    } catch (e) {
      o.log?.warn({ err: (e as Error).message }, 'the runner failed; starting it again');
    }
    await pause(1000, o.signal);
  }
}

/**
 * After a session is ended: experiments its runner had going (a killed supervisor's) are stopped and settled now,
 * recorded once, the queued ones left on disk. Nothing happens while a runner of the tag lives.
 */
export async function settleCutOffQueue(repo: string, tag: string, config: Config): Promise<void> {
  if (!readQueue(repo, tag).some((e) => e.state === 'running')) return;
  const ac = new AbortController();
  ac.abort(); // settle only: recover, start nothing
  await runQueue({ repo, tag, config, slots: [], exitWhenEmpty: true, signal: ac.signal });
}

class Runner {
  private readonly git: Git;
  private readonly busy = new Map<number, { n: number; ac: AbortController; done: Promise<void> }>();
  private chain: Promise<unknown> = Promise.resolve();
  /** Lines changed by each running experiment, counted while it trains (one git spawn less between runs). */
  private readonly lines = new Map<number, Promise<{ added: number; removed: number }>>();

  constructor(
    private readonly o: RunnerOptions,
    private readonly executor: Executor,
  ) {
    this.git = new Git(o.repo);
  }

  /** Decisions and starts one at a time, in the order they come (results in finishing order). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.chain.then(fn);
    this.chain = p.catch(() => {});
    return p;
  }

  async loop(): Promise<void> {
    const { repo, tag } = this.o;
    const poll = this.o.pollMs ?? 250;
    for (;;) {
      if (this.o.signal?.aborted) for (const b of this.busy.values()) b.ac.abort();
      const entries = readQueue(repo, tag);
      for (const e of entries) if (e.cancel && e.state === 'running') this.busy.get(e.slot ?? -1)?.ac.abort();
      if (!this.o.signal?.aborted) {
        for (const e of entries) {
          if (e.state !== 'queued') continue;
          const slot = this.o.slots.find((s) => !this.busy.has(s.index));
          if (!slot) break;
          await this.serial(() => this.start(e, slot));
        }
      }
      if (this.busy.size === 0 && (this.o.signal?.aborted || !readQueue(repo, tag).some((e) => e.state === 'queued'))) return;
      await Promise.race([sleep(poll), ...[...this.busy.values()].map((b) => b.done)]);
    }
  }

  private nextId(): number {
    return (readTip(this.o.repo, this.o.tag) ?? tipOf(readRecords(this.o.repo, this.o.tag).records)).count + 1;
  }

  private record(e: QueueEntry, at: string, log: string): RunRecord {
    const state = readState(this.o.repo, this.o.tag)!;
    const rec = baseRecord(state, this.nextId(), e.commit, e.parent, e.description, at, log, e.seed, e.by);
    rec.experiment = e.n;
    rec.queued = e.queued;
    if (e.remeasure) rec.remeasured = true;
    return rec;
  }

  /** A record of an experiment that is not trained (a violation, a conflict), written and off the queue. */
  private async unrun(e: QueueEntry, why: { violation?: string; conflict?: number }): Promise<void> {
    const rec = this.record(e, new Date().toISOString(), '');
    rec.status = 'discard';
    rec.bestBefore = bestNow(this.o.repo, this.o.tag).value;
    if (why.violation) rec.violation = why.violation;
    if (why.conflict !== undefined) {
      rec.conflict = why.conflict;
      rec.description = `${rec.description} [conflict with #${why.conflict}]`;
    }
    recordRun(this.o.repo, rec, this.o.config.ledger_columns, this.o.log);
    await this.git.updateRef(runRef(this.o.tag, rec.id), e.commit);
    await removeEntry(this.o.repo, this.o.tag, e.n);
    this.o.log?.info({ n: e.n, id: rec.id, ...why }, 'experiment not trained');
  }

  /** Start one queued experiment on a slot, first re-applied onto the best if the best moved past its parent. */
  private async start(queued: QueueEntry, slot: Slot): Promise<void> {
    const { repo, tag } = this.o;
    // Taken off the queue under its lock: a `queue --cancel` that got there first wins.
    const e = await withLock(queueLockPath(repo, tag), async () => {
      const now = readQueue(repo, tag).find((x) => x.n === queued.n);
      if (!now || now.state !== 'queued') return null;
      now.state = 'running';
      now.runner = process.pid;
      now.slot = slot.index;
      now.slotLabel = slot.label;
      writeEntry(repo, tag, now);
      return now;
    });
    if (!e) return;
    if (e.violation) return this.unrun(e, { violation: e.violation });
    const best = bestNow(repo, tag);
    if (e.parent !== best.commit) {
      const tree = await this.git.mergeTree(best.commit, e.commit);
      if (tree === null) return this.unrun(e, { conflict: await this.conflictWith(e.parent, e.commit) });
      e.commit = tree === (await this.git.treeOf(best.commit)) ? best.commit : await this.git.commitTree(tree, [best.commit], e.description);
      e.parent = best.commit;
      await this.git.updateRef(queueRef(tag, e.n), e.commit);
    }
    mkdirSync(logsDir(repo, tag), { recursive: true, mode: 0o700 });
    e.started = new Date().toISOString();
    e.parentValue = best.value;
    e.log = path.relative(repo, path.join(logsDir(repo, tag), `e${e.n}${e.remeasure ? '-remeasure' : ''}.log`));
    writeEntry(repo, tag, e);
    const counted = e.commit === e.parent ? Promise.resolve({ added: 0, removed: 0 }) : this.git.numstat(e.parent, e.commit).catch(() => ({ added: 0, removed: 0 }));
    this.lines.set(e.n, counted);
    const ac = new AbortController();
    const done = this.train(e, slot, ac.signal).then((outcome) => this.serial(() => this.finish(e, outcome)));
    const entry = { n: e.n, ac, done: done.catch((err: Error) => this.o.log?.warn({ n: e.n, err: err.message }, 'could not record an experiment')).finally(() => this.busy.delete(slot.index)) };
    this.busy.set(slot.index, entry);
    this.o.log?.info({ n: e.n, commit: e.commit, slot: slot.label }, 'experiment started');
  }

  /** Write a running entry, under the queue lock and keeping a `queue --cancel` written there meanwhile. */
  private async note(e: QueueEntry): Promise<void> {
    const { repo, tag } = this.o;
    await withLock(queueLockPath(repo, tag), async () => {
      const now = readQueue(repo, tag).find((x) => x.n === e.n);
      if (!now || now.state !== 'running' || now.record) return; // settled meanwhile: its own writes win
      if (now.cancel) e.cancel = true;
      writeEntry(repo, tag, e);
    }).catch((err: Error) => this.o.log?.warn({ n: e.n, err: err.message }, 'could not note where an experiment runs'));
  }

  /** The kept experiment since `parent` that `commit` does not apply onto: the one a conflict is with. */
  private async conflictWith(parent: string, commit: string): Promise<number> {
    const recs = readRecords(this.o.repo, this.o.tag).records;
    const from = recs.findIndex((r) => r.commit === parent);
    const keeps = recs.slice(from + 1).filter(isKept);
    for (const k of keeps) if ((await this.git.mergeTree(k.commit, commit)) === null) return k.experiment ?? k.id;
    const last = keeps[keeps.length - 1];
    return last?.experiment ?? last?.id ?? 0;
  }

  private async train(e: QueueEntry, slot: Slot, signal: AbortSignal): Promise<RunOutcome> {
    const { repo, tag, config } = this.o;
    const state = readState(repo, tag)!;
    const name = `ar-${tag}-e${e.n}-${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
    try {
      const cwd = await checkoutSlot(repo, tag, slot.index, e.commit);
      if (this.executor.kind !== 'local') {
        // named before it is submitted: a runner killed before it learns the job id still leaves a way to cancel it
        e.job = { engine: this.executor.kind, id: null, name };
        writeEntry(repo, tag, e);
      }
      return await this.executor.run({
        argv: config.command,
        cwd,
        env: trainingEnv(this.o.env ?? process.env, {
          TIME_BUDGET: String(config.budget_seconds),
          ...(e.seed !== undefined ? { SEED: String(e.seed) } : {}),
          ...(state.env ?? {}),
          ...slot.env,
        }),
        logFiles: [path.join(repo, e.log!)],
        limitMs: config.budget_seconds * 1000 * config.timeout_factor,
        graceMs: config.kill_grace_seconds * 1000,
        name,
        signal,
        onStart: (h) => {
          e.job = h;
          writeEntry(repo, tag, e);
        },
        // where the job is, for `queue`: written when it changes (queued there, then running on a node)
        onPlace: (place) => {
          if (!e.job || e.job.place?.state === place.state) return;
          e.job = { ...e.job, place };
          void this.note(e);
        },
      });
    } catch (err) {
      // Could not be started at all: a crash of this experiment, with the reason as its tail.
      return { ok: false, exitCode: null, signal: null, timedOut: false, interrupted: false, durationMs: 0, tail: (err as Error).message, cause: { kind: 'exit', atMs: 0 } };
    }
  }

  /** Decide a finished experiment against the best now, record it, and keep, discard or re-measure it. */
  private async finish(e: QueueEntry, outcome: RunOutcome): Promise<void> {
    const { repo, tag, config } = this.o;
    const state = readState(repo, tag)!;
    const rec = this.record(e, e.started!, e.log!);
    readOutcome(rec, outcome, path.join(repo, e.log!), config);
    const isRerun = e.commit === e.parent;
    if (!isRerun) {
      const { added, removed } = await (this.lines.get(e.n) ?? this.git.numstat(e.parent, e.commit).catch(() => ({ added: 0, removed: 0 })));
      rec.linesAdded = added;
      rec.linesRemoved = removed;
    }
    this.lines.delete(e.n);
    const best = bestNow(repo, tag);
    const stale = e.parent !== best.commit;
    // Stale: measured where the branch no longer is, so it is judged against its own parent and never kept as is.
    judge(rec, { best: stale ? (e.parentValue ?? null) : best.value, goal: config.goal, noise: state.noise, isRerun });
    let again: QueueEntry | null = null;
    if (stale) {
      if (rec.status === 'keep') {
        rec.status = 'discard';
        rec.stale = true;
        rec.description = `${rec.description} [stale]`;
        if (config.pipeline.stale === 'remeasure') {
          again = { n: e.n, commit: e.commit, parent: e.parent, description: e.description, queued: e.queued, state: 'queued', remeasure: true, ...(e.seed !== undefined ? { seed: e.seed } : {}), ...(e.by ? { by: e.by } : {}) };
        }
      }
      rec.bestBefore = best.value;
    }
    e.record = rec;
    if (again) e.again = again;
    writeEntry(repo, tag, e);
    if (rec.status === 'keep') await this.keep(e, rec);
    recordRun(repo, rec, config.ledger_columns, this.o.log);
    await this.git.updateRef(runRef(tag, rec.id), rec.commit);
    if (e.again) await pauseForTest(repo, tag, 'stale-recorded');
    await this.dequeue(e);
    this.o.log?.info({ n: e.n, id: rec.id, status: rec.status, value: rec.value, stale: rec.stale }, 'experiment recorded');
  }

  /** The branch moves to the kept commit (named for its finding), under the queue lock `submit` holds while it resets the tree. */
  private async keep(e: QueueEntry, rec: RunRecord): Promise<void> {
    const { repo, tag, config } = this.o;
    await withLock(queueLockPath(repo, tag), async () => {
      const at = (await this.git.resolve(`refs/heads/${branchFor(tag)}`)) ?? rec.parent;
      // The user's working tree stays on the commit it was on; submit and results bring it along later.
      if (!readBase(repo, tag)) writeBase(repo, tag, at);
      const moved = await nameFinding(this.git, rec, {
        template: config.git.message,
        branchAt: at,
        onNamed: (named) => {
          e.record = { ...rec, commit: named };
          writeEntry(repo, tag, e);
        },
        log: this.o.log,
      });
      if (!moved) await this.git.updateRefs([{ ref: `refs/heads/${branchFor(tag)}`, sha: rec.commit, old: at }], `autoresearch: keep run ${rec.id}`);
    });
  }

  /**
   * Settle what a killed runner left: its jobs are stopped; an experiment whose result was decided is recorded
   * (and its keep finished); one cut off while training is recorded once as an interrupted crash, never rerun.
   */
  async recover(): Promise<void> {
    const { repo, tag, config } = this.o;
    const { records } = readRecords(repo, tag);
    for (const e of readQueue(repo, tag)) {
      if (e.state !== 'running') continue;
      if (e.job) await cancelRun(e.job, config).catch(() => {});
      let rec = e.record ? records.find((r) => r.experiment === e.n && r.start === e.record!.start && !!r.remeasured === !!e.record!.remeasured) : undefined;
      if (!rec && e.record) {
        rec = { ...e.record, id: this.nextId() };
        if (rec.status === 'keep') {
          const at = await this.git.resolve(`refs/heads/${branchFor(tag)}`);
          if (at === rec.parent) await this.git.updateRefs([{ ref: `refs/heads/${branchFor(tag)}`, sha: rec.commit, old: at }], `autoresearch: keep run ${rec.id}`);
        }
        recordRun(repo, rec, config.ledger_columns, this.o.log);
        await this.git.updateRef(runRef(tag, rec.id), rec.commit);
      } else if (!rec) {
        const cut = this.record(e, e.started ?? e.queued, e.log ?? '');
        cut.crashReason = 'interrupted';
        cut.bestBefore = bestNow(repo, tag).value;
        cut.end = new Date().toISOString();
        recordRun(repo, cut, config.ledger_columns, this.o.log);
        await this.git.updateRef(runRef(tag, cut.id), e.commit);
        this.o.log?.warn({ n: e.n, id: cut.id }, 'recorded an experiment cut off by a killed runner');
      }
      await this.dequeue(e);
    }
  }

  /** A recorded experiment leaves the queue, or takes its place again as the re-measurement it owes (one atomic write). */
  private async dequeue(e: QueueEntry): Promise<void> {
    if (!e.again) return removeEntry(this.o.repo, this.o.tag, e.n);
    writeEntry(this.o.repo, this.o.tag, e.again);
    await this.git.updateRef(queueRef(this.o.tag, e.n), e.again.commit);
  }
}

/** Tests cut a runner off at a named point (AR_TEST_PAUSE): it says so in the state folder and waits to be killed. */
async function pauseForTest(repo: string, tag: string, point: string): Promise<void> {
  if (process.env.AR_TEST_PAUSE !== point) return;
  writeFileSync(path.join(stateDir(repo, tag), `paused-${point}`), String(process.pid));
  for (;;) await sleep(1000);
}
