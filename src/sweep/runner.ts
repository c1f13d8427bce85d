// The scripted loop: rewrite the swept assignments in the kept file, then the same step as `run`.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Git } from '../adapters/git.js';
import type { Config } from '../config.js';
import { UsageError } from '../errors.js';
import { decide } from '../engine/decide.js';
import { matchesAny } from '../engine/guard.js';
import { readRecords } from '../engine/records.js';
import { GreedySweepStateSchema, parseStateFile } from '../config/state-files.js';
import { writeAtomic } from '../fs/atomic.js';
import { lockOwner, tryLock } from '../engine/lock.js';
import { readState } from '../engine/state.js';
import { announceNewBest } from '../engine/announce.js';
import { acquireRunLock, bestOf, reconcile, runExperiment, type StepOptions, type StepResult } from '../engine/step.js';
import { dropSlots, runBatch, type BatchItem } from '../engine/batch.js';
import { slotsFor } from '../engine/slots.js';
import { lastKeep } from '../engine/kept.js';
import type { RunRecord } from '../engine/types.js';
import { stateDir } from '../paths.js';
import { describe, greedy, greedyBatched, greedyFirstPass, gridPoints, gridSize, pointValues, randomPoints, type Point } from './points.js';
import type { SweepDisplay } from './progress.js';
import { literalKey } from './python.js';
import { readAssignments, rewriteAssignments } from './rewrite.js';
import type { SweepSpec } from './spec.js';
import { fmtValue } from '../format.js';

export const MAX_GRID = 100_000;

export interface SweepPlan {
  /** The editable file (relative to the repo) whose assignments are rewritten. */
  file: string;
  /** grid and random: every point; greedy: the first pass's candidates. */
  points: Point[];
  /** The swept parameters as the file has them now (greedy starts here). */
  current: Point;
  /** Lines worth saying before anything runs. */
  notes: string[];
}

