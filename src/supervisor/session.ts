// `ar-supervise --session <name>`: set up (init or resume), prepare the repo for the agent, run the loop,
// or start all that detached in tmux so it outlives the terminal.
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { Tmux, type TmuxApi } from '../adapters/tmux.js';
import { Git, topLevelSync } from '../adapters/git.js';
import { loadConfig, type Config, type TaskSpec } from '../config.js';
import { UsageError } from '../errors.js';
import { addToExclude, isTracked } from '../engine/exclude.js';
import { findProgram } from '../engine/prereq.js';
import { probeProgram } from '../adapters/procs.js';
import { followRecords, readRecords } from '../engine/records.js';
import { branchFor, stateDir } from '../paths.js';
import { createLogger } from '../log.js';
import { isSupervisorProcess } from './discover.js';
import { cliScript, eventsPath, hookScript, shimDir, supervisorSession, agentSession, validateSessionName } from './files.js';
import { hookArgv } from '../agents/hook-path.js';
import { profileNamed } from '../agents/index.js';
import { PROFILE_NAMES } from '../config/agent-names.js';
import type { AgentProfile, Setup } from '../agents/profile.js';
import { agentArgv, agentEnv, endSession, writeShim, PANE_HEIGHT, PANE_WIDTH } from './launch.js';
import { Supervisor, type LoopEvent, type Timing } from './loop.js';
import { readSupervisorState, writeSupervisorState } from './state.js';
import { buildPlan, loadTasksFile } from './tasks.js';
import { bestRun, setClaudeMdExtra } from './claudemd.js';
import { readQueue } from '../engine/queue.js';
import { runForSession } from '../engine/runner.js';
import { runnerSlots, type Slot } from '../engine/slots.js';
import { parseGpuList } from '../parallel-flags.js';
import { syncWorkTree } from '../engine/submit.js';

export interface SessionOptions {
  name: string;
  repo?: string;
  goal?: string;
  tasksFile?: string;
  task?: string[];
  maxIterations?: number;
  until?: string;
  foreground?: boolean;
  sandbox?: boolean;
  baseline?: boolean;
  /** `--agent <profile>`: the agent CLI to drive (config `agent.profile` otherwise). */
  agent?: string;
  /** `--pipeline N`: experiments kept in flight (config `pipeline.depth` otherwise). */
  pipeline?: number;
  /** `--pipeline-gpus 0,1`: the local GPUs this one agent's runner trains on (config `pipeline.gpus` otherwise). */
  pipelineGpus?: string;
  /** Serve the dashboard beside the session (started by the command; its address goes into the state). */
  dashboard?: boolean;
  /** Its address, once served. */
  dashboardUrl?: string;
}

export interface SessionDeps {
  tmux?: TmuxApi;
  out?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  timing?: Partial<Timing>;
  onEvent?: (e: LoopEvent) => void;
  /** Wait for a detached supervisor to be up at most this long. */
  detachWaitMs?: number;
  /** Set by a lane set for each of its sessions. */
  lane?: SessionLane;
}

/** What a lane set above adds to one of its sessions: the lane's name, its environment, a section for CLAUDE.md. */
export interface SessionLane {
  name: string;
  env: Record<string, string>;
  claudeMdSection: (metric: string) => string;
}

/** `HH:MM` as the next such time of day (today, or tomorrow when already past). */
export function parseUntil(s: string, now = new Date()): Date {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(s.trim());
  if (!m) throw new UsageError(`--until must be a time of day as HH:MM (for example 07:30), not "${s}".`);
  const d = new Date(now);
  d.setHours(Number(m[1]), Number(m[2]), 0, 0);
  if (d.getTime() <= now.getTime()) d.setDate(d.getDate() + 1);
  return d;
}

function repoTop(dir: string): string {
  const top = topLevelSync(dir);
  if (top === null) throw new UsageError(`${dir} is not inside a git repository; run "git init" and commit your code first.`);
  return top;
}

/** Where the agent's memory file goes: the profile's first place that the project does not track. */
export function memoryLocation(repo: string, profile: AgentProfile): string {
  for (const rel of profile.memoryFiles) {
    if (!isTracked(repo, rel)) return rel.split('/').join(path.sep);
  }
  const all = profile.memoryFiles.join(' and ');
  throw new UsageError(`the project tracks ${all}; the supervisor needs one of them to write its instructions for ${profile.title}.`);
}

