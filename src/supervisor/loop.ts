// The supervisor loop: keep one agent alive in tmux, pass its dialogs, send it the next task when a turn ends,
// refresh CLAUDE.md from the ledger, and stop cleanly. tmux comes in as an interface so tests can record it.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { classifyScreen, dialogKeys, inputBoxText } from '../agent/screens.js';
import { classifyTurnFailure, turnFailureText, type TurnFailure } from '../agent/failures.js';
import { recordUnavailable } from '../unavailable.js';
import { RetryPolicy, fmtClock, fmtWait, type UnavailablePeriod } from './retry.js';
import type { TmuxApi } from '../adapters/tmux.js';
import { defaultConfig, type Config, type TaskSpec } from '../config.js';
import { stateDir } from '../paths.js';
import { ToolError, UsageError } from '../errors.js';
import type { HookEvent } from '../agent/hook.js';
import type { RunRecord } from '../engine/types.js';
import { bestRun, fmtValue, renderPrompt, writeClaudeMd, type ClaudeMdInput } from './claudemd.js';
import { eventsPath, hookScript, screenDumpPath, agentSession } from './files.js';
import { EventReader, installHooks, removeHooks } from './hooks.js';
import { endSession, launchInTmux, redact, type TreeKiller } from './launch.js';
import { writeSupervisorState, type SupervisorPhase, type SupervisorState } from './state.js';
import { TaskQueue } from './tasks.js';

export interface Timing {
  /** How often hook events are read. */
  pollMs: number;
  /** How often the screen is captured while waiting. */
  screenMs: number;
  /** Pause between typing the text and pressing Enter. */
  submitPauseMs: number;
  /** How long to wait for the typed text to show in the box before pressing Enter anyway. */
  typedWaitMs: number;
  /** How long to wait for a submission to be seen, per Enter. */
  submitVerifyMs: number;
  /** A ready screen this long (with no hooks heard) ends a turn. */
  readyStableMs: number;
  /** With hooks heard, a ready screen without a Stop event ends a turn only after this long. */
  hookTrustMs: number;
  /** An unrecognised screen this long is an error. */
  unknownTimeoutMs: number;
  /** Grace between SIGTERM and SIGKILL when ending the agent. */
  killGraceMs: number;
  /** A dialog that stays the same after our keys gets them again only after this long. */
  dialogRepeatMs: number;
}

export const DEFAULT_TIMING: Timing = {
  pollMs: 100,
  screenMs: 250,
  submitPauseMs: 150,
  typedWaitMs: 2000,
  submitVerifyMs: 3000,
  readyStableMs: 1500,
  hookTrustMs: 15000,
  unknownTimeoutMs: 60000,
  killGraceMs: 5000,
  dialogRepeatMs: 2000,
};

export type LoopEvent =
  | { type: 'launched'; at: number; pane: string; pid: number | null; restart: boolean }
  | { type: 'dialog'; at: number; state: string; keys: string[] }
  | { type: 'ready'; at: number }
  | { type: 'typed'; at: number; task: string | null }
  | { type: 'submitted'; at: number; task: string | null; by: 'hook' | 'screen'; retried: boolean }
  | { type: 'turn-end'; at: number; by: 'hook' | 'screen'; hookTime: number | null }
  | { type: 'iteration'; at: number; n: number; runs: number }
  | { type: 'turn-failed'; at: number; kind: TurnFailure['kind']; cause: string; action: 'stop' | 'wait' | 'restart'; waitMs: number }
  | { type: 'restart'; at: number; reason: string }
  | { type: 'stopped'; at: number; reason: string };

