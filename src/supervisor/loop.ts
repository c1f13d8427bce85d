// The policy: keep one agent working through the night. Tasks in priority order, then the standing "continue"
// prompt; the memory file refreshed from the ledger after each turn; stops (max iterations, --until, a signal) and
// restarts (an agent that died, restart_after_turns). It does not know which agent it drives: the driver runs it
// through its profile, and everything that happens goes into one event stream (the journal derives the rest).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { TmuxApi } from '../adapters/tmux.js';
import { DEFAULT_PROFILE, profileNamed } from '../agents/index.js';
import { hookArgv } from '../agents/hook-path.js';
import type { TurnFailure } from '../agents/failure.js';
import type { AgentProfile } from '../agents/profile.js';
import { recordUnavailable } from '../unavailable.js';
import { RetryPolicy, type UnavailablePeriod } from './retry.js';
import { defaultConfig, type Config, type TaskSpec } from '../config.js';
import { stateDir } from '../paths.js';
import { ToolError } from '../errors.js';
import type { RunRecord } from '../engine/types.js';
import { resultLine } from '../engine/format.js';
import { followRecords } from '../engine/records.js';
import { bestRun, renderPrompt, writeClaudeMd, type ClaudeMdInput } from './claudemd.js';
import { AgentDriver, DEFAULT_TIMING, type Ended, type Timing } from './driver.js';
import type { LoopEvent } from './events.js';
import { eventsPath, screenDumpPath, agentSession } from './files.js';
import { Journal, quietLog, type LogLike } from './journal.js';
import type { TreeKiller } from './launch.js';
import type { SupervisorState } from './state.js';
import { Inbox, inboxPath, TaskQueue } from './tasks.js';

export { DEFAULT_TIMING, visibleControls, type Timing } from './driver.js';
export type { LoopEvent } from './events.js';
export type { LogLike } from './journal.js';

export interface SupervisorOptions {
  repo: string;
  tag: string;
  config: Config;
  /** The agent's profile (what differs between CLIs). */
  profile: AgentProfile;
  /** The research goal for the memory file (`--goal` or config objective). */
  goal: string;
  tasks: TaskSpec[];
  /** The memory file the agent reads (CLAUDE.md, AGENTS.md ...), written from the template. */
  memoryPath: string;
  agentArgv: string[];
  agentEnv: Record<string, string>;
  maxIterations?: number | null;
  until?: Date | null;
  /** Iterations and tasks done by an earlier supervisor of this session. */
  iterationsBefore?: number;
  doneTasks?: string[];
  supervisorSession?: string | null;
  /** The address of a dashboard served beside this session, kept in its state for `status`. */
  dashboard?: string | null;
  timing?: Partial<Timing>;
  signal?: AbortSignal;
  onEvent?: (e: LoopEvent) => void;
  log?: LogLike;
  /** One line per notable step, for the terminal. */
  out?: (line: string) => void;
  readRecords: (repo: string, tag: string) => { records: RunRecord[]; warnings: string[] };
  /** With a pipeline (config pipeline.depth > 1): how many experiments are queued or running now. */
  inflight?: () => number;
  /** Called before each prompt with a pipeline (the agent is between turns). */
  beforePrompt?: () => Promise<void>;
  killTree?: TreeKiller;
  now?: () => number;
}

export interface LoopResult {
  iterations: number;
  restarts: number;
  reason: string;
  /** Set when the agent could not work (reason 'agent-failed'): one sentence with the cause and the fix. */
  error?: string;
}

export class Supervisor {
  readonly timing: Timing;
  private readonly queue: TaskQueue;
  private readonly inbox: Inbox;
  private readonly log: LogLike;
  private readonly journal: Journal;
  private readonly driver: AgentDriver;
  private readonly now: () => number;
  private records: RunRecord[] = [];
  private turnsSinceLaunch = 0;
  private earlyDeaths = 0;
  private reachedReady = false;
  private stopReason: string | null = null;
  private readonly retry: RetryPolicy;
  /** Why the agent cannot work, when a failed turn ended the session. */
  private failure: string | null = null;
  /** Experiments kept in flight: the next idea is asked for while fewer than this are queued or running. */
  private readonly depth: number;
  /** Runs already handed to the agent in a prompt (null until the first prompt). */
  private seen: number | null = null;