function resolveFile(repo: string, config: Config, spec: SweepSpec): string {
  let file = spec.file;
  if (file === null) {
    const first = config.editable[0]!;
    if (/[*?[]/.test(first)) {
      throw new UsageError(`the first editable entry "${first}" is a pattern; name the file to rewrite with "file:" in the sweep file.`);
    }
    file = first.replace(/^\.\//, '');
  } else if (!matchesAny(file, config.editable)) {
    throw new UsageError(`"file: ${file}" is not editable (autoresearch.yaml allows ${config.editable.join(', ')}); a sweep may only change editable files.`);
  }
  const abs = path.join(repo, file);
  let st;
  try {
    st = statSync(abs);
  } catch {
    throw new UsageError(`the file to rewrite, ${file}, does not exist in ${repo}.`);
  }
  if (!st.isFile()) throw new UsageError(`${file} is not a file.`);
  return file;
}

function readText(repo: string, file: string): string {
  const buf = readFileSync(path.join(repo, file));
  if (buf.includes(0)) throw new UsageError(`${file} is not a text file; a sweep rewrites Python assignments.`);
  return buf.toString('utf8');
}

/** Check the sweep against the repo (file, names) and list its points; reads only. */
export function planSweep(repo: string, config: Config, spec: SweepSpec): SweepPlan {
  const file = resolveFile(repo, config, spec);
  const names = spec.parameters.map((p) => p.name);
  const now = readAssignments(readText(repo, file), names, file);
  const current: Point = names.map((n) => ({ name: n, value: { py: now[n]!, key: literalKey(now[n]!) } }));
  const notes: string[] = [];
  let points: Point[];
  const size = gridSize(spec.parameters);
  if (spec.strategy === 'grid') {
    if (size > MAX_GRID) throw new UsageError(`the grid has ${size} points, more than ${MAX_GRID}; use strategy random with "samples".`);
    points = gridPoints(spec.parameters);
  } else if (spec.strategy === 'random') {
    points = randomPoints(spec.parameters, spec.samples!, spec.seed);
    if (points.length < spec.samples!) notes.push(`Only ${size} distinct points exist; drawing all ${size} instead of ${spec.samples}.`);
  } else {
    points = greedyFirstPass(spec.parameters, current);
  }
  return { file, points, current, notes };
}

export interface SweepRun {
  id: number;
  description: string;
  seed?: number;
  status: RunRecord['status'];
  crashReason?: string;
  value: number | null;
  /** True when the result came from the ledger (resume) instead of a new run. */
  known: boolean;
}

export interface SweepPointResult {
  description: string;
  values: Record<string, string>;
  runs: SweepRun[];
  /** Mean of the runs' values (null when none produced one). */
  mean: number | null;
}

export interface SweepSummary {
  strategy: SweepSpec['strategy'];
  file: string;
  /** New runs made by this invocation. */
  ran: number;
  /** Runs whose result was already in the ledger (skipped, or replayed by greedy). */
  skipped: number;
  interrupted: boolean;
  /** greedy only. */
  passes?: number;
  converged?: boolean;
  points: SweepPointResult[];
  /** The best kept run of the tag after the sweep (where the branch is). */
  best: { value: number | null; commit: string; description: string | null; id: number | null };
}

export interface SweepOptions {
  repo: string;
  tag: string;
  config: Config;
  spec: SweepSpec;
  display: SweepDisplay;
  signal?: AbortSignal;
  log?: StepOptions['log'];
  /** Told of every keep (git.push, --push): pushes alongside the next run. */
  pusher?: { kick(): void };
  /** Runs side by side (`--parallel K`): batches of K from the same parent, at most one kept each. */
  parallel?: number;
  /** One run per device (`--gpus 0,1`): CUDA_VISIBLE_DEVICES of each slot, on the local executor. */
  gpus?: string[];
}

const usable = (r: RunRecord) => !(r.status === 'crash' && r.crashReason === 'interrupted');

/** The ledger's first usable run of each description: what a resumed sweep does not measure again. */
function knownRuns(records: RunRecord[]): Map<string, RunRecord> {
  const known = new Map<string, RunRecord>();
  for (const r of records) if (usable(r) && !known.has(r.description)) known.set(r.description, r);
  return known;
}

/** Where greedy remembers its start point, so a resumed sweep replays the same path. */
function greedyStatePath(repo: string, tag: string, spec: SweepSpec, file: string): string {
  const key = JSON.stringify({ file, seeds: spec.seeds, parameters: spec.parameters.map((p) => [p.name, p.values.map((v) => v.py)]) });
  const h = createHash('sha256').update(key).digest('hex').slice(0, 16);
  return path.join(stateDir(repo, tag), 'sweeps', `greedy-${h}.json`);
}

function mean(xs: number[]): number | null {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

/** Run a sweep on the checked-out tag; returns when done, or after the run in progress when `signal` fires. */
export async function runSweep(o: SweepOptions): Promise<SweepSummary> {
  const { repo, tag, config, spec, display } = o;
  const git = new Git(repo);
  const state = readState(repo, tag);
  if (!state) throw new UsageError(`tag "${tag}" has no state; run "ar-supervise init --tag ${tag}" first.`);

  // One sweep per checkout at a time.
  mkdirSync(stateDir(repo, tag), { recursive: true, mode: 0o700 });
  const lockFile = path.join(stateDir(repo, tag), 'sweep.lock');
  const releaseSweep = tryLock(lockFile);
  if (!releaseSweep) throw new UsageError(`another sweep is running in this checkout (pid ${lockOwner(lockFile) ?? '?'}); wait for it or stop it first.`);
  try {
    // Settle a run cut off earlier (a killed sweep), so the tree is the kept one before we plan.
    const releaseRun = acquireRunLock(repo, tag);
    try {
      await reconcile(repo, tag, o.log);
    } finally {
      releaseRun();
    }
    const plan = planSweep(repo, config, spec);
    await checkCheckout(git, repo, tag, plan.file);
    for (const n of plan.notes) display.line(n);
    if (slotsOf(o) > 1) {
      try {
        return spec.strategy === 'greedy' ? await sweepGreedyBatched(o, git, plan) : await sweepPointsBatched(o, git, plan);
      } finally {
        await dropSlots(repo, tag);
      }
    }
    return spec.strategy === 'greedy' ? await sweepGreedy(o, git, plan) : await sweepPoints(o, git, plan);
  } finally {
    display.close();
    releaseSweep();
  }
}

/** The tree must be the last kept commit, unchanged: each point edits exactly that. */
async function checkCheckout(git: Git, repo: string, tag: string, file: string): Promise<void> {
  const dirty = await git.dirtyTracked();
  if (dirty.length) {
    throw new UsageError(
      `uncommitted changes to ${dirty.slice(0, 3).join(', ')}${dirty.length > 3 ? ', ...' : ''}; a sweep edits ${file} from the last kept commit, so run or revert those changes first.`,
    );
  }
  const state = readState(repo, tag)!;
  const best = bestOf(readRecords(repo, tag).records, state);
  const head = await git.head();
  if (head !== best.commit) {
    throw new UsageError(
      `the branch is at ${head?.slice(0, 7) ?? '?'}, not at the last kept commit ${best.commit.slice(0, 7)}; run that change with "ar-supervise run" or reset to ${best.commit.slice(0, 7)} first.`,
    );
  }
}

class Runner {
  ran = 0;
  stopped = false;
  constructor(
    private readonly o: SweepOptions,
    private readonly git: Git,
    private readonly file: string,
  ) {}

  /** Rewrite the kept file to `values` and run it through the engine. Null when the sweep was stopped. */
  async run(values: Record<string, string>, description: string, seed: number | undefined): Promise<StepResult | null> {
    const { repo, tag, config, signal, display } = this.o;
    if (signal?.aborted) {
      this.stopped = true;
      return null;
    }
    await checkCheckout(this.git, repo, tag, this.file);
    const abs = path.join(repo, this.file);
    const before = readText(repo, this.file);
    const after = rewriteAssignments(before, values, this.file);
    const head = await this.git.head();
    if (after !== before) writeFileSync(abs, after);
    let r: StepResult;
    try {
      r = await runExperiment({
        repo,
        tag,
        config,
        description,
        ...(seed !== undefined ? { seed } : {}),
        signal,
        log: this.o.log,
        onTick: (e, b, l) => display.tick(e, b, l),
      });
    } catch (e) {
      // Refused before committing (e.g. another run holds the lock): put the file back as it was.
      try {
        if ((await this.git.head()) === head && existsSync(abs) && readFileSync(abs, 'utf8') === after) writeFileSync(abs, before);
      } catch {
        /* leave it; the error below says what happened */
      }
      throw e;
    }
    this.ran++;
    if (r.record.status === 'keep') this.o.pusher?.kick();
    await announceNewBest(r, config, this.o.log);
    if (signal?.aborted || r.record.crashReason === 'interrupted') this.stopped = true;
    return r;
  }
}

function bestSummary(repo: string, tag: string): SweepSummary['best'] {
  const state = readState(repo, tag)!;
  const { records } = readRecords(repo, tag);
  const k = lastKeep(records);
  return { value: k?.value ?? null, commit: k?.commit ?? state.base, description: k?.description ?? null, id: k?.id ?? null };
}

function toRun(r: RunRecord, known: boolean): SweepRun {
  return {
    id: r.id,
    description: r.description,
    ...(r.seed !== undefined ? { seed: r.seed } : {}),
    status: r.status,
    ...(r.crashReason ? { crashReason: r.crashReason } : {}),
    value: r.status === 'crash' || r.violation ? null : r.value,
    known,
  };
}

function pointResult(point: Point, runs: SweepRun[]): SweepPointResult {
  const vals = runs.map((r) => r.value).filter((v): v is number => v !== null);
  return { description: describe(point), values: pointValues(point), runs, mean: mean(vals) };
}

function seedsOf(spec: SweepSpec): Array<number | undefined> {
  return spec.seeds > 1 ? Array.from({ length: spec.seeds }, (_, i) => i) : [undefined];
}

async function sweepPoints(o: SweepOptions, git: Git, plan: SweepPlan): Promise<SweepSummary> {
  const { repo, tag, spec, display } = o;
  const known = knownRuns(readRecords(repo, tag).records);
  const seeds = seedsOf(spec);
  let skipped = 0;
  for (const p of plan.points) for (const s of seeds) if (known.has(describe(p, s))) skipped++;
  const totalRuns = plan.points.length * seeds.length;
  if (skipped) display.line(`Skipped ${skipped} of ${totalRuns} runs already in the ledger (same description).`);

  const runner = new Runner(o, git, plan.file);
  const results: SweepPointResult[] = [];
  let best = bestSummary(repo, tag).value;
  for (const [i, point] of plan.points.entries()) {
    const runs: SweepRun[] = [];
    for (const s of seeds) {
      const desc = describe(point, s);
      const k = known.get(desc);
      if (k) {
        runs.push(toRun(k, true));
        continue;
      }
      const position = `${i + 1}/${plan.points.length}`;
      display.started({ position, done: i, total: plan.points.length, description: desc, best });
      const r = await runner.run(pointValues(point), desc, s);
      if (!r) break;
      if (usable(r.record) && !known.has(desc)) known.set(desc, r.record);
      best = r.best.value;
      runs.push(toRun(r.record, false));
      display.finished({ position, description: desc, record: r.record, best });
      if (runner.stopped) break;
    }
    if (runs.length) results.push(pointResult(point, runs));
    if (runner.stopped) break;
  }
  return { strategy: spec.strategy, file: plan.file, ran: runner.ran, skipped, interrupted: runner.stopped, points: results, best: bestSummary(repo, tag) };
}

/** What both greedies start from: the known runs, and the first invocation's start point and best (saved then), so a resumed greedy replays the same path. */
function greedySetup(o: SweepOptions, plan: SweepPlan) {
  const { repo, tag, spec } = o;
  const state = readState(repo, tag)!;
  const records = readRecords(repo, tag).records;
  const threshold = (state as { noise?: { threshold: number } }).noise?.threshold;
  const { start, best } = savedStart(o, plan, () => bestOf(records, state).value);
  // The start point is the kept state: its value is the best at the start, so a later pass that comes back
  // to it (e.g. LR back to its first value) does not rerun it. With seeds > 1 its seeds were never run.
  const startDesc = spec.seeds === 1 && best !== null ? describe(start) : null;
  /** A run already in the ledger is kept again when its row says keep and it still beats the best at this step. */
  const keptAgain = (k: RunRecord, bestNow: number | null) =>
    k.status === 'keep' && decide({ value: k.value, crashed: false, violation: !!k.violation, best: bestNow, goal: o.config.goal, threshold }).keep;
  return { known: knownRuns(records), start, best, startDesc, keptAgain, replays: replayNotice(o.display) };
}

/** Greedy's replays of runs already in the ledger, counted and said once: before its first new run, or at the end. */
function replayNotice(display: SweepDisplay) {
  let said = false;
  const n = {
    count: 0,
    say() {
      if (!said && n.count) display.line(`Replayed ${n.count} runs already in the ledger (same description) instead of rerunning them.`);
      said = true;
    },
  };
  return n;
}

function savedStart(o: SweepOptions, plan: SweepPlan, bestNow: () => number | null): { start: Point; best: number | null } {
  const { repo, tag, spec } = o;
  const statePath = greedyStatePath(repo, tag, spec, plan.file);
  if (existsSync(statePath)) {
    try {
      const r = parseStateFile(readFileSync(statePath, 'utf8'), GreedySweepStateSchema);
      const names = spec.parameters.map((p) => p.name);
      if (r.ok && names.every((n) => typeof r.value.start[n] === 'string')) {
        return { start: names.map((n) => ({ name: n, value: { py: r.value.start[n]!, key: literalKey(r.value.start[n]!) } })), best: r.value.best };
      }
    } catch {
      /* unreadable: start from the kept file */
    }
  }
  const best = bestNow();
  mkdirSync(path.dirname(statePath), { recursive: true, mode: 0o700 });
  writeAtomic(statePath, JSON.stringify({ start: pointValues(plan.current), best, created: new Date().toISOString() }) + '\n', 0o600);
  return { start: plan.current, best };
}

async function sweepGreedy(o: SweepOptions, git: Git, plan: SweepPlan): Promise<SweepSummary> {
  const { repo, tag, spec, display } = o;
  const { known, start, best: firstBest, startDesc, keptAgain, replays } = greedySetup(o, plan);
  let simBest = firstBest;
  const runner = new Runner(o, git, plan.file);
  const results = new Map<string, SweepPointResult>();

  const g = await greedy(spec.parameters, start, async (t) => {
    if (describe(t.point) === startDesc) return { kept: false }; // the start: measured, and never better than the best
    const runs: SweepRun[] = [];
    let kept = false;
    const position = `pass ${t.pass}: ${t.index}/${t.count}`;
    for (const s of seedsOf(spec)) {
      const desc = describe(t.point, s);
      const k = known.get(desc);
      if (k) {
        // Replay: the engine's decision against the best as it would be at this step of the sweep.
        if (keptAgain(k, simBest)) {
          simBest = k.value;
          kept = true;
        }
        replays.count++;
        runs.push(toRun(k, true));
        continue;
      }
      replays.say();
      display.started({ position, done: t.index - 1, total: t.count, description: desc, best: simBest });
      const r = await runner.run(pointValues(t.point), desc, s);
      if (!r) break;
      // Later passes meet some descriptions again: a description runs once per sweep.
      if (usable(r.record) && !known.has(desc)) known.set(desc, r.record);
      simBest = r.best.value;
      if (r.record.status === 'keep') kept = true;
      runs.push(toRun(r.record, false));
      display.finished({ position, description: desc, record: r.record, best: simBest });
      if (runner.stopped) break;
    }
    if (runs.length) results.set(describe(t.point), pointResult(t.point, runs));
    return runner.stopped ? 'stop' : { kept };
  });
  replays.say();
  return {
    strategy: 'greedy',
    file: plan.file,
    ran: runner.ran,
    skipped: replays.count,
    interrupted: runner.stopped,
    passes: g.passes,
    converged: g.converged,
    points: [...results.values()],
    best: bestSummary(repo, tag),
  };
}

/** How many run side by side: --parallel, else one per --gpus device. */
export function slotsOf(o: Pick<SweepOptions, 'parallel' | 'gpus'>): number {
  return o.parallel ?? o.gpus?.length ?? 1;
}

/** Run points side by side, one batch from the kept state; returns their runs (in the points' order) and whether it stopped. */
async function runPointsBatch(
  o: SweepOptions,
  git: Git,
  plan: SweepPlan,
  items: Array<{ point: Point; seed?: number; desc: string }>,
  position: (i: number) => string,
  span: string,
  next: Array<{ point: Point; seed?: number; desc: string }> = [],
): Promise<{ runs: Array<SweepRun | null>; records: Array<RunRecord | null>; keptIndex: number | null; stopped: boolean }> {
  const { repo, tag, config, display } = o;
  const before = readText(repo, plan.file); // the kept file: runBatch checks the tree is the last kept commit, clean
  const itemOf = (it: { point: Point; seed?: number; desc: string }): BatchItem => ({
    description: it.desc,
    ...(it.seed !== undefined ? { seed: it.seed } : {}),
    files: { [plan.file]: rewriteAssignments(before, pointValues(it.point), plan.file) },
  });
  const batch = items.map(itemOf);
  let best = bestSummary(repo, tag).value;
  display.line(`Side by side: ${items.map((it) => it.desc).join(' | ')}`);
  display.batchStarted({ span, descriptions: items.map((it) => it.desc), best });
  const r = await runBatch({
    repo,
    tag,
    config,
    items: batch,
    slots: slotsFor(o.gpus?.slice(0, slotsOf(o)) ?? null, slotsOf(o)),
    signal: o.signal,
    log: o.log,
    next: next.map(itemOf),
    onProgress: (i, where) => display.batchProgress(i, where),
    onRecord: (item, rec) => {
      const i = batch.indexOf(item);
      if (rec.status === 'keep') best = rec.value;
      display.finished({ position: position(i), description: item.description, record: rec, best });
    },
  });
  if (r.kept) {
    o.pusher?.kick();
    await announceNewBest({ record: r.kept, best: r.best, bestBefore: r.bestBefore }, config, o.log);
  }
  const runs = r.records.map((rec) => (rec ? toRun(rec, false) : null));
  const keptIndex = r.kept ? r.records.indexOf(r.kept) : null;
  const stopped = r.interrupted || r.records.some((rec) => rec?.crashReason === 'interrupted');
  return { runs, records: r.records, keptIndex, stopped };
}

async function sweepPointsBatched(o: SweepOptions, git: Git, plan: SweepPlan): Promise<SweepSummary> {
  const { repo, tag, spec, display } = o;
  const known = knownRuns(readRecords(repo, tag).records);
  const seeds = seedsOf(spec);
  const todo: Array<{ point: Point; seed?: number; desc: string; p: number }> = [];
  const byPoint = new Map<number, SweepRun[]>();
  let skipped = 0;
  for (const [p, point] of plan.points.entries()) {
    for (const s of seeds) {
      const desc = describe(point, s);
      const k = known.get(desc);
      if (k) {
        skipped++;
        byPoint.set(p, [...(byPoint.get(p) ?? []), toRun(k, true)]);
      } else todo.push({ point, ...(s !== undefined ? { seed: s } : {}), desc, p });
    }
  }
  const totalRuns = plan.points.length * seeds.length;
  if (skipped) display.line(`Skipped ${skipped} of ${totalRuns} runs already in the ledger (same description).`);
  const k = slotsOf(o);
  let ran = 0;
  let stopped = false;
  for (let i = 0; i < todo.length && !stopped; i += k) {
    if (o.signal?.aborted) {
      stopped = true;
      break;
    }
    const chunk = todo.slice(i, i + k);
    const span = `${i + 1}${chunk.length > 1 ? `-${i + chunk.length}` : ''}/${todo.length}`;
    const r = await runPointsBatch(o, git, plan, chunk, (j) => `${i + j + 1}/${todo.length}`, span, todo.slice(i + k, i + 2 * k));
    r.runs.forEach((run, j) => {
      if (!run) return;
      ran++;
      const p = chunk[j]!.p;
      byPoint.set(p, [...(byPoint.get(p) ?? []), run]);
    });
    stopped = r.stopped;
  }
  const points = [...byPoint.entries()].sort((a, b) => a[0] - b[0]).map(([p, runs]) => pointResult(plan.points[p]!, runs));
  return { strategy: spec.strategy, file: plan.file, ran, skipped, interrupted: stopped, points, best: bestSummary(repo, tag) };
}

async function sweepGreedyBatched(o: SweepOptions, git: Git, plan: SweepPlan): Promise<SweepSummary> {
  const { repo, tag, spec } = o;
  const { known, start, best: firstBest, startDesc, keptAgain, replays } = greedySetup(o, plan);
  let simBest = firstBest;
  const results = new Map<string, SweepPointResult>();
  const add = (pt: Point, run: SweepRun) => {
    const key = describe(pt);
    results.set(key, pointResult(pt, [...(results.get(key)?.runs ?? []), run]));
  };
  let ran = 0;
  let stopped = false;
  // One coordinate's values side by side (each with its seeds); at most one becomes the kept state.
  const g = await greedyBatched(spec.parameters, start, async (trials) => {
    const items: Array<{ point: Point; seed?: number; desc: string; t: number }> = [];
    let keptTrial: number | null = null;
    let keptValue: number | null = null;
    trials.forEach((t, ti) => {
      if (describe(t.point) === startDesc) return;
      for (const s of seedsOf(spec)) {
        const desc = describe(t.point, s);
        const k = known.get(desc);
        if (!k) {
          items.push({ point: t.point, ...(s !== undefined ? { seed: s } : {}), desc, t: ti });
          continue;
        }
        // Replay: the batch kept this run then (its row says keep) and it still beats the best at this step.
        replays.count++;
        add(t.point, toRun(k, true));
        if (keptAgain(k, keptValue ?? simBest)) {
          keptTrial = ti;
          keptValue = k.value;
        }
      }
    });
    if (keptValue !== null) simBest = keptValue;
    for (let i = 0; i < items.length; i += slotsOf(o)) {
      replays.say();
      const chunk = items.slice(i, i + slotsOf(o));
      const t0 = trials[0]!;
      const r = await runPointsBatch(o, git, plan, chunk, (j) => `pass ${t0.pass}: ${chunk[j]!.desc}`, `pass ${t0.pass}`, items.slice(i + slotsOf(o), i + 2 * slotsOf(o)));
      r.runs.forEach((run, j) => {
        if (!run) return;
        ran++;
        const rec = r.records[j]!;
        if (usable(rec)) known.set(chunk[j]!.desc, rec);
        add(trials[chunk[j]!.t]!.point, run);
      });
      if (r.keptIndex !== null) {
        keptTrial = chunk[r.keptIndex]!.t;
        simBest = r.records[r.keptIndex]!.value;
      }
      if (r.stopped) {
        stopped = true;
        return 'stop';
      }
    }
    return { kept: keptTrial };
  });
  replays.say();
  return { strategy: 'greedy', file: plan.file, ran, skipped: replays.count, interrupted: stopped, passes: g.passes, converged: g.converged, points: [...results.values()], best: bestSummary(repo, tag) };
}

/** The closing lines: counts, the best point (by mean when seeds > 1) and where the branch is. */
export function summaryLines(s: SweepSummary, spec: SweepSpec, metric: string, goal: 'min' | 'max'): string[] {
  const lines: string[] = [];
  const crashes = s.points.flatMap((p) => p.runs).filter((r) => !r.known && r.status === 'crash').length;
  let head = `${s.interrupted ? 'Stopped' : 'Done'}: ${s.ran} new run${s.ran === 1 ? '' : 's'}`;
  if (s.skipped) head += `, ${s.skipped} already in the ledger`;
  if (crashes) head += `, ${crashes} crashed`;
  if (s.strategy === 'greedy' && !s.interrupted) head += s.converged ? `; converged after ${s.passes} pass${s.passes === 1 ? '' : 'es'}` : `; stopped after ${s.passes} passes without converging`;
  lines.push(head + '.');
  if (spec.seeds > 1) {
    const scored = s.points.filter((p) => p.mean !== null);
    scored.sort((a, b) => (goal === 'min' ? a.mean! - b.mean! : b.mean! - a.mean!));
    const top = scored[0];
    if (top) {
      const n = top.runs.filter((r) => r.value !== null).length;
      lines.push(`Best point by the mean over seeds: ${top.description}  ${metric} ${fmtValue(top.mean)} (mean of ${n} run${n === 1 ? '' : 's'}).`);
    }
  }
  const b = s.best;
  if (b.value !== null) {
    lines.push(`Best kept run: ${b.description ?? '?'}  ${metric} ${b.value.toFixed(6)} (#${b.id ?? '?'}, ${b.commit.slice(0, 7)}); the branch is there.`);
  } else {
    lines.push(`No run was kept; the branch is at ${b.commit.slice(0, 7)}.`);
  }
  if (s.interrupted) lines.push('Run the same command again to resume: finished runs are skipped.');
  return lines;
}