export interface LogLike {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const quietLog: LogLike = { info() {}, warn() {}, error() {} };

export interface SupervisorOptions {
  repo: string;
  tag: string;
  config: Config;
  /** The research goal for CLAUDE.md (`--goal` or config objective). */
  goal: string;
  tasks: TaskSpec[];
  claudeMdPath: string;
  agentArgv: string[];
  agentEnv: Record<string, string>;
  maxIterations?: number | null;
  until?: Date | null;
  /** Iterations and tasks done by an earlier supervisor of this session. */
  iterationsBefore?: number;
  doneTasks?: string[];
  supervisorSession?: string | null;
  timing?: Partial<Timing>;
  signal?: AbortSignal;
  onEvent?: (e: LoopEvent) => void;
  log?: LogLike;
  /** One line per notable step, for the terminal. */
  out?: (line: string) => void;
  readRecords: (repo: string, tag: string) => { records: RunRecord[]; warnings: string[] };
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

type Ended = 'stopped' | 'died';

/** Lines of history read from a dead pane (its last words may have scrolled off). */
const DEAD_HISTORY = 200;

/** What the dialog handler remembers between captures. */
interface DialogMemo {
  prev: string;
  sent: string;
  sentAt: number;
}

const ROOT_REFUSAL =
  'Claude Code refuses --dangerously-skip-permissions as root; run as another user, or pass --sandbox (sets IS_SANDBOX=1) if this machine is a disposable sandbox.';

/**
 * Text goes to the agent as text: a control character in a task or a description (an escape sequence, a CR,
 * the end of a bracketed paste) would act as a key, so each is shown as its Unicode control picture
 * (ESC as ␛, CR as ␍). Newlines and tabs stay; CRLF becomes a newline.
 */
export function visibleControls(text: string): string {
  return text
    .replace(/\r\n/g, '\n')
    .replace(/[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]/g, (c) => {
      const n = c.charCodeAt(0);
      return n < 0x20 ? String.fromCharCode(0x2400 + n) : n === 0x7f ? '\u2421' : `<U+${n.toString(16).toUpperCase().padStart(4, '0')}>`;
    });
}

export class Supervisor {
  readonly timing: Timing;
  private readonly queue: TaskQueue;
  private readonly reader: EventReader;
  private readonly log: LogLike;
  private readonly session: string;
  private readonly st: SupervisorState;
  private readonly now: () => number;
  private pane: string | null = null;
  private records: RunRecord[] = [];
  private hooksHeard = false;
  private turnsSinceLaunch = 0;
  private earlyDeaths = 0;
  private reachedReady = false;
  private pendingStop: HookEvent | null = null;
  /** The agent said it is ending (SessionEnd hook): do not type into it. */
  private sessionEnded = false;
  private submitSeenSince: number | null = null;
  private stopReason: string | null = null;
  private readonly retry: RetryPolicy;
  /** Why the agent cannot work, when a failed turn ended the session. */
  private failure: string | null = null;

  constructor(
    private readonly tmux: TmuxApi,
    private readonly o: SupervisorOptions,
  ) {
    this.timing = { ...DEFAULT_TIMING, unknownTimeoutMs: o.config.supervisor.unknown_screen_timeout * 1000, ...o.timing };
    this.queue = new TaskQueue(o.tasks);
    this.reader = new EventReader(eventsPath(o.repo, o.tag));
    this.log = o.log ?? quietLog;
    this.session = agentSession(o.tag);
    this.now = o.now ?? Date.now;
    const sv = o.config.supervisor;
    this.retry = new RetryPolicy({ initialMs: sv.backoff_initial * 1000, maxMs: sv.backoff_max * 1000, limitMs: sv.unavailable_limit * 1000 });
    this.st = {
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
      agentSession: this.session,
      agentPane: null,
      agentPid: null,
      supervisorSession: o.supervisorSession ?? null,
    };
  }

  get state(): Readonly<SupervisorState> {
    return this.st;
  }

  private emit(e: LoopEvent): void {
    try {
      this.o.onEvent?.(e);
    } catch {
      // an observer's fault is not ours
    }
  }

  private setPhase(p: SupervisorPhase, extra: Partial<SupervisorState> = {}): void {
    Object.assign(this.st, extra);
    const changed = this.st.state !== p || Object.keys(extra).length > 0;
    this.st.state = p;
    if (changed) writeSupervisorState(this.st);
  }