  constructor(
    tmux: TmuxApi,
    private readonly o: SupervisorOptions,
  ) {
    this.depth = o.config.pipeline?.depth ?? 1;
    this.timing = { ...DEFAULT_TIMING, unknownTimeoutMs: o.config.supervisor.unknown_screen_timeout * 1000, ...o.timing };
    this.queue = new TaskQueue(o.tasks);
    this.inbox = new Inbox(inboxPath(o.repo, o.tag));
    this.log = o.log ?? quietLog;
    this.now = o.now ?? Date.now;
    const sv = o.config.supervisor;
    this.retry = new RetryPolicy({ initialMs: sv.backoff_initial * 1000, maxMs: sv.backoff_max * 1000, limitMs: sv.unavailable_limit * 1000 });
    const session = agentSession(o.tag);
    const st: SupervisorState = {
      v: 1,
      tag: o.tag,
      repo: o.repo,
      pid: process.pid,
      socket: tmux.socket,
      started: new Date().toISOString(),
      updated: '',
      state: 'starting',
      iterations: o.iterationsBefore ?? 0,
      restarts: 0,
      currentTask: null,
      doneTasks: [...(o.doneTasks ?? [])],
      agent: o.profile.name,
      model: o.profile.model(o.agentArgv, o.agentEnv),
      agentSession: session,
      agentPane: null,
      agentPid: null,
      supervisorSession: o.supervisorSession ?? null,
      ...(o.dashboard ? { dashboard: o.dashboard } : {}),
    };
    this.journal = new Journal(st, { log: this.log, out: o.out, onEvent: o.onEvent });
    this.driver = new AgentDriver(tmux, {
      profile: o.profile,
      session,
      cwd: o.repo,
      argv: o.agentArgv,
      env: o.agentEnv,
      eventsFile: eventsPath(o.repo, o.tag),
      dumpPath: (what) => screenDumpPath(o.repo, o.tag, what),
      timing: this.timing,
      emit: (e) => this.emit(e),
      stopping: () => this.stopping() !== null,
      signal: o.signal,
      killTree: o.killTree,
      now: this.now,
    });
  }

  get state(): Readonly<SupervisorState> {
    return this.journal.st;
  }

  private emit(e: LoopEvent): void {
    if (e.type === 'ready') {
      this.reachedReady = true;
      this.earlyDeaths = 0;
    }
    this.journal.record(e);
  }

  /** Why the loop should stop now, or null. */
  private stopping(): string | null {
    if (this.stopReason) return this.stopReason;
    if (this.o.signal?.aborted) return (this.stopReason = 'signal');
    if (this.o.until && this.now() >= this.o.until.getTime()) return (this.stopReason = 'until');
    return null;
  }

