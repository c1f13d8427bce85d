// `compare`: train two commits on the same seeds, interleaved, each in a detached worktree, and judge.
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { linkIgnoredDirs } from '../engine/link-ignored.js';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Git } from '../adapters/git.js';
import { executorFor } from '../executors/index.js';
import { resolveCommit, shortSha, worktreeAdd, worktreeList, worktreePrune, worktreeRemove } from '../adapters/worktree.js';
import { loadConfig, type Config } from '../config.js';
import { trainingEnv } from '../secrets.js';
import { repoRoot } from '../engine/init.js';
import { isAlive as pidAlive } from '../adapters/pid.js';
import { classify, parseSummary } from '../engine/metrics.js';
import { sanitizeMetrics } from '../engine/settle.js';
import { sideBySide } from '../engine/slots.js';
import { checkPrerequisites } from '../engine/prereq.js';
import { readState } from '../engine/state.js';
import { UsageError } from '../errors.js';
import { stateDir, tagFromBranch } from '../paths.js';
import { fmtNumber } from '../format.js';
import { summarizeRuns, type Arm, type CompareResult, type CompareRun } from './summary.js';

export interface CompareOptions {
  /** A folder inside the research repo. */
  repo: string;
  revA: string;
  revB: string;
  /** Seeds 0..seeds-1 for each commit. */
  seeds: number;
  /** Overrides the configured budget (seconds). */
  budgetSeconds?: number;
  /** Default: autoresearch.yaml of the repo's work tree (the same config for both commits). */
  config?: Config;
  /** Extra environment for every run. */
  env?: Record<string, string>;
  /** Aborting stops the run in progress (recorded as interrupted) and runs no more. */
  signal?: AbortSignal;
  /** One line per event (worktrees made, each run's result). */
  progress?: (line: string) => void;
  /** Runs side by side (default: engine/slots.ts sideBySide: all of them on a scheduler such as Slurm, one at a time here). */
  parallel?: number;
}

// Ignored folders that are per-checkout build products, not data: never shared between checkouts.

const OWNER_FILE = 'owner.pid';
const ARMS: Arm[] = ['A', 'B'];

/** `2025-11-28T04-30-00Z`: sortable, and safe in file names everywhere. */
export function compareId(d = new Date()): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

/** Where a comparison's folder and JSON go: the tag's state folder on an autoresearch branch, else a temp folder. */
async function outputBase(repo: string): Promise<{ base: string; temp: boolean }> {
  const branch = await new Git(repo).currentBranch();
  const tag = branch ? tagFromBranch(branch) : null;
  if (tag && readState(repo, tag)) {
    const base = path.join(stateDir(repo, tag), 'compare');
    mkdirSync(base, { recursive: true, mode: 0o700 });
    return { base, temp: false };
  }
  return { base: mkdtempSync(path.join(tmpdir(), 'ar-compare-')), temp: true };
}

