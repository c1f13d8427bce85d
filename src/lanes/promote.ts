// `ar-supervise promote <lane|commit> --to <lane> | --branch <name>`: carry the night's best somewhere it can be
// built upon. Onto a lane, it is an honest experiment there: under the target's run lock, the source's editable
// files are put onto the target's last kept commit and run through the engine, so keep/discard applies as to any idea.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { Git } from '../adapters/git.js';
import { resolveCommit, shortSha } from '../adapters/worktree.js';
import { loadConfig } from '../config.js';
import { matchesAny } from '../engine/guard.js';
import { readRecords } from '../engine/records.js';
import { readState } from '../engine/state.js';
import { acquireRunLock, bestOf, reconcile, runExperiment, type StepOptions, type StepResult } from '../engine/step.js';
import { UsageError } from '../errors.js';
import { createLogger } from '../log.js';
import { bestRun } from '../supervisor/claudemd.js';
import { fmtValue } from '../format.js';
import { listManifests, mainRepoOf, readManifest, type LaneEntry, type LaneManifest } from './manifest.js';
import { formatLaneRef, parseLaneRef } from './names.js';
import { readLaneRecords } from './peers.js';

export interface PromoteOptions {
  /** A folder of the main repo or of one of its lanes. */
  cwd: string;
  /** `apr5:gpu1` (its best), `gpu1` when only one session has such a lane, or any commit. */
  source: string;
  to?: string;
  branch?: string;
  out?: (line: string) => void;
  signal?: AbortSignal;
  onTick?: StepOptions['onTick'];
  /** How long to wait for a run in progress in the target lane (default: that run's time limit plus a minute). */
  waitMs?: number;
}

export type PromoteResult =
  | { kind: 'branch'; branch: string; commit: string; description: string }
  | { kind: 'lane'; lane: string; result: StepResult; description: string };