const OUR_MARK = '# Autoresearch session ';

/** Keep a user's own untracked memory file: move it to the state folder before ours replaces it. */
function keepUsersMemory(file: string, repo: string, tag: string, out?: (l: string) => void): void {
  if (!existsSync(file)) return;
  const text = readFileSync(file, 'utf8');
  if (text.startsWith(OUR_MARK)) return;
  const dest = path.join(stateDir(repo, tag), `${path.basename(file)}.before-${Date.now()}`);
  mkdirSync(path.dirname(dest), { recursive: true });
  renameSync(file, dest);
  out?.(`Moved your untracked ${path.relative(repo, file)} to ${path.relative(repo, dest)}.`);
}

interface Prepared {
  repo: string;
  config: Config;
  profile: AgentProfile;
  /** The launch line: config `agent.command`/`args` for the configured profile, else the profile's own. */
  command: string;
  args: string[];
  goal: string;
  tasks: TaskSpec[];
  until: Date | null;
  /** Where the session's runner trains what the agent submits. */
  slots: Slot[];
}

/** Everything that can be checked before anything starts (bad input fails here, in the user's terminal). */
export function validate(o: SessionOptions, env: NodeJS.ProcessEnv = process.env): Prepared {
  validateSessionName(o.name);
  const repo = repoTop(path.resolve(o.repo ?? process.cwd()));
  const config = loadConfig(repo, env);
  if (o.pipeline !== undefined) {
    if (!Number.isInteger(o.pipeline) || o.pipeline < 1 || o.pipeline > 64) throw new UsageError(`--pipeline must be a whole number from 1 to 64, not "${o.pipeline}".`);
    config.pipeline = { ...config.pipeline, depth: o.pipeline };
  }
  if (o.pipelineGpus !== undefined) config.pipeline = { ...config.pipeline, gpus: parseGpuList(o.pipelineGpus, 'slot', '--pipeline-gpus') };
  // The session runner's slots: `pipeline.gpus` locally (one each), `executor.parallel` jobs on a scheduler.
  const slots = runnerSlots(config, null);
  // Unset depth keeps every slot busy, one idea waiting while the agent thinks; one slot stays `run` as before.
  config.pipeline = { ...config.pipeline, depth: config.pipeline.depth ?? (slots.length > 1 ? slots.length + 1 : 1) };
  if (o.maxIterations !== undefined && (!Number.isInteger(o.maxIterations) || o.maxIterations < 1)) {
    throw new UsageError(`--max-iterations must be a whole number >= 1, not "${o.maxIterations}".`);
  }
  const prev = existsSync(stateDir(repo, o.name)) ? readSupervisorState(repo, o.name) : null;
  const { profile, command, args } = resolveAgent(config, resumedAgent(o.agent, prev?.agent));
  if (!findProgram(command, repo, env.PATH ?? '')) {
    throw new UsageError(`the agent command "${command}" was not found on PATH; install ${profile.title} or set agent.command in autoresearch.yaml.`);
  }
  const problem = agentPreflight(profile, command, args, repo, env);
  if (problem) throw new UsageError(problem);
  const until = o.until ? parseUntil(o.until) : null;
  const file = o.tasksFile ? loadTasksFile(path.resolve(o.tasksFile)) : null;
  const tasks = buildPlan({ config: config.tasks, file, cli: o.task ?? [], done: prev?.doneTasks ?? [] });
  const goal = o.goal?.trim() || config.objective;
  return { repo, config, profile, command, args, goal, tasks, until, slots };
}

/** A resumed session keeps the agent it ran with unless --agent names another (a lane set of claude and codex stays so). */
export function resumedAgent(given: string | undefined, before: string | undefined): string | undefined {
  return given ?? (before && (PROFILE_NAMES as readonly string[]).includes(before) ? before : undefined);
}

/** The profile (`--agent`, else config `agent.profile`) and its launch line. */
export function resolveAgent(config: Config, agent?: string): { profile: AgentProfile; command: string; args: string[] } {
  const named = agent ?? config.agent.profile;
  const profile = profileNamed(named, agent ? 'agent given to --agent' : 'agent.profile in autoresearch.yaml');
  // A configured launch line belongs to the configured profile: --agent with another profile starts that one's own.
  const cfg = named === config.agent.profile ? config.agent : { command: null, args: null };
  const command = cfg.command ?? profile.command;
  const args = cfg.args ?? (cfg.command ? [] : [...profile.args]);
  return { profile, command, args };
}