  /** Why the loop should stop now, or null. */
  private stopping(): string | null {
    if (this.stopReason) return this.stopReason;
    if (this.o.signal?.aborted) return (this.stopReason = 'signal');
    if (this.o.until && this.now() >= this.o.until.getTime()) return (this.stopReason = 'until');
    return null;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const sig = this.o.signal;
      if (sig?.aborted) return resolve();
      const done = () => {
        clearTimeout(t);
        sig?.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, ms);
      sig?.addEventListener('abort', done, { once: true });
    });
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

  private claudeMdInput(): ClaudeMdInput {
    return {
      tag: this.o.tag,
      config: this.o.config,
      goal: this.o.goal,
      records: this.records,
      tasks: this.queue.remaining(),
      currentTask: this.st.currentTask,
    };
  }

  /** Rewrite CLAUDE.md from the ledger and the plan. */
  refreshClaudeMd(): void {
    this.refreshRecords();
    writeClaudeMd(this.o.claudeMdPath, this.claudeMdInput());
  }

  /** Read new hook events; remember a Stop and whether a submission was seen. */
  private drainEvents(): HookEvent[] {
    const evs = this.reader.read();
    for (const e of evs) {
      this.hooksHeard = true;
      if (e.event === 'UserPromptSubmit') this.submitSeenSince = e.time;
      if (e.event === 'Stop' || e.event === 'StopFailure') this.pendingStop = e;
      if (e.event === 'SessionEnd') this.sessionEnded = true;
    }
    return evs;
  }

  /** A Stop hook from this turn (hooks time-stamp with this machine's clock, after our Enter). */
  private stopHeard(t0: number): HookEvent | null {
    const s = this.pendingStop;
    return s && s.time >= t0 ? s : null;
  }

  private submissionHeard(t0: number): boolean {
    const t = this.submitSeenSince;
    return (t !== null && t >= t0) || this.stopHeard(t0) !== null;
  }

  private async capture(history = 0): Promise<string> {
    if (!this.pane) return '';
    try {
      return await this.tmux.capture(this.pane, history ? { history } : {});
    } catch {
      return '';
    }
  }

  private saveScreen(what: string, screen: string): string {
    const file = screenDumpPath(this.o.repo, this.o.tag, what);
    // The agent's environment holds its keys (and a test's or a caller's may differ from ours): redact both.
    writeFileSync(file, redact(screen, { ...process.env, ...this.o.agentEnv }), { mode: 0o600 });
    return file;
  }

  /** Start the agent in a fresh session (ending any earlier one under that name). */
  private async launch(restart: boolean): Promise<void> {
    await this.endAgent();
    this.refreshClaudeMd();
    this.reader.skipToEnd();
    this.pendingStop = null;
    this.submitSeenSince = null;
    this.sessionEnded = false;
    this.hooksHeard = false;
    this.turnsSinceLaunch = 0;
    this.reachedReady = false;
    const { pane, pid } = await launchInTmux(this.tmux, {
      session: this.session,
      cwd: this.o.repo,
      argv: this.o.agentArgv,
      env: this.o.agentEnv,
    });
    this.pane = pane;
    this.setPhase(restart ? 'restarting' : 'starting', { agentPane: pane, agentPid: pid });
    this.log.info({ pane, pid, restart }, 'agent started');
    this.emit({ type: 'launched', at: this.now(), pane, pid, restart });
  }

  /** End the agent and its whole process tree. */
  async endAgent(): Promise<number[]> {
    const pids = await endSession(this.tmux, this.session, { graceMs: this.timing.killGraceMs, kill: this.o.killTree });
    this.pane = null;
    return pids;
  }

  private async restart(reason: string): Promise<void> {
    this.st.restarts++;
    this.log.warn({ reason, restarts: this.st.restarts }, 'restarting the agent');
    this.o.out?.(`Restarting the agent: ${reason}.`);
    this.emit({ type: 'restart', at: this.now(), reason });
    await this.launch(true);
  }