interface Source {
  commit: string;
  short: string;
  /** `gpu1 best abc1234` or `abc1234`. */
  label: string;
  lane: { session: string; entry: LaneEntry } | null;
  what: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A lane by `session:lane`, or by a bare lane name when exactly one session has it (preferring `prefer`). */
function findLane(main: string, s: string, prefer?: string): { m: LaneManifest; entry: LaneEntry } | null {
  if (s.includes(':')) {
    const ref = parseLaneRef(s);
    const m = readManifest(main, ref.session);
    if (!m) throw new UsageError(`there are no lanes of ${ref.session} in this repo.`);
    const entry = m.lanes.find((l) => l.name === ref.lane);
    if (!entry) throw new UsageError(`there is no lane ${s} (lanes of ${ref.session}: ${m.lanes.map((l) => l.name).join(', ')}).`);
    return { m, entry };
  }
  const hits: { m: LaneManifest; entry: LaneEntry }[] = [];
  for (const session of listManifests(main)) {
    const m = readManifest(main, session);
    const entry = m?.lanes.find((l) => l.name === s);
    if (m && entry) hits.push({ m, entry });
  }
  if (hits.length > 1 && prefer) {
    const p = hits.find((h) => h.m.session === prefer);
    if (p) return p;
  }
  if (hits.length > 1) throw new UsageError(`"${s}" is a lane of ${hits.map((h) => h.m.session).join(' and ')}; write it as <session>:${s}.`);
  return hits[0] ?? null;
}

async function resolveSource(main: string, s: string): Promise<Source> {
  const lane = findLane(main, s);
  if (lane) {
    const { records } = readLaneRecords(lane.entry);
    const b = bestRun(records);
    const ref = formatLaneRef(lane.m.session, lane.entry.name);
    if (!b) throw new UsageError(`${ref} has no kept run yet; there is nothing to promote.`);
    const short = await shortSha(main, b.commit);
    return {
      commit: b.commit,
      short,
      label: `${lane.entry.name} best ${short}`,
      lane: { session: lane.m.session, entry: lane.entry },
      what: `${ref}'s best (${b.metric} ${fmtValue(b.value)}, ${short}: ${b.description})`,
    };
  }
  const commit = await resolveCommit(main, s);
  if (!commit) throw new UsageError(`"${s}" is neither a lane (like apr5:gpu1) nor a commit of this repository.`);
  const short = await shortSha(main, commit);
  return { commit, short, label: short, lane: null, what: `commit ${short}` };
}

/** Files of `commit` that match the editable globs. */
async function editableFiles(git: Git, commit: string, editable: string[]): Promise<string[]> {
  const out = await git.raw(['ls-tree', '-r', '-z', '--name-only', commit]);
  return out.split('\0').filter((f) => f && matchesAny(f, editable));
}

/** Take the target's run lock, waiting for a run in progress there (an agent's) to finish. */
async function lockWhenFree(wt: string, tag: string, waitMs: number, say: (l: string) => void, signal?: AbortSignal): Promise<() => void> {
  const deadline = Date.now() + waitMs;
  let told = false;
  for (;;) {
    try {
      return acquireRunLock(wt, tag);
    } catch (e) {
      if (!(e instanceof UsageError) || Date.now() > deadline || signal?.aborted) throw e;
      if (!told) say('A run is in progress in the target lane; waiting for it to finish...');
      told = true;
      await sleep(500);
    }
  }
}

export async function promote(o: PromoteOptions): Promise<PromoteResult> {
  const say = o.out ?? (() => {});
  const main = mainRepoOf(o.cwd);
  if (!main) throw new UsageError(`${o.cwd} is not inside a git repository.`);
  if (!o.to === !o.branch) throw new UsageError('say where to promote to: --to <lane> (an experiment there) or --branch <name> (a new branch).');
  const src = await resolveSource(main, o.source);
  const git = new Git(main);

  if (o.branch) {
    if (!(await git.validBranchName(o.branch))) throw new UsageError(`"${o.branch}" is not a usable branch name.`);
    if (await git.branchExists(o.branch)) throw new UsageError(`branch ${o.branch} already exists; pick another name.`);
    await git.raw(['branch', '--end-of-options', o.branch, src.commit]);
    say(`Created branch ${o.branch} at ${src.what}.`);
    return { kind: 'branch', branch: o.branch, commit: src.commit, description: `promote ${src.label}` };
  }

  const target = findLane(main, o.to!, src.lane?.session);
  if (!target) throw new UsageError(`there is no lane ${o.to} (give it as <session>:<lane>, for example apr5:gpu0).`);
  const t = target.entry;
  const tref = formatLaneRef(target.m.session, t.name);
  if (src.lane && src.lane.entry.tag === t.tag) throw new UsageError(`${tref} is the source itself; promote onto another lane.`);
  if (t.removed) throw new UsageError(`${tref}'s worktree was removed by "kill --clean"; start the lanes again to bring it back.`);
  const wt = t.worktree;
  const state = readState(wt, t.tag);
  if (!state) throw new UsageError(`${tref} has not started yet (no state in ${wt}); wait for its setup to finish.`);
  const config = loadConfig(wt);
  const description = `promote ${src.label}`;
  const waitMs = o.waitMs ?? config.budget_seconds * config.timeout_factor * 1000 + 60_000;

  const release = await lockWhenFree(wt, t.tag, waitMs, say, o.signal);
  let placed: { add: string[]; drop: string[]; parent: string } | null = null;
  const tgit = new Git(wt);
  try {
    await reconcile(wt, t.tag);
    const { records } = readRecords(wt, t.tag);
    const parent = bestOf(records, state).commit;
    if ((await tgit.currentBranch()) !== t.branch || (await tgit.head()) !== parent) {
      throw new UsageError(`${tref} is not on its last kept commit ${parent.slice(0, 7)} (its agent may be committing by hand); try again between its runs.`);
    }
    const pending = [...(await tgit.changedSince(parent)), ...(await tgit.untracked()).filter((f) => matchesAny(f, config.editable))];
    if (pending.length) {
      throw new UsageError(
        `${tref} has uncommitted edits (${pending.slice(0, 3).join(', ')}): its agent is between an edit and a run; try again in a moment, or stop the lane first ("ar-supervise kill ${tref}").`,
      );
    }
    const want = await editableFiles(tgit, src.commit, config.editable);
    const have = await editableFiles(tgit, parent, config.editable);
    const drop = have.filter((f) => !want.includes(f));
    if (want.length) await tgit.restore(src.commit, want);
    if (drop.length) await tgit.raw(['rm', '-q', '--', ...drop]);
    placed = { add: want, drop, parent };
    if ((await tgit.changedSince(parent)).length === 0) {
      throw new UsageError(`nothing to promote: ${tref}'s ${config.editable.join(', ')} already match ${src.what}.`);
    }
    say(`Promoting ${src.what} onto ${tref} (${t.branch}) as "${description}"...`);
  } catch (e) {
    if (placed) await undo(tgit, placed);
    release();
    throw e;
  }
  // The engine runs under the lock we hold, so no agent can slip in between.
  let result: StepResult;
  try {
    result = await runExperiment({ repo: wt, tag: t.tag, config, description, log: createLogger(wt, t.tag), signal: o.signal, onTick: o.onTick, lockHeld: true });
  } catch (e) {
    if ((await tgit.head()) === placed.parent) await undo(tgit, placed);
    throw e;
  } finally {
    release();
  }
  return { kind: 'lane', lane: tref, result, description };
}

/** Put the target's editable files back as its last kept commit has them. */
async function undo(git: Git, p: { add: string[]; drop: string[]; parent: string }): Promise<void> {
  const files = [...p.add, ...p.drop];
  const inParent = new Set((await git.raw(['ls-tree', '-r', '-z', '--name-only', p.parent])).split('\0'));
  await git.try(['reset', '-q', '--', ...files]);
  const back = files.filter((f) => inParent.has(f));
  if (back.length) await git.restore(p.parent, back);
  for (const f of files.filter((x) => !inParent.has(x))) rmSync(path.join(git.cwd, f), { force: true });
}
