// `ar-supervise --session apr5 --gpus 0,1,2,3` (or `--lanes N`): one lane per GPU, each a normal detached
// session (supervisor + agent in tmux) of its own tag `apr5-gpu<i>`, in its own worktree, with CUDA_VISIBLE_DEVICES.
// Starting the same command again resumes each lane; lanes are separate processes, so one that dies leaves the rest.
import path from 'node:path';
import { Git, gitSync } from '../adapters/git.js';
import { Tmux, type TmuxApi } from '../adapters/tmux.js';
import { addToExclude } from '../engine/exclude.js';
import { loadConfig } from '../config.js';
import { UsageError } from '../errors.js';
import { branchFor, LEDGER_FILE, RUN_LOG_FILE, STATE_ROOT, statePath } from '../paths.js';
import { isSupervisorProcess } from '../supervisor/discover.js';
import { agentSession, supervisorSession } from '../supervisor/files.js';
import { endSession } from '../supervisor/launch.js';
import { startDetached, validate, type SessionDeps, type SessionOptions } from '../supervisor/session.js';
import { readSupervisorState } from '../supervisor/state.js';
import { existsSync } from 'node:fs';
import {
  lanesRoot,
  mainRepoOf,
  newEntry,
  readManifest,
  updateManifest,
  writeMarker,
  type LaneEntry,
  type LaneManifest,
} from './manifest.js';
import { formatLaneRef, laneCount, parseGpus, validateLaneNames, type LaneSpec } from './names.js';
import { isLaneSet, sessionLane } from './which.js';
import { agentFiles, ensureWorktree } from './worktrees.js';

export interface LanesOptions extends SessionOptions {
  /** `--gpus 0,1,2,3`. */
  gpus?: string;
  /** `--lanes N`. */
  lanes?: number;
}