  /** The agent's pane died: count deaths before it was ever ready, and give up after three. */
  private async onDeath(screen: string): Promise<void> {
    // A program that exits at once may leave its last words in the history only.
    if (classifyScreen(screen).state === 'root-refusal') throw new UsageError(ROOT_REFUSAL);
    if (this.reachedReady) {
      this.earlyDeaths = 0;
      await this.restart('the agent exited');
      return;
    }
    this.earlyDeaths++;
    if (this.earlyDeaths >= 3) {
      const file = this.saveScreen('exited', screen);
      throw new ToolError(`the agent exited ${this.earlyDeaths} times before it was ready; its last screen is in ${file}.`);
    }
    await this.sleep(500 * this.earlyDeaths);
    await this.restart('the agent exited before it was ready');
  }

  /**
   * Handle one screen that is neither ready nor busy: answer a recognised dialog one key at a time (the
   * screen must be the same on two captures in a row, and a key is repeated only after dialogRepeatMs),
   * stop on a refusal, time out an unknown screen. Returns the new `unknownSince`.
   */
  private async handleOther(screen: string, state: string, unknownSince: number | null, last: DialogMemo): Promise<number | null> {
    const stable = screen === last.prev;
    last.prev = screen;
    if (state === 'root-refusal') throw new UsageError(ROOT_REFUSAL);
    if (state === 'onboarding') {
      throw new UsageError('Claude Code is in its first-run setup; run "claude" once by hand to finish it, then start the session again.');
    }
    if (state === 'trust' || state === 'api-key' || state === 'bypass' || state === 'rate-limit') {
      this.setPhase('dialog');
      if (!stable) return null;
      if (screen === last.sent && this.now() - last.sentAt < this.timing.dialogRepeatMs) return null;
      const keys = dialogKeys(state, screen);
      const key = keys[0] ?? 'Enter';
      await this.tmux.sendKeys(this.pane!, [key]);
      last.sent = screen;
      last.sentAt = this.now();
      this.log.info({ dialog: state, key }, 'dialog key');
      this.emit({ type: 'dialog', at: this.now(), state, keys: [key] });
      return null;
    }
    const since = unknownSince ?? this.now();
    if (this.now() - since >= this.timing.unknownTimeoutMs) {
      const file = this.saveScreen('unknown', screen);
      throw new ToolError(
        `the agent's screen was not recognised for ${Math.round(this.timing.unknownTimeoutMs / 1000)} s, so no key was pressed; it is saved in ${file}.`,
      );
    }
    return since;
  }

  /** Wait until the agent shows an empty, ready prompt box, answering dialogs on the way. */
  private async untilReady(): Promise<'ready' | Ended> {
    let unknownSince: number | null = null;
    let typedSince: number | null = null;
    let endingSince: number | null = null;
    const last: DialogMemo = { prev: '', sent: '', sentAt: 0 };
    for (;;) {
      if (this.stopping()) return 'stopped';
      this.drainEvents();
      const info = this.pane ? await this.tmux.paneInfo(this.pane) : null;
      if (!info || info.dead) {
        await this.onDeath(info ? await this.capture(DEAD_HISTORY) : '');
        return 'died';
      }
      const screen = await this.capture();
      const c = classifyScreen(screen);
      if (c.state === 'root-refusal') throw new UsageError(ROOT_REFUSAL);
      if (c.state === 'exited' && screen.trim() !== '') {
        await this.onDeath(screen);
        return 'died';
      }
      if (c.state === 'ready' && this.sessionEnded) {
        // It is on its way out: wait for the pane to die, or end it.
        endingSince ??= this.now();
        if (this.now() - endingSince >= this.timing.readyStableMs * 4) {
          await this.restart('the agent ended its session');
          return 'died';
        }
      } else if (c.state === 'ready') {
        unknownSince = null;
        const box = inputBoxText(screen);
        if (box === '' || box === null) {
          this.reachedReady = true;
          this.earlyDeaths = 0;
          this.setPhase('ready');
          this.emit({ type: 'ready', at: this.now() });
          return 'ready';
        }
        // Text left in the box (a prompt that was never taken): never type on top of it.
        typedSince ??= this.now();
        if (this.now() - typedSince >= this.timing.readyStableMs * 4) {
          await this.restart('text was left in the prompt box');
          return 'died';
        }
      } else if (c.state === 'busy') {
        unknownSince = null;
        typedSince = null;
        this.setPhase('busy');
      } else {
        typedSince = null;
        // 'exited' here is a blank screen on a live pane: the agent is still starting.
        unknownSince = await this.handleOther(screen, c.state === 'exited' ? 'unknown' : c.state, unknownSince, last);
      }
      await this.sleep(this.timing.screenMs);
    }
  }