  private refreshRecords(): void {
    try {
      const { records, warnings } = this.o.readRecords(this.o.repo, this.o.tag);
      this.records = records;
      for (const w of warnings) this.log.warn({ warning: w }, 'ledger');
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'cannot read the records');
    }
  }

  private memoryInput(): ClaudeMdInput {
    return {
      tag: this.o.tag,
      config: this.o.config,
      goal: this.o.goal,
      records: this.records,
      tasks: this.queue.remaining(),
      currentTask: this.state.currentTask,
      memory: path.basename(this.o.memoryPath),
      ...(this.depth > 1 ? { pipeline: { finished: this.finished().map(resultLine), inflight: this.o.inflight?.() ?? 0 } } : {}),
    };
  }

  /** Runs recorded since the last prompt (none before the first: the agent reads the history in its memory file). */
  private finished(): RunRecord[] {
    return this.seen === null ? [] : this.records.slice(this.seen);
  }

  /** Pipeline: wait while `depth` experiments are queued or running; then the next idea is asked for. */
  private async waitForRoom(): Promise<boolean> {
    while (!this.stopping()) {
      if ((this.o.inflight?.() ?? 0) < this.depth) {
        await this.o.beforePrompt?.().catch((e: Error) => this.log.warn({ err: e.message }, 'could not bring the tree to the best'));
        // Read after the count: an experiment leaves the queue after its record is written, so the prompt has it.
        this.refreshMemory();
        return true;
      }
      await this.driver.sleep(Math.max(50, this.timing.pollMs * 5));
    }
    return false;
  }

  /** Rewrite the memory file from the ledger and the plan. */
  refreshMemory(): void {
    this.refreshRecords();
    writeClaudeMd(this.o.memoryPath, this.memoryInput());
  }

  /** Start the agent in a fresh session, its memory file rewritten first. */
  private async launch(restart: boolean): Promise<void> {
    await this.driver.end();
    this.refreshMemory();
    this.turnsSinceLaunch = 0;
    this.reachedReady = false;
    await this.driver.launch(restart);
  }

  /** End the agent and its whole process tree. */
  endAgent(): Promise<number[]> {
    return this.driver.end();
  }

  private async restart(reason: string): Promise<void> {
    this.emit({ type: 'restart', at: this.now(), reason });
    await this.launch(true);
  }

  /** The agent's pane died: count deaths before it was ever ready, and give up after three. */
  private async onDeath(screen: string): Promise<void> {
    // A program that exits at once may leave its last words in the history only.
    this.driver.failIfFatal(screen);
    if (this.reachedReady) {
      this.earlyDeaths = 0;
      await this.restart('the agent exited');
      return;
    }
    this.earlyDeaths++;
    if (this.earlyDeaths >= 3) {
      const file = this.driver.saveScreen('exited', screen);
      throw new ToolError(`the agent exited ${this.earlyDeaths} times before it was ready; its last screen is in ${file}.`);
    }
    await this.driver.sleep(500 * this.earlyDeaths);
    await this.restart('the agent exited before it was ready');
  }

  /** The agent is gone: its pane died (decide from its last words) or it must be started again. */
  private async onEnded(e: Exclude<Ended, 'stopped'>): Promise<void> {
    if ('died' in e) await this.onDeath(e.died);
    else await this.restart(e.restart);
  }

  private afterTurn(task: string | null, by: string): void {
    this.turnsSinceLaunch++;
    this.refreshMemory();
    const best = bestRun(this.records);
    this.emit({
      type: 'iteration',
      at: this.now(),
      n: this.state.iterations + 1,
      runs: this.records.length,
      task,
      by,
      best: best ? { metric: this.o.config.metric, value: best.value, commit: best.commit } : null,
    });
  }

  /** A turn went through: a stretch of unavailability (if any) is over. */
  private agentBack(): void {
    const p = this.retry.onSuccess(this.now());
    if (!p) return;
    this.writePeriod(p);
    this.emit({ type: 'agent-back', at: p.to!, from: p.from, cause: p.cause });
  }

  private writePeriod(p: UnavailablePeriod): void {
    try {
      recordUnavailable(this.o.repo, this.o.tag, { from: new Date(p.from).toISOString(), to: p.to === null ? null : new Date(p.to).toISOString(), cause: p.cause });
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'cannot record the unavailable time');
    }
  }

  /** Wait until a time, waking for a stop (signal, --until). */
  private async waitUntil(until: number): Promise<void> {
    while (!this.stopping()) {
      const left = until - this.now();
      if (left <= 0) return;
      await this.driver.sleep(Math.min(left, 1000));
    }
  }

  /**
   * A turn failed (the API refused it, or the agent could not reach it): it is not a turn, and its task goes back
   * to the front. Stop, wait or restart as the retry policy says; the agent and its context stay unless it must
   * start afresh.
   */
  private async afterFailure(f: TurnFailure, task: TaskSpec | null): Promise<'stop' | 'go'> {
    if (task) this.queue.unshift(task);
    const now = this.now();
    const wasOpen = this.retry.open !== null;
    const d = this.retry.onFailure(f, now);
    const open = this.retry.open;
    if (open && !wasOpen) this.writePeriod(open);
    const waitMs = d.action === 'wait' ? d.untilMs - now : 0;
    this.emit({
      type: 'turn-failed',
      at: now,
      kind: f.kind,
      cause: f.cause,
      detail: f.detail,
      action: d.action,
      waitMs,
      ...(d.action === 'wait' ? { untilMs: d.untilMs, usageLimit: d.usageLimit } : {}),
      task: task?.text ?? null,
    });
    if (d.action === 'stop') {
      this.failure = d.reason;
      this.stopReason = 'agent-failed';
      return 'stop';
    }
    if (d.action === 'restart') {
      await this.restart(d.reason);
      return 'go';
    }
    await this.waitUntil(d.untilMs);
    this.emit({ type: 'phase', at: this.now(), phase: 'ready' });
    return 'go';
  }

  private reachedMax(): boolean {
    const max = this.o.maxIterations;
    return typeof max === 'number' && max > 0 && this.state.iterations - (this.o.iterationsBefore ?? 0) >= max;
  }

  /** Run until a stop condition; always ends the agent it started. */
  async run(): Promise<LoopResult> {
    this.journal.flush();
    let error: string | undefined;
    try {
      while (!this.stopping()) {
        if (!this.driver.running) await this.launch(false);
        const r = await this.driver.untilReady();
        if (r === 'stopped') break;
        if (r !== 'ready') {
          await this.onEnded(r);
          continue;
        }
        // Tasks added while running (the dashboard); a resumed session skips those already sent.
        for (const t of this.inbox.take()) if (!this.state.doneTasks.includes(t.text)) this.queue.add(t);
        if (this.depth > 1 && !(await this.waitForRoom())) break;
        const task = this.queue.peek();
        const prompt = renderPrompt(this.memoryInput(), task);
        const seenNow = this.records.length;
        const t0 = this.now();
        const s = await this.driver.submit(prompt, task?.text ?? null);
        if (s === 'stopped') break;
        if (s === 'died') {
          await this.onDeath(await this.driver.lastWords());
          continue;
        }
        if (s === 'failed') {
          await this.restart('a prompt was not taken after two presses of Enter');
          continue;
        }
        if (task) this.queue.shift();
        this.seen = seenNow;
        const end = await this.driver.waitTurnEnd(t0);
        if (end === 'stopped') break;
        if (end === 'died') {
          this.afterTurn(task?.text ?? null, 'exit');
          if (this.reachedMax()) {
            this.stopReason = 'max-iterations';
            break;
          }
          await this.restart('the agent exited during a turn');
          continue;
        }
        if (end.failure) {
          if ((await this.afterFailure(end.failure, task)) === 'stop') break;
          continue;
        }
        this.emit({ type: 'turn-end', at: this.now(), by: end.by, hookTime: end.hookTime });
        this.afterTurn(task?.text ?? null, end.by);
        this.agentBack();
        if (this.reachedMax()) {
          this.stopReason = 'max-iterations';
          break;
        }
        const every = this.o.config.supervisor.restart_after_turns;
        if (every > 0 && this.turnsSinceLaunch >= every) await this.restart(`${every} turns since the last start (restart_after_turns)`);
      }
    } catch (e) {
      this.stopReason = 'error';
      error = (e as Error).message;
      throw e;
    } finally {
      this.emit({ type: 'phase', at: this.now(), phase: 'stopping' });
      await this.endAgent().catch(() => []);
      this.driver.close();
      const open = this.retry.close(this.now());
      if (open) this.writePeriod(open);
      error ??= this.failure ?? undefined;
      this.emit({ type: 'stopped', at: this.now(), reason: this.stopReason ?? 'signal', ...(error !== undefined ? { error, failed: true } : {}) });
    }
    const r: LoopResult = { iterations: this.state.iterations, restarts: this.state.restarts, reason: this.stopReason ?? 'signal' };
    if (this.failure) r.error = this.failure;
    return r;
  }
}