/**
 * Can the agent work at all (credentials, a CLI that starts)? Checked before the baseline, so a missing login
 * costs seconds. Each profile carries its own check (Claude Code: credentials, and `--version` answers).
 */
export function agentPreflight(profile: AgentProfile, command: string, args: readonly string[], repo: string, env: NodeJS.ProcessEnv): string | null {
  // Another program standing in for the CLI (a wrapper, a test's stand-in) has its own ways: no verdict.
  if (path.basename(command).replace(/\.exe$/i, '') !== profile.command) return null;
  return profile.preflight({ command, args, env, cwd: repo, probe: probeProgram });
}

/** A live supervisor for this tag other than this process, if any (checked on its command line, so a reused pid does not count). */
function liveSupervisor(repo: string, tag: string): number | null {
  const s = readSupervisorState(repo, tag);
  if (s && s.pid !== process.pid && s.state !== 'stopped' && s.state !== 'failed' && isSupervisorProcess(s.pid, tag)) return s.pid;
  return null;
}

function alreadyRunning(tag: string, pid: number): UsageError {
  return new UsageError(
    `session ${tag} is already running (supervisor pid ${pid}); watch it with "ar-supervise tail ${tag}" or end it with "ar-supervise kill ${tag}".`,
  );
}

/** Run the supervisor in this process until it stops. Returns the exit code. */
export async function runForeground(o: SessionOptions, deps: SessionDeps = {}): Promise<number> {
  const env = deps.env ?? process.env;
  const out = deps.out ?? ((l: string) => process.stdout.write(l + '\n'));
  const p = validate(o, env);
  const { repo, config, profile } = p;
  const tag = o.name;
  const tmux = deps.tmux ?? new Tmux();
  const mine = env.AR_SUPERVISOR_SESSION || null;
  const other = liveSupervisor(repo, tag);
  if (other) throw alreadyRunning(tag, other);

  const ac = new AbortController();
  const onSignal = () => ac.abort();
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const external = deps.signal;
  if (external) {
    if (external.aborted) ac.abort();
    else external.addEventListener('abort', onSignal, { once: true });
  }
  for (const s of signals) process.on(s, onSignal);

  const sup = supervisorSession(tag);
  const startState = {
    v: 1 as const,
    tag,
    repo,
    pid: process.pid,
    socket: tmux.socket,
    started: new Date().toISOString(),
    updated: '',
    state: 'starting' as const,
    iterations: 0,
    restarts: 0,
    currentTask: null,
    doneTasks: [] as string[],
    agentSession: agentSession(tag),
    agentPane: null,
    agentPid: null,
    supervisorSession: mine,
    ...(o.dashboardUrl ? { dashboard: o.dashboardUrl } : {}),
  };
  const prev = readSupervisorState(repo, tag);
  // A lane of a parallel session (`--gpus`/`--lanes`): its own env (CUDA_VISIBLE_DEVICES) and a view of the other lanes.
  const lane = deps.lane ?? null;
  let extraFor: string | null = null;
  let setup: Setup | null = null;
  /** Set once the loop ended normally: the report is then written after the last run is settled. */
  let ended: { warn: (o: object, msg?: string) => void } | null = null;
  // The session's own queue runner: stopped with the session (what trains is stopped and recorded, the queue stays on disk).
  const runnerStop = new AbortController();
  const stopRunner = () => runnerStop.abort();
  ac.signal.addEventListener('abort', stopRunner, { once: true });
  if (ac.signal.aborted) stopRunner();
  let draining = false;
  let queueRunner: Promise<void> | null = null;
  try {
    // 0. An agent left by a supervisor that was killed (SIGKILL, OOM) may still be in a run holding the run lock:
    // end it and its run first (the run records itself as interrupted, or reconcile below does).
    if (await tmux.hasSession(agentSession(tag))) {
      out(`Ending the agent left running by an earlier supervisor of ${tag}.`);
      await endSession(tmux, agentSession(tag), { graceMs: (config.kill_grace_seconds + 3) * 1000 });
    }
    // 1. The branch: start it (baseline included) or continue it.
    const git = new Git(repo);
    if (!(await git.branchExists(branchFor(tag)))) {
      const { initTag } = await import('../engine/init.js');
      mkdirSync(stateDir(repo, tag), { recursive: true, mode: 0o700 });
      writeSupervisorState({ ...startState });
      const laneOpts = lane ? { lane: lane.name, env: lane.env } : {};
      await initTag(repo, tag, { baseline: o.baseline !== false, out, config, signal: ac.signal, ...laneOpts });
      if (ac.signal.aborted) return 130;
    } else {
      const { resumeTag } = await import('../engine/resume.js');
      const r = await resumeTag(repo, tag);
      if (r.interrupted) out(`Run ${r.interrupted.id} had been cut off; it is recorded as an interrupted crash.`);
      if (r.ledgerRepaired) out(`results.tsv did not match the records; the old file is kept as ${r.ledgerRepaired}.`);
    }
    writeSupervisorState({ ...startState, iterations: prev?.iterations ?? 0, doneTasks: prev?.doneTasks ?? [] });

    // 2. The repo, for the agent: its memory file, its turn-end signal, the shim; all kept out of git.
    const memoryRel = memoryLocation(repo, profile);
    const memory = path.join(repo, memoryRel);
    keepUsersMemory(memory, repo, tag, out);
    mkdirSync(path.dirname(memory), { recursive: true });
    addToExclude(repo, ['/' + memoryRel.split(path.sep).join('/'), ...profile.excludes]);
    const hook = hookScript();
    if (!existsSync(hook)) out(`Note: ${hook} is missing (build with "npm run build"); the agent's turns are read from its screen.`);
    const shims = shimDir(repo, tag);
    writeShim(shims);
    const aenv = agentEnv(env, { profile, sandbox: !!o.sandbox, shimDir: shims });
    if (lane) Object.assign(aenv, lane.env);
    setup = profile.setup({ repo, stateDir: stateDir(repo, tag), hook: existsSync(hook) ? hookArgv(eventsPath(repo, tag), hook) : null, shimDir: shims, env: aenv });
    for (const n of setup.notes) out(n);
    const args = [...p.args, ...setup.args];
    // Each run the agent makes records which agent and model made it.
    const model = profile.model(args, aenv);
    aenv.AR_AGENT = profile.name;
    if (model) aenv.AR_MODEL = model;
    else delete aenv.AR_MODEL;
    if (lane) {
      extraFor = memory;
      setClaudeMdExtra(memory, () => lane.claudeMdSection(config.metric));
    }
    const argv = agentArgv(profile, p.command, args, aenv);

    // 3. The loop.
    const log = createLogger(repo, tag, 'supervisor');
    log.info({ tag, socket: tmux.socket, profile: profile.name, agent: [p.command, ...p.args], sandbox: !!o.sandbox, tasks: p.tasks.length }, 'supervisor start');
    out(`Supervising ${p.command} in tmux session ${agentSession(tag)} (socket ${tmux.socket}); watch it with "ar-supervise tail ${tag}".`);
    // What the agent submits trains here, in this process, with the agent's environment, and ends with the session
    // (an earlier session's cut-off experiments are settled first).
    queueRunner = runForSession({ repo, tag, config, slots: p.slots, env: aenv, signal: runnerStop.signal, drain: () => draining, log: createLogger(repo, tag, 'runner') });
    const loop = new Supervisor(tmux, {
      repo,
      tag,
      config,
      profile,
      goal: p.goal,
      tasks: p.tasks,
      memoryPath: memory,
      agentArgv: argv,
      agentEnv: aenv,
      maxIterations: o.maxIterations ?? null,
      until: p.until,
      iterationsBefore: prev?.iterations ?? 0,
      doneTasks: prev?.doneTasks ?? [],
      supervisorSession: mine,
      dashboard: o.dashboardUrl ?? null,
      // Ending the agent also ends a run in progress: give the engine time to stop training and record it.
      timing: { killGraceMs: (config.kill_grace_seconds + 3) * 1000, ...deps.timing },
      signal: ac.signal,
      onEvent: deps.onEvent,
      log,
      out,
      // Each turn reads only what was appended to runs.jsonl.
      readRecords: followRecords(repo, tag),
      inflight: () => readQueue(repo, tag).length,
      // Between turns the agent is not editing: a clean tree follows a best the queue moved.
      beforePrompt: () => syncWorkTree(repo, tag).then(() => {}),
    });
    const r = await loop.run();
    if (r.reason === 'max-iterations' && !runnerStop.signal.aborted) {
      // The last turns' ideas are measured before the report; `kill` stops them.
      const left = readQueue(repo, tag).length;
      if (left) out(`Measuring the ${left} experiment${left === 1 ? '' : 's'} still queued or running before stopping ("ar-supervise kill ${tag}" stops ${left === 1 ? 'it' : 'them'}).`);
      draining = true;
      await queueRunner;
    }
    if (r.error) {
      out(`Session ${tag} failed after ${r.iterations} turns: ${r.error}`);
      const s = readSupervisorState(repo, tag);
      if (s) writeSupervisorState({ ...s, exitCode: 1 });
    } else out(`Stopped (${r.reason}) after ${r.iterations} turns${r.restarts ? `, ${r.restarts} agent restarts` : ''}.`);
    await announceEnd(repo, tag, config, r, log);
    ended = log;
    return r.error ? 1 : 0;
  } catch (e) {
    const s = readSupervisorState(repo, tag);
    const code = e instanceof UsageError ? 2 : 1;
    writeSupervisorState({ ...(s && s.pid === process.pid ? s : startState), state: 'failed', error: (e as Error).message, exitCode: code, endedAt: new Date().toISOString() });
    throw e;
  } finally {
    for (const s of signals) process.off(s, onSignal);
    external?.removeEventListener('abort', onSignal);
    ac.signal.removeEventListener('abort', stopRunner);
    if (extraFor) setClaudeMdExtra(extraFor, null);
    // Nothing of ours is left running; a cut-off run is settled so ledger and branch agree.
    stopRunner();
    await endSession(tmux, agentSession(tag)).catch(() => []);
    await queueRunner;
    setup?.undo();
    try {
      const { resumeTag } = await import('../engine/resume.js');
      const git = new Git(repo);
      if (await git.branchExists(branchFor(tag))) await resumeTag(repo, tag);
    } catch {
      // best effort: the next start settles it
    }
    if (ended) await morningReport(repo, tag, out, ended);
    if (mine && mine === sup) {
      const s = readSupervisorState(repo, tag);
      // A clean end closes our own window; a failure leaves it for `tail`/`status` to show.
      if (s && s.state === 'stopped') await tmux.killSession(sup).catch(() => undefined);
    }
  }
}