  /** Wait up to ms for the typed text to show in the box. */
  private async waitTyped(ms: number): Promise<void> {
    const end = this.now() + ms;
    while (this.now() < end && !this.stopping()) {
      const info = this.pane ? await this.tmux.paneInfo(this.pane) : null;
      if (!info || info.dead) return;
      const box = inputBoxText(await this.capture());
      if (box !== null && box.trim() !== '') return;
      await this.sleep(Math.min(50, this.timing.pollMs));
    }
  }

  /** Type the prompt, press Enter, and check it was taken (hook, busy screen, or an emptied box); one retry of Enter. */
  private async submit(prompt: string, task: string | null): Promise<'ok' | 'failed' | Ended> {
    this.drainEvents();
    this.pendingStop = null;
    this.submitSeenSince = null;
    const t0 = this.now();
    prompt = visibleControls(prompt);
    if (prompt.includes('\n')) await this.tmux.pasteText(this.pane!, prompt);
    else await this.tmux.sendLiteral(this.pane!, prompt);
    this.emit({ type: 'typed', at: this.now(), task });
    await this.sleep(this.timing.submitPauseMs);
    await this.waitTyped(this.timing.typedWaitMs);
    for (let attempt = 0; attempt < 2; attempt++) {
      await this.tmux.sendKeys(this.pane!, ['Enter']);
      const end = this.now() + this.timing.submitVerifyMs;
      while (this.now() < end) {
        if (this.stopping()) return 'stopped';
        this.drainEvents();
        if (this.submissionHeard(t0)) {
          this.emit({ type: 'submitted', at: this.now(), task, by: 'hook', retried: attempt > 0 });
          return 'ok';
        }
        const info = await this.tmux.paneInfo(this.pane!);
        if (!info || info.dead) return 'died';
        const screen = await this.capture();
        const c = classifyScreen(screen);
        const box = inputBoxText(screen);
        if (c.state === 'busy' || (c.state === 'ready' && box !== null && box.trim() === '')) {
          this.emit({ type: 'submitted', at: this.now(), task, by: 'screen', retried: attempt > 0 });
          return 'ok';
        }
        await this.sleep(this.timing.pollMs);
      }
      this.log.warn({ attempt }, 'submission not seen; pressing Enter again');
    }
    return 'failed';
  }

  /** Wait for the end of the turn: the Stop hook, or a ready screen that lasts when hooks are silent. */
  private async waitTurnEnd(t0: number): Promise<{ by: 'hook' | 'screen'; hookTime: number | null; failure: TurnFailure | null } | Ended> {
    let sawBusy = false;
    let readySince: number | null = null;
    let unknownSince: number | null = null;
    let lastScreen = 0;
    const last: DialogMemo = { prev: '', sent: '', sentAt: 0 };
    for (;;) {
      if (this.stopping()) return 'stopped';
      this.drainEvents();
      const stop = this.stopHeard(t0);
      if (stop) {
        const hookTime = stop.time;
        this.pendingStop = null;
        const failure = stop.event === 'StopFailure' ? classifyTurnFailure({ error: stop.error, message: stop.last_message ?? stop.error_details }) : null;
        return { by: 'hook', hookTime, failure };
      }
      if (this.now() - lastScreen >= this.timing.screenMs) {
        lastScreen = this.now();
        const info = this.pane ? await this.tmux.paneInfo(this.pane) : null;
        if (!info || info.dead) return 'died';
        const screen = await this.capture();
        const c = classifyScreen(screen);
        if (c.state === 'exited' && screen.trim() !== '') return 'died';
        if (c.state === 'busy') {
          sawBusy = true;
          readySince = null;
          unknownSince = null;
          this.setPhase('busy');
        } else if (c.state === 'ready') {
          unknownSince = null;
          readySince ??= this.now();
          const need = this.hooksHeard ? this.timing.hookTrustMs : this.timing.readyStableMs;
          if (this.now() - readySince >= need && (sawBusy || this.now() - t0 >= need)) {
            const text = turnFailureText(screen);
            return { by: 'screen', hookTime: null, failure: text ? classifyTurnFailure({ message: text }) : null };
          }
        } else {
          readySince = null;
          unknownSince = await this.handleOther(screen, c.state === 'exited' ? 'unknown' : c.state, unknownSince, last);
        }
      }
      await this.sleep(this.timing.pollMs);
    }
  }