export interface LaneStart {
  lane: LaneEntry;
  result: 'started' | 'running' | 'failed';
  pid: number | null;
  /** 'starting' while init and the baseline run, then what the supervisor says. */
  state: string;
  message: string | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function mainOf(o: SessionOptions): string {
  const dir = path.resolve(o.repo ?? process.cwd());
  const main = existsSync(dir) ? mainRepoOf(dir) : null;
  if (!main) throw new UsageError(`${dir} is not inside a git repository; run "git init" and commit your code first.`);
  return main;
}

/** Is `--session <name>` (without --gpus/--lanes) the resumption of a lane set? */
export function isLaneSession(o: SessionOptions): boolean {
  return isLaneSet(path.resolve(o.repo ?? process.cwd()), o.name);
}

function branchExists(repo: string, branch: string): boolean {
  return gitSync(repo, ['show-ref', '--verify', '--quiet', `refs/heads/${branch}`]).ok;
}

/** The lanes this command asks for: from --gpus, --lanes, or (neither) the manifest's. */
export function requestedLanes(o: LanesOptions, m: LaneManifest | null): LaneSpec[] {
  if (o.gpus !== undefined && o.lanes !== undefined) throw new UsageError('give --gpus or --lanes, not both.');
  if (o.gpus !== undefined) return parseGpus(o.gpus);
  if (o.lanes !== undefined) return laneCount(o.lanes);
  if (m) return m.lanes.map((l) => ({ name: l.name, gpu: l.gpu, env: l.env }));
  throw new UsageError(`session ${o.name} has no lanes; start them with --gpus 0,1,... or --lanes N.`);
}

function running(l: LaneEntry): number | null {
  const s = readSupervisorState(l.worktree, l.tag);
  if (s && s.state !== 'stopped' && s.state !== 'failed' && isSupervisorProcess(s.pid, l.tag)) return s.pid;
  return null;
}

/** `--agent claude,codex`: one profile per lane, in lane order; one name (or none) for every lane. */
export function laneAgents(agent: string | undefined, lanes: number): (string | undefined)[] {
  const names = agent ? agent.split(',').map((x) => x.trim()) : [];
  if (names.length <= 1) return Array.from({ length: lanes }, () => names[0]);
  if (names.length !== lanes) throw new UsageError(`--agent names ${names.length} agents for ${lanes} lanes; give one, or one per lane.`);
  return names;
}

/** Make or find every lane's worktree and marker, recorded in the manifest. No process is started. */
export async function prepareLanes(
  main: string,
  session: string,
  specs: LaneSpec[],
  agents: Array<string | undefined> = [],
  defaultAgent?: string,
): Promise<{ manifest: LaneManifest; lanes: LaneEntry[] }> {
  validateLaneNames(session, specs);
  const git = new Git(main);
  if (branchExists(main, branchFor(session)) || existsSync(statePath(main, session))) {
    throw new UsageError(`${session} is already a single-agent session (branch ${branchFor(session)}); give the lanes another session name.`);
  }
  const head = await git.head();
  if (!head) throw new UsageError('the repository has no commits yet; commit your training code first.');
  const before = readManifest(main, session);
  const fresh = specs.filter((s) => !before?.lanes.some((l) => l.name === s.name && existsSync(l.worktree)));
  if (fresh.length) {
    const dirty = await git.dirtyTracked();
    if (dirty.length) {
      throw new UsageError(
        `uncommitted changes to tracked files (${dirty.slice(0, 5).join(', ')}${dirty.length > 5 ? ', ...' : ''}) would not reach the lanes' worktrees; commit or stash them first.`,
      );
    }
  }
  for (const s of specs) {
    const known = before?.lanes.find((l) => l.name === s.name);
    if (known && JSON.stringify(known.env) !== JSON.stringify(s.env)) {
      throw new UsageError(`lane ${formatLaneRef(session, s.name)} was started with ${JSON.stringify(known.env)}; it cannot change its environment.`);
    }
  }
  // Our files stay out of git in every worktree (the exclude file is shared); added once here, not by N lanes at once.
  addToExclude(main, [LEDGER_FILE, RUN_LOG_FILE, `/${STATE_ROOT}/`, ...agentFiles().map((f) => '/' + f)]);
  const lanes: LaneEntry[] = [];
  for (const [i, s] of specs.entries()) {
    const found = before?.lanes.find((l) => l.name === s.name) ?? newEntry(main, session, s);
    // --agent names it; else the lane keeps the one it started with (the configured one for a new lane).
    const agent = agents[i] ?? found.agent ?? defaultAgent;
    const entry = agent ? { ...found, agent } : found;
    await ensureWorktree(main, entry, head);
    writeMarker(entry.worktree, entry.tag, { v: 1, session, lane: entry.name, main, env: entry.env });
    const { removed: _r, archive: _a, ...live } = entry;
    lanes.push(live);
  }
  const manifest = updateManifest(main, session, (m) => {
    const cur: LaneManifest = m ?? { v: 1, session, repo: main, base: head, created: new Date().toISOString(), lanes: [] };
    for (const l of lanes) {
      const i = cur.lanes.findIndex((x) => x.name === l.name);
      if (i >= 0) cur.lanes[i] = l;
      else cur.lanes.push(l);
    }
    return cur;
  });
  return { manifest, lanes };
}

/** Start (or resume) each requested lane detached, wait until each is up or failed, and say how to follow them. */
export async function startLanes(o: LanesOptions, deps: SessionDeps = {}): Promise<number> {
  const env = deps.env ?? process.env;
  const out = deps.out ?? ((l: string) => process.stdout.write(l + '\n'));
  if (o.foreground) {
    throw new UsageError(`lanes run detached, one supervisor per lane; drop --foreground and follow them with "ar-supervise tail ${o.name}".`);
  }
  const main = mainOf(o);
  const session = o.name;
  const before = readManifest(main, session);
  const specs = requestedLanes(o, before);
  // A lane resumed without --agent keeps the agent it started with.
  const agents = laneAgents(o.agent, specs.length).map((a, i) => a ?? before?.lanes.find((l) => l.name === specs[i]!.name)?.agent);
  // Config, agent command, --until, tasks: checked once, in the user's terminal, before anything is made.
  for (const agent of new Set(agents)) validate({ ...o, agent, repo: main }, env);
  // Each lane is one agent on its own GPU: several GPUs for one agent (pipeline GPUs) would overlap the lanes'.
  if (o.pipelineGpus !== undefined || loadConfig(main, env).pipeline.gpus) {
    throw new UsageError('lanes give each agent its own GPU; pipeline GPUs (--pipeline-gpus, config pipeline.gpus) give one agent several: use one or the other.');
  }
  // On a cluster the scheduler gives each run its GPU: CUDA_VISIBLE_DEVICES from us would fight it.
  if (o.gpus !== undefined && loadConfig(main, env).executor.kind !== 'local') {
    throw new UsageError(`with executor kind ${loadConfig(main, env).executor.kind} the scheduler gives each run its GPU: start the lanes with --lanes N, not --gpus.`);
  }
  const tmux: TmuxApi = deps.tmux ?? new Tmux();
  const { lanes } = await prepareLanes(main, session, specs, agents, loadConfig(main, env).agent.profile);

  const starts: LaneStart[] = [];
  for (const [i, l] of lanes.entries()) {
    const pid = running(l);
    if (pid) {
      starts.push({ lane: l, result: 'running', pid, state: readSupervisorState(l.worktree, l.tag)?.state ?? 'running', message: null });
      continue;
    }
    const lines: string[] = [];
    try {
      // Lanes are started one after another (tmux sessions, worktrees) and waited for together below.
      const code = await startDetached(
        { ...o, agent: agents[i] ?? l.agent, name: l.tag, repo: l.worktree, foreground: false },
        { ...deps, tmux, env: { ...env, ...l.env }, out: (x) => lines.push(x), detachWaitMs: 0, lane: sessionLane({ name: l.tag, repo: l.worktree }) },
      );
      starts.push({ lane: l, result: code === 0 ? 'started' : 'failed', pid: null, state: 'starting', message: code === 0 ? null : lines.join('\n') });
    } catch (e) {
      starts.push({ lane: l, result: 'failed', pid: null, state: 'failed', message: (e as Error).message });
    }
  }

  // Wait until every started lane's supervisor is past setting up (or failed, or gone).
  const deadline = Date.now() + (deps.detachWaitMs ?? 20000);
  for (;;) {
    let waiting = 0;
    for (const s of starts.filter((x) => x.result === 'started' && x.state === 'starting')) {
      const sup = supervisorSession(s.lane.tag);
      const pi = await tmux.paneInfo(sup);
      if (!pi || pi.dead) {
        const screen = pi ? await tmux.capture(sup).catch(() => '') : '';
        const last = screen.split('\n').filter((x) => x.trim() !== '' && !/^Pane is dead/.test(x)).slice(-10);
        const st = readSupervisorState(s.lane.worktree, s.lane.tag);
        s.result = 'failed';
        s.state = 'failed';
        s.message = st?.pid === pi?.pid && st?.error ? st.error : `the supervisor exited at once${last.length ? ':\n' + last.join('\n') : ''}`;
        await endSession(tmux, sup).catch(() => []);
        continue;
      }
      s.pid = pi.pid;
      const st = readSupervisorState(s.lane.worktree, s.lane.tag);
      if (st && st.pid === pi.pid) {
        if (st.state === 'failed') {
          s.result = 'failed';
          s.state = 'failed';
          s.message = st.error ?? 'see its log';
          await endSession(tmux, sup).catch(() => []);
          await endSession(tmux, agentSession(s.lane.tag)).catch(() => []);
          continue;
        }
        if (st.state !== 'starting') {
          s.state = st.state;
          continue;
        }
      }
      waiting++;
    }
    if (waiting === 0 || Date.now() >= deadline) break;
    await sleep(200);
  }

  const rel = path.relative(main, lanesRoot(main)) || '.';
  out(`Session ${session}: ${lanes.length} lane${lanes.length === 1 ? '' : 's'}, worktrees in ${path.join(rel, session)}${path.sep}`);
  const width = Math.max(...starts.map((s) => formatLaneRef(session, s.lane.name).length));
  for (const s of starts) {
    const ref = formatLaneRef(session, s.lane.name).padEnd(width);
    const gpu = s.lane.gpu !== null ? `GPU ${s.lane.gpu}, ` : '';
    const what =
      s.result === 'running'
        ? `already running (supervisor pid ${s.pid})`
        : s.result === 'failed'
          ? `FAILED: ${s.message ?? 'see its log'}`
          : s.state === 'starting'
            ? `setting up in the background (branch, baseline)`
            : `running (supervisor pid ${s.pid})`;
    out(`  ${ref}  ${gpu}branch ${s.lane.branch}: ${what}`);
  }
  const first = formatLaneRef(session, lanes[0]!.name);
  out(`  watch:  ar-supervise tail ${session}   (one lane: ar-supervise tail ${first})`);
  out(`  status: ar-supervise status ${session}`);
  out(`  stop:   ar-supervise kill ${session}   (kill ${session} --clean also archives and removes the worktrees)`);
  return starts.some((s) => s.result === 'failed') ? 1 : 0;
}