/**
 * The night is over and settled: the report is written (and its cache left warm, so the morning's
 * `ar-supervise report` is quick). Never fatal: the ledger is the record, the report a view of it.
 */
async function morningReport(repo: string, tag: string, out: (line: string) => void, log: { warn: (o: object, msg?: string) => void }): Promise<void> {
  try {
    const { buildReport } = await import('../report/index.js');
    const r = await buildReport({ repo, tag });
    out(`Report: ${path.relative(repo, r.paths.markdown)} (and ${path.basename(r.paths.png)}).`);
  } catch (e) {
    log.warn({ err: (e as Error).message }, 'session-end report failed');
  }
}

/** The night is over: say so (bell, desktop, webhook) with the numbers from the ledger. Never fatal. */
async function announceEnd(
  repo: string,
  tag: string,
  config: Config,
  r: { reason: string; iterations: number; restarts?: number; error?: string },
  log: { warn: (o: object, msg?: string) => void },
): Promise<void> {
  try {
    const { records } = readRecords(repo, tag);
    const best = bestRun(records);
    const { notify } = await import('../notify.js');
    await notify(
      {
        kind: 'session-end',
        title: r.error ? `autoresearch ${tag}: failed: ${r.error}` : `autoresearch ${tag}: stopped (${r.reason})`,
        summary: {
          tag,
          reason: r.reason,
          ...(r.error ? { error: r.error } : {}),
          turns: r.iterations,
          runs: records.length,
          keeps: records.filter((x) => x.status === 'keep').length,
          crashes: records.filter((x) => x.status === 'crash').length,
          metric: config.metric,
          best: best ? best.value : null,
          bestCommit: best ? best.commit.slice(0, 7) : null,
        },
      },
      config.notify,
      (msg) => log.warn({ notify: msg }, 'notification failed'),
    );
  } catch (e) {
    log.warn({ err: (e as Error).message }, 'session-end notification failed');
  }
}