  private afterTurn(task: string | null, by: string): void {
    this.st.iterations++;
    this.turnsSinceLaunch++;
    this.refreshClaudeMd();
    const best = bestRun(this.records);
    this.setPhase('ready');
    this.log.info(
      { iteration: this.st.iterations, task, endedBy: by, runs: this.records.length, best: best ? { commit: best.commit, value: best.value } : null },
      'turn done',
    );
    this.o.out?.(
      `Turn ${this.st.iterations} done: ${this.records.length} runs, best ${best ? `${this.o.config.metric} ${fmtValue(best.value)} (${best.commit.slice(0, 7)})` : 'none yet'}.`,
    );
    this.emit({ type: 'iteration', at: this.now(), n: this.st.iterations, runs: this.records.length });
  }

  /** A turn went through: a stretch of unavailability (if any) is over. */
  private agentBack(): void {
    const p = this.retry.onSuccess(this.now());
    if (!p) return;
    this.writePeriod(p);
    this.log.info({ from: new Date(p.from).toISOString(), cause: p.cause }, 'the agent works again');
    this.o.out?.(`The agent works again after ${fmtWait(p.to! - p.from)} (${p.cause}).`);
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
      await this.sleep(Math.min(left, 1000));
    }
  }

  /**
   * A turn failed (the API refused it, or the agent could not reach it): it is not a turn. Stop, wait or
   * restart as the retry policy says; the agent and its context stay unless it must start afresh.
   */
  private async afterFailure(f: TurnFailure): Promise<'stop' | 'go'> {
    const now = this.now();
    const wasOpen = this.retry.open !== null;
    const d = this.retry.onFailure(f, now);
    const open = this.retry.open;
    if (open && !wasOpen) this.writePeriod(open);
    const waitMs = d.action === 'wait' ? d.untilMs - now : 0;
    this.log.warn({ kind: f.kind, cause: f.cause, detail: f.detail, action: d.action, waitMs }, 'turn failed');
    this.emit({ type: 'turn-failed', at: now, kind: f.kind, cause: f.cause, action: d.action, waitMs });
    if (d.action === 'stop') {
      this.o.out?.(`Turn failed: ${f.cause}; stopping.`);
      this.failure = d.reason;
      this.stopReason = 'agent-failed';
      return 'stop';
    }
    if (d.action === 'restart') {
      this.o.out?.(`Turn failed: ${f.cause}; starting the agent afresh.`);
      await this.restart(d.reason);
      return 'go';
    }
    this.o.out?.(
      d.usageLimit ? `Turn failed: ${f.cause}; waiting until ${fmtClock(d.untilMs, now)}.` : `Turn failed: ${f.cause}; retrying in ${fmtWait(waitMs)}.`,
    );
    this.setPhase('waiting', { waitUntil: new Date(d.untilMs).toISOString(), waitReason: f.cause });
    await this.waitUntil(d.untilMs);
    this.setPhase('ready', { waitUntil: null, waitReason: null });
    return 'go';
  }