/** From a run's events: ms from each turn's end (the Stop hook's time) to the next prompt being taken. */
export function turnLatencies(events: LoopEvent[]): number[] {
  const out: number[] = [];
  let end: number | null = null;
  for (const e of events) {
    if (e.type === 'turn-end') end = e.hookTime ?? e.at;
    if (e.type === 'submitted' && end !== null) {
      out.push(e.at - end);
      end = null;
    }
  }
  return out;
}

/**
 * For the benchmark: run the loop for `turns` turns against an agent (the fake one, say) in a scratch folder
 * (no git needed), with the profile's turn-end signal installed (Claude Code's by default), and return the latency
 * from each turn's end (the Stop hook's time) to the next prompt being taken, plus every event (none kept when the
 * caller takes them with onEvent: a soak of many turns). `records`: read the tag's runs.jsonl as a session does.
 */
export async function measureTurnLatency(o: {
  dir: string;
  tmux: TmuxApi;
  agentArgv: string[];
  agentEnv: Record<string, string>;
  turns: number;
  timing?: Partial<Timing>;
  tag?: string;
  profile?: AgentProfile;
  onEvent?: (e: LoopEvent) => void;
  records?: boolean;
  signal?: AbortSignal;
}): Promise<{ latenciesMs: number[]; events: LoopEvent[] }> {
  const tag = o.tag ?? 'bench';
  const events: LoopEvent[] = [];
  const latenciesMs: number[] = [];
  let end: number | null = null;
  const onEvent = (e: LoopEvent) => {
    if (e.type === 'turn-end') end = e.hookTime ?? e.at;
    if (e.type === 'submitted' && end !== null) {
      latenciesMs.push(e.at - end);
      end = null;
    }
    if (o.onEvent) o.onEvent(e);
    else events.push(e);
  };
  mkdirSync(stateDir(o.dir, tag), { recursive: true });
  const profile = o.profile ?? profileNamed(DEFAULT_PROFILE);
  const setup = profile.setup({ repo: o.dir, stateDir: stateDir(o.dir, tag), hook: hookArgv(eventsPath(o.dir, tag)), shimDir: '', env: o.agentEnv });
  try {
    const sup = new Supervisor(o.tmux, {
      repo: o.dir,
      tag,
      config: defaultConfig(),
      profile,
      goal: 'Benchmark the supervisor.',
      tasks: [],
      memoryPath: path.join(o.dir, profile.memoryFiles[0]!),
      agentArgv: o.agentArgv,
      agentEnv: o.agentEnv,
      maxIterations: o.turns,
      timing: o.timing,
      signal: o.signal,
      onEvent,
      readRecords: o.records ? followRecords(o.dir, tag) : () => ({ records: [], warnings: [] }),
    });
    await sup.run();
  } finally {
    setup.undo();
  }
  return { latenciesMs, events };
}