/** Forwarded options for the detached `--foreground` process. */
export function foregroundArgs(o: SessionOptions, repo: string): string[] {
  const a = ['--session', o.name, '--foreground', '--repo', repo];
  if (o.goal) a.push('--goal', o.goal);
  if (o.tasksFile) a.push('--tasks', path.resolve(o.tasksFile));
  for (const t of o.task ?? []) a.push('--task', t);
  if (o.maxIterations !== undefined) a.push('--max-iterations', String(o.maxIterations));
  if (o.pipeline !== undefined) a.push('--pipeline', String(o.pipeline));
  if (o.pipelineGpus !== undefined) a.push('--pipeline-gpus', o.pipelineGpus);
  if (o.until) a.push('--until', o.until);
  if (o.sandbox) a.push('--sandbox');
  if (o.baseline === false) a.push('--no-baseline');
  if (o.agent) a.push('--agent', o.agent);
  if (o.dashboard) a.push('--dashboard');
  return a;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Start the supervisor detached in tmux (`ar-<name>-sup`), wait until it is up, and say how to follow it. */
export async function startDetached(o: SessionOptions, deps: SessionDeps = {}): Promise<number> {
  const env = deps.env ?? process.env;
  const out = deps.out ?? ((l: string) => process.stdout.write(l + '\n'));
  const p = validate(o, env);
  const tag = o.name;
  const tmux = deps.tmux ?? new Tmux();
  const other = liveSupervisor(p.repo, tag);
  if (other) throw alreadyRunning(tag, other);
  const sup = supervisorSession(tag);
  // Leftovers of an earlier session that ended badly (dead panes): clear them.
  for (const s of [sup, agentSession(tag)]) {
    if (await tmux.hasSession(s)) await endSession(tmux, s);
  }
  const sandboxVar = p.profile.sandboxVar;
  const senv = agentEnv(env, { profile: p.profile, sandbox: false });
  if (sandboxVar) {
    delete senv[sandboxVar]; // the supervisor passes it on only with --sandbox
    if (env[sandboxVar] !== undefined) senv[sandboxVar] = env[sandboxVar]!;
  }
  senv.AR_SUPERVISOR_SESSION = sup;
  if (deps.lane) Object.assign(senv, deps.lane.env);
  senv.AR_TMUX_SOCKET = tmux.socket;
  const pane = await tmux.newSession({
    name: sup,
    cwd: p.repo,
    argv: [process.execPath, cliScript(), ...foregroundArgs(o, p.repo)],
    env: senv,
    width: PANE_WIDTH,
    height: PANE_HEIGHT,
    remainOnExit: true,
  });
  const info = await tmux.paneInfo(pane);
  const pid = info?.pid ?? null;
  const deadline = Date.now() + (deps.detachWaitMs ?? 20000);
  let state = 'starting';
  let dashboard: string | null = null;
  while (Date.now() < deadline) {
    const s = readSupervisorState(p.repo, tag);
    if (s && s.pid === pid) {
      state = s.state;
      dashboard = s.dashboard ?? null;
      if (s.state === 'failed') {
        out(`The supervisor stopped: ${s.error ?? 'see its log'}`);
        await endSession(tmux, sup);
        return s.exitCode ?? 1;
      }
      if (s.state !== 'starting') break;
    }
    const pi = await tmux.paneInfo(pane);
    if (!pi || pi.dead) {
      const screen = pi ? await tmux.capture(pane).catch(() => '') : '';
      const lines = screen.split('\n').filter((l) => l.trim() !== '' && !/^Pane is dead/.test(l));
      out(`The supervisor exited at once:${lines.length ? '\n' + lines.slice(-15).join('\n') : ' (no output)'}`);
      await endSession(tmux, sup);
      return 1;
    }
    await sleep(200);
  }
  out(
    state === 'starting'
      ? `Session ${tag} is setting up in the background (branch, baseline run of about ${p.config.budget_seconds} s).`
      : `Session ${tag} is running in the background (supervisor pid ${pid}).`,
  );
  out(`  watch:  ar-supervise tail ${tag}`);
  out(`  status: ar-supervise status`);
  out(`  stop:   ar-supervise kill ${tag}`);
  if (dashboard) out(`  dashboard: ${dashboard}`);
  return 0;
}