  private reachedMax(): boolean {
    const max = this.o.maxIterations;
    return typeof max === 'number' && max > 0 && this.st.iterations - (this.o.iterationsBefore ?? 0) >= max;
  }

  /** Run until a stop condition; always ends the agent it started. */
  async run(): Promise<LoopResult> {
    this.setPhase('starting');
    let failed = false;
    try {
      while (!this.stopping()) {
        if (!this.pane) await this.launch(false);
        const r = await this.untilReady();
        if (r === 'stopped') break;
        if (r === 'died') continue;
        const task = this.queue.peek();
        const prompt = renderPrompt(this.claudeMdInput(), task);
        const t0 = this.now();
        const s = await this.submit(prompt, task?.text ?? null);
        if (s === 'stopped') break;
        if (s === 'died') {
          await this.onDeath(await this.capture(DEAD_HISTORY));
          continue;
        }
        if (s === 'failed') {
          await this.restart('a prompt was not taken after two presses of Enter');
          continue;
        }
        if (task) {
          this.queue.shift();
          this.st.doneTasks.push(task.text);
        }
        this.setPhase('busy', { currentTask: task?.text ?? 'continue the loop' });
        const end = await this.waitTurnEnd(t0);
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
          // Not a turn: the task (if any) goes back to the front, and it does not count toward --max-iterations.
          if (task) {
            this.queue.unshift(task);
            const i = this.st.doneTasks.lastIndexOf(task.text);
            if (i >= 0) this.st.doneTasks.splice(i, 1);
          }
          this.st.currentTask = null;
          if ((await this.afterFailure(end.failure)) === 'stop') break;
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
      failed = true;
      this.stopReason = 'error';
      this.st.error = (e as Error).message;
      throw e;
    } finally {
      this.setPhase('stopping', { waitUntil: null, waitReason: null });
      await this.endAgent().catch(() => []);
      const reason = this.stopReason ?? 'signal';
      const open = this.retry.close(this.now());
      if (open) this.writePeriod(open);
      if (this.failure) this.st.error = this.failure;
      this.setPhase(failed || this.failure ? 'failed' : 'stopped', {
        stopReason: reason,
        agentPane: null,
        agentPid: null,
        currentTask: null,
        endedAt: new Date(this.now()).toISOString(),
      });
      this.log.info({ reason, iterations: this.st.iterations, restarts: this.st.restarts, error: this.failure ?? undefined }, 'supervisor stopped');
      this.emit({ type: 'stopped', at: this.now(), reason });
    }
    const r: LoopResult = { iterations: this.st.iterations, restarts: this.st.restarts, reason: this.stopReason ?? 'signal' };
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
 * (no git needed), with our hooks installed, and return the latency from each turn's end (the Stop hook's time)
 * to the next prompt being taken, plus every event.
 */
export async function measureTurnLatency(o: {
  dir: string;
  tmux: TmuxApi;
  agentArgv: string[];
  agentEnv: Record<string, string>;
  turns: number;
  timing?: Partial<Timing>;
  tag?: string;
}): Promise<{ latenciesMs: number[]; events: LoopEvent[] }> {
  const tag = o.tag ?? 'bench';
  const events: LoopEvent[] = [];
  mkdirSync(stateDir(o.dir, tag), { recursive: true });
  installHooks(o.dir, eventsPath(o.dir, tag), hookScript());
  try {
    const sup = new Supervisor(o.tmux, {
      repo: o.dir,
      tag,
      config: defaultConfig(),
      goal: 'Benchmark the supervisor.',
      tasks: [],
      claudeMdPath: path.join(o.dir, 'CLAUDE.md'),
      agentArgv: o.agentArgv,
      agentEnv: o.agentEnv,
      maxIterations: o.turns,
      timing: o.timing,
      onEvent: (e) => events.push(e),
      readRecords: () => ({ records: [], warnings: [] }),
    });
    await sup.run();
  } finally {
    removeHooks(o.dir);
  }
  return { latenciesMs: turnLatencies(events), events };
}