/** Worktrees of comparisons whose process died (SIGKILL, reboot): remove them so none is left behind. */
async function sweepStale(repo: string): Promise<void> {
  let entries: { path: string }[] = [];
  try {
    entries = await worktreeList(repo);
  } catch {
    return;
  }
  for (const e of entries) {
    if (!/^wt-[ab]$/.test(path.basename(e.path))) continue;
    const owner = path.join(path.dirname(e.path), OWNER_FILE);
    if (!existsSync(owner)) continue;
    const pid = Number(readFileSync(owner, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pidAlive(pid)) continue;
    await removeWorktree(repo, e.path);
    const other = path.join(path.dirname(e.path), path.basename(e.path) === 'wt-a' ? 'wt-b' : 'wt-a');
    if (!existsSync(other)) rmSync(owner, { force: true });
  }
  await worktreePrune(repo);
}

const wtName = (arm: Arm) => `wt-${arm.toLowerCase()}`;

/** Unlink the data links we made, then let git remove the checkout; fall back to deleting it. */
async function removeWorktree(repo: string, wt: string): Promise<void> {
  if (!existsSync(wt)) return;
  const linksFile = path.join(wt, '..', `${path.basename(wt)}.links`);
  if (existsSync(linksFile)) {
    for (const l of readFileSync(linksFile, 'utf8').split('\n').filter(Boolean)) {
      try {
        if (lstatSync(l).isSymbolicLink()) unlinkSync(l);
      } catch {
        /* already gone */
      }
    }
    rmSync(linksFile, { force: true });
  }
  if (!(await worktreeRemove(repo, wt))) {
    rmSync(wt, { recursive: true, force: true });
  }
}

/**
 * Link the repo's ignored folders (prepared data, caches, virtual environments) into a fresh checkout
 * where the commit has nothing at that path, so a run finds what it found in the repo. Returns the links.
 */
async function linkIgnored(repo: string, wt: string, outDir: string): Promise<string[]> {
  const holdsOurs = (src: string) => {
    const inside = path.relative(src, outDir);
    return !inside.startsWith('..') && !path.isAbsolute(inside);
  };
  const links = (await linkIgnoredDirs(repo, wt, holdsOurs)).map((rel) => path.join(wt, rel));
  writeFileSync(path.join(wt, '..', `${path.basename(wt)}.links`), links.join('\n') + (links.length ? '\n' : ''));
  return links;
}

export function validateSeeds(raw: string | number): number {
  const n = typeof raw === 'number' ? raw : /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--seeds must be a whole number >= 1, not "${raw}".`);
  if (n > 10_000) throw new UsageError(`--seeds ${n} is more runs than a comparison needs; use at most 10000.`);
  return n;
}

/** Run A and B on seeds 0..N-1 (A0 B0 A1 B1 ...), write the raw results as JSON, and return them. */
export async function runCompare(o: CompareOptions): Promise<CompareResult> {
  const seeds = validateSeeds(o.seeds);
  const repo = await repoRoot(o.repo);
  const sha: Record<Arm, string> = { A: '', B: '' };
  const revs: Record<Arm, string> = { A: o.revA, B: o.revB };
  for (const arm of ARMS) {
    const s = await resolveCommit(repo, revs[arm]);
    if (!s) throw new UsageError(`"${revs[arm]}" is not a commit in this repository (give a sha, a branch, a tag or refs/autoresearch/<tag>/<n>).`);
    sha[arm] = s;
  }
  const config = { ...(o.config ?? loadConfig(repo)) };
  if (o.budgetSeconds !== undefined) {
    if (!Number.isFinite(o.budgetSeconds) || o.budgetSeconds <= 0) throw new UsageError(`--budget must be a positive number of seconds, not "${o.budgetSeconds}".`);
    config.budget_seconds = o.budgetSeconds;
  }
  const say = o.progress ?? (() => {});

  const { base, temp } = await outputBase(repo);
  await sweepStale(repo);
  let id = compareId();
  for (let i = 2; existsSync(path.join(base, id)) || existsSync(path.join(base, id + '.json')); i++) id = `${compareId()}-${i}`;
  const dir = path.join(base, id);
  const logs = path.join(dir, 'logs');
  mkdirSync(logs, { recursive: true, mode: 0o700 });
  writeFileSync(path.join(dir, OWNER_FILE), String(process.pid) + '\n');
  const file = path.join(base, id + '.json');

  const short: Record<Arm, string> = { A: await shortSha(repo, sha.A), B: await shortSha(repo, sha.B) };
  const wt: Record<Arm, string> = { A: path.join(dir, wtName('A')), B: path.join(dir, wtName('B')) };
  const runs: CompareRun[] = [];
  const started = new Date().toISOString();
  let interrupted = false;
  let finished = false;
  try {
    for (const arm of ARMS) {
      await worktreeAdd(repo, wt[arm], sha[arm]);
      await linkIgnored(repo, wt[arm], dir);
    }
    for (const arm of ARMS) {
      const problems = await checkPrerequisites(wt[arm], config);
      if (problems.length) {
        throw new UsageError(
          `${arm} (${short[arm]}) cannot run in a fresh checkout of its commit: ${problems[0]!.replace(/\.$/, '')}.`,
          [
            ...problems.slice(1),
            'compare trains each commit in a detached git worktree: files that are not committed are only there when they sit in an ignored folder of the repo (it is linked in) or outside it; prepare the data in the repo first (for example "python3 prepare.py").',
          ].join('\n'),
        );
      }
    }
    say(`A ${short.A} (${o.revA}) and B ${short.B} (${o.revB}): ${seeds * 2} runs of ${config.budget_seconds} s, logs in ${logs}`);

    const budgetMs = config.budget_seconds * 1000;
    const total = seeds * 2;
    const executor = await executorFor(config);
    executor.check();
    // Started in the order A0 B0 A1 B1 ...; with several side by side, results come in as they end.
    const order = Array.from({ length: seeds }, (_, seed) => ARMS.map((arm) => ({ arm, seed }))).flat();
    const slots = sideBySide(config, total, { parallel: o.parallel });
    let next = 0;
    const one = async (arm: Arm, seed: number) => {
      const log = path.join(logs, `${arm}-${seed}.log`);
      const outcome = await executor.run({
        name: `ar-compare-${arm}-${seed}-${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`,
        argv: config.command,
        cwd: wt[arm],
        env: trainingEnv(process.env, { TIME_BUDGET: String(config.budget_seconds), SEED: String(seed), ...(o.env ?? {}) }),
        logFiles: [log],
        limitMs: budgetMs * config.timeout_factor,
        graceMs: config.kill_grace_seconds * 1000,
        signal: o.signal,
      });
      let text = outcome.tail;
      try {
        text = readFileSync(log, 'utf8');
      } catch {
        /* the tail will do */
      }
      const metrics = parseSummary(text);
      const cls = classify(outcome, metrics, config.metric, outcome.tail);
      const run: CompareRun = {
        arm,
        seed,
        value: cls.value,
        crashReason: cls.crashReason,
        exitCode: outcome.exitCode,
        signal: outcome.signal,
        timedOut: outcome.timedOut,
        durationMs: outcome.durationMs,
        log,
        metrics: sanitizeMetrics(metrics),
      };
      runs.push(run);
      const what = run.value !== null ? `${config.metric} ${fmtNumber(run.value)}` : `crash (${run.crashReason})`;
      say(`[${runs.length}/${total}] ${arm} seed ${seed}: ${what} in ${(outcome.durationMs / 1000).toFixed(1)} s`);
      if (outcome.interrupted) interrupted = true;
    };
    const worker = async () => {
      while (next < order.length && !interrupted) {
        if (o.signal?.aborted) {
          interrupted = true;
          return;
        }
        const t = order[next++]!;
        await one(t.arm, t.seed);
      }
    };
    await Promise.all(Array.from({ length: slots }, worker));
    runs.sort((x, y) => x.seed - y.seed || x.arm.localeCompare(y.arm));
    finished = true;
  } finally {
    for (const arm of ARMS) await removeWorktree(repo, wt[arm]);
    await worktreePrune(repo);
    rmSync(path.join(dir, OWNER_FILE), { force: true });
    // A refusal (unready checkout, git failure) leaves nothing behind; a comparison always leaves its results.
    if (!finished && runs.length === 0) rmSync(temp ? base : dir, { recursive: true, force: true });
  }

  const result: CompareResult = {
    v: 1,
    a: { rev: o.revA, sha: sha.A, short: short.A },
    b: { rev: o.revB, sha: sha.B, short: short.B },
    metric: config.metric,
    goal: config.goal,
    budgetSeconds: config.budget_seconds,
    seeds,
    command: config.command,
    order: 'A0 B0 A1 B1 ...',
    started,
    ended: new Date().toISOString(),
    interrupted,
    runs,
    summary: summarizeRuns(runs, seeds, config.goal),
    file,
  };
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  return result;
}
