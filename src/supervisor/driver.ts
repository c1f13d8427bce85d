// The driver: runs one agent session in tmux through its profile. It starts and ends the agent, passes the dialogs
// the profile recognises (one key at a time), types a prompt and checks it was taken, and tells when the turn ended
// (the profile's turn-end signal, the screen as the fallback). It emits events; it decides nothing about tasks.
import { watch, writeFileSync, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { PaneInfo, TmuxApi } from '../adapters/tmux.js';
import { EventReader } from '../agents/events.js';
import type { HookEvent } from '../agents/hook.js';
import type { TurnFailure } from '../agents/failure.js';
import type { AgentProfile, ScreenReading } from '../agents/profile.js';
import { ToolError, UsageError } from '../errors.js';
import { endSession, launchInTmux, redact, type TreeKiller } from './launch.js';
import type { LoopEvent } from './events.js';

export interface Timing {
  /** How often hook events are read when the events file cannot be watched (and between checks of a submission). */
  pollMs: number;
  /** With the events file watched, how often it is read anyway (a safety net for a missed change). */
  eventsSafetyMs: number;
  /** How often the screen is captured while waiting. */
  screenMs: number;
  /** How often the screen is captured during a turn once the agent's signals were heard (the screen is the fallback). */
  hookScreenMs: number;
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
  eventsSafetyMs: 1000,
  screenMs: 250,
  hookScreenMs: 5000,
  submitPauseMs: 150,
  typedWaitMs: 2000,
  submitVerifyMs: 3000,
  readyStableMs: 1500,
  hookTrustMs: 15000,
  unknownTimeoutMs: 60000,
  killGraceMs: 5000,
  dialogRepeatMs: 2000,
};

/** Lines of history read from a dead pane (its last words may have scrolled off). */
const DEAD_HISTORY = 200;

/** The agent is gone (its pane died or it ended its session): the policy decides what next. */
export type Ended = 'stopped' | { died: string } | { restart: string };

/** What the dialog handler remembers between captures. */
interface DialogMemo {
  prev: string;
  sent: string;
  sentAt: number;
  /** Since when the screen has read as fatal (null: it does not). */
  fatalSince: number | null;
}

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

export interface DriverOptions {
  profile: AgentProfile;
  /** The tmux session the agent runs in. */
  session: string;
  cwd: string;
  argv: string[];
  env: Record<string, string>;
  eventsFile: string;
  /** Where unknown or last screens are saved: (what) => file. */
  dumpPath: (what: string) => string;
  timing: Timing;
  emit: (e: LoopEvent) => void;
  /** The policy's stop conditions, checked while waiting. */
  stopping: () => boolean;
  signal?: AbortSignal;
  killTree?: TreeKiller;
  now: () => number;
}

export class AgentDriver {
  private pane: string | null = null;
  private readonly reader: EventReader;
  private hooksHeard = false;
  private pendingStop: { e: HookEvent; failed: boolean } | null = null;
  /** The agent said it is ending (its session-end signal): do not type into it. */
  private sessionEnded = false;
  private submitSeenSince: number | null = null;
  /** Watches the events file's folder, so a signal wakes the waiting loop at once (null: not watched, polled). */
  private watcher: FSWatcher | null = null;
  private watchFailed = false;
  /** Resolves the current nap; `poked` remembers a change that came while not napping. */
  private wake: (() => void) | null = null;
  private poked = false;
  /** When the pane was last looked at: a wait that follows a look does not look again at once. */
  private lookedAt = 0;

  constructor(
    private readonly tmux: TmuxApi,
    private readonly o: DriverOptions,
  ) {
    this.reader = new EventReader(o.eventsFile);
  }

  get running(): boolean {
    return this.pane !== null;
  }

  private get t(): Timing {
    return this.o.timing;
  }

  private now(): number {
    return this.o.now();
  }

  sleep(ms: number): Promise<void> {
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

  /** Watch the events file (its folder: the file may not exist yet); on failure the loops poll as before. */
  private ensureWatch(): void {
    if (this.watcher || this.watchFailed) return;
    const file = this.o.eventsFile;
    const base = path.basename(file);
    try {
      this.watcher = watch(path.dirname(file), { persistent: false }, (_ev, name) => {
        if (name === null || name === base) this.poke();
      });
      this.watcher.on('error', () => this.unwatch());
    } catch (e) {
      // A folder not made yet is tried again on the next wait; anything else (no inotify watches left) means polling.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.watchFailed = true;
    }
  }

  private unwatch(): void {
    this.watcher?.close();
    this.watcher = null;
  }

  private poke(): void {
    if (this.wake) this.wake();
    else this.poked = true;
  }

  /** Stop watching the events file (the end of the loop). */
  close(): void {
    this.unwatch();
    this.watchFailed = true;
  }

  /** Sleep up to ms, waking early when the events file changes. */
  private nap(ms: number): Promise<void> {
    this.ensureWatch();
    if (this.poked) {
      this.poked = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const sig = this.o.signal;
      if (sig?.aborted) return resolve();
      const done = () => {
        clearTimeout(t);
        sig?.removeEventListener('abort', done);
        this.wake = null;
        this.poked = false;
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wake = done;
      sig?.addEventListener('abort', done, { once: true });
    });
  }

  private read(screen: string): ScreenReading {
    return this.o.profile.readScreen(screen);
  }

  /** A screen the agent cannot get past on its own (refusal, first-run setup): one sentence, exit 2. */
  failIfFatal(screen: string): void {
    const r = this.read(screen);
    if (r.kind === 'fatal') throw new UsageError(r.message ?? `${this.o.profile.title} cannot start here.`);
  }

  /** Read new signal events; remember a turn end and whether a submission was seen. */
  private drainEvents(): void {
    for (const e of this.reader.read()) {
      const kind = this.o.profile.signal(e);
      if (!kind) continue;
      this.hooksHeard = true;
      if (kind === 'submitted') this.submitSeenSince = e.time;
      if (kind === 'turn-end' || kind === 'turn-failed') this.pendingStop = { e, failed: kind === 'turn-failed' };
      if (kind === 'session-end') this.sessionEnded = true;
    }
  }

  /** A turn-end signal from this turn (hooks time-stamp with this machine's clock, after our Enter). */
  private stopHeard(t0: number): { e: HookEvent; failed: boolean } | null {
    const s = this.pendingStop;
    return s && s.e.time >= t0 ? s : null;
  }

  private submissionHeard(t0: number): boolean {
    const t = this.submitSeenSince;
    return (t !== null && t >= t0) || this.stopHeard(t0) !== null;
  }

  /** The pane's state and screen in one tmux call; no pane: null and ''. */
  private async look(): Promise<{ info: PaneInfo | null; screen: string }> {
    if (!this.pane) return { info: null, screen: '' };
    this.lookedAt = this.now();
    return this.tmux.look(this.pane);
  }

  async capture(history = 0): Promise<string> {
    if (!this.pane) return '';
    try {
      return await this.tmux.capture(this.pane, history ? { history } : {});
    } catch {
      return '';
    }
  }

  /** The dead pane's last words (history included). */
  lastWords(): Promise<string> {
    return this.capture(DEAD_HISTORY);
  }

  saveScreen(what: string, screen: string): string {
    const file = this.o.dumpPath(what);
    // The agent's environment holds its keys (and a test's or a caller's may differ from ours): redact both.
    writeFileSync(file, redact(screen, { ...process.env, ...this.o.env }), { mode: 0o600 });
    return file;
  }

  /** Start the agent in a fresh session (ending any earlier one under that name). */
  async launch(restart: boolean): Promise<void> {
    await this.end();
    this.reader.skipToEnd();
    this.ensureWatch();
    this.pendingStop = null;
    this.submitSeenSince = null;
    this.sessionEnded = false;
    this.hooksHeard = false;
    const { pane, pid } = await launchInTmux(this.tmux, { session: this.o.session, cwd: this.o.cwd, argv: this.o.argv, env: this.o.env });
    this.pane = pane;
    this.o.emit({ type: 'launched', at: this.now(), pane, pid, restart });
  }

  /** End the agent and its whole process tree. */
  async end(): Promise<number[]> {
    const pids = await endSession(this.tmux, this.o.session, { graceMs: this.t.killGraceMs, kill: this.o.killTree });
    this.pane = null;
    return pids;
  }

  /**
   * Handle one screen that is neither ready nor busy: answer a recognised dialog one key at a time (the screen
   * must be the same on two captures in a row, and a key is repeated only after dialogRepeatMs), stop on a fatal
   * screen, time out an unknown one. Returns the new `unknownSince`.
   */
  private async handleOther(screen: string, r: ScreenReading, unknownSince: number | null, last: DialogMemo): Promise<number | null> {
    const stable = screen === last.prev;
    last.prev = screen;
    if (r.kind === 'fatal') {
      // A screen caught mid-draw (a menu before its selection mark, a key box before the CLI fills it) can read as fatal: it must hold.
      last.fatalSince ??= this.now();
      if (this.now() - last.fatalSince >= this.t.readyStableMs) this.failIfFatal(screen);
      return unknownSince;
    }
    last.fatalSince = null;
    if (r.kind === 'dialog' && r.name) {
      this.o.emit({ type: 'phase', at: this.now(), phase: 'dialog' });
      if (!stable) return null;
      if (screen === last.sent && this.now() - last.sentAt < this.t.dialogRepeatMs) return null;
      const key = this.o.profile.dialogKeys(r.name, screen)[0] ?? 'Enter';
      await this.tmux.sendKeys(this.pane!, [key]);
      last.sent = screen;
      last.sentAt = this.now();
      this.o.emit({ type: 'dialog', at: this.now(), state: r.name, keys: [key] });
      return null;
    }
    const since = unknownSince ?? this.now();
    if (this.now() - since >= this.t.unknownTimeoutMs) {
      const file = this.saveScreen('unknown', screen);
      throw new ToolError(
        `the agent's screen was not recognised for ${Math.round(this.t.unknownTimeoutMs / 1000)} s, so no key was pressed; it is saved in ${file}.`,
      );
    }
    return since;
  }

  /** Wait until the agent shows an empty, ready prompt box, answering dialogs on the way. */
  async untilReady(): Promise<'ready' | Ended> {
    let unknownSince: number | null = null;
    let typedSince: number | null = null;
    let endingSince: number | null = null;
    const last: DialogMemo = { prev: '', sent: '', sentAt: 0, fatalSince: null };
    for (;;) {
      if (this.o.stopping()) return 'stopped';
      this.drainEvents();
      const { info, screen } = await this.look();
      if (!info || info.dead) return { died: info ? await this.lastWords() : '' };
      const r = this.read(screen);
      if (r.kind !== 'fatal') last.fatalSince = null;
      if (r.kind === 'exited' && screen.trim() !== '') return { died: screen };
      if (r.kind === 'ready' && this.sessionEnded) {
        // It is on its way out: wait for the pane to die, or end it.
        endingSince ??= this.now();
        if (this.now() - endingSince >= this.t.readyStableMs * 4) return { restart: 'the agent ended its session' };
      } else if (r.kind === 'ready') {
        unknownSince = null;
        const box = this.o.profile.inputText(screen);
        if (box === '' || box === null) {
          this.o.emit({ type: 'ready', at: this.now() });
          return 'ready';
        }
        // Text left in the box (a prompt that was never taken): never type on top of it.
        typedSince ??= this.now();
        if (this.now() - typedSince >= this.t.readyStableMs * 4) return { restart: 'text was left in the prompt box' };
      } else if (r.kind === 'busy') {
        unknownSince = null;
        typedSince = null;
        this.o.emit({ type: 'phase', at: this.now(), phase: 'busy' });
      } else {
        typedSince = null;
        // 'exited' here is a blank screen on a live pane: the agent is still starting.
        unknownSince = await this.handleOther(screen, r.kind === 'exited' ? { kind: 'unknown' } : r, unknownSince, last);
      }
      await this.sleep(this.t.screenMs);
    }
  }

  /** Wait up to ms for the typed text to show in the box. */
  private async waitTyped(ms: number): Promise<void> {
    const end = this.now() + ms;
    while (this.now() < end && !this.o.stopping()) {
      const { info, screen } = await this.look();
      if (!info || info.dead) return;
      const box = this.o.profile.inputText(screen);
      if (box !== null && box.trim() !== '') return;
      await this.sleep(Math.min(50, this.t.pollMs));
    }
  }

  /**
   * Type the prompt (the text literally, a pause, then Enter on its own: a single `send-keys text Enter` is taken as
   * a paste by every CLI we drive) and check it was taken (signal, busy screen, or an emptied box); one retry of Enter.
   */
  async submit(prompt: string, task: string | null): Promise<'ok' | 'failed' | 'stopped' | 'died'> {
    this.drainEvents();
    this.pendingStop = null;
    this.submitSeenSince = null;
    const t0 = this.now();
    prompt = visibleControls(prompt);
    if (prompt.includes('\n')) await this.tmux.pasteText(this.pane!, prompt);
    else await this.tmux.sendLiteral(this.pane!, prompt);
    this.o.emit({ type: 'typed', at: this.now(), task });
    await this.sleep(this.t.submitPauseMs);
    await this.waitTyped(this.t.typedWaitMs);
    for (let attempt = 0; attempt < 2; attempt++) {
      await this.tmux.sendKeys(this.pane!, ['Enter']);
      const end = this.now() + this.t.submitVerifyMs;
      while (this.now() < end) {
        if (this.o.stopping()) return 'stopped';
        this.drainEvents();
        if (this.submissionHeard(t0)) {
          this.o.emit({ type: 'submitted', at: this.now(), task, by: 'hook', retried: attempt > 0 });
          return 'ok';
        }
        const { info, screen } = await this.look();
        if (!info || info.dead) return 'died';
        const r = this.read(screen);
        const box = this.o.profile.inputText(screen);
        if (r.kind === 'busy' || (r.kind === 'ready' && box !== null && box.trim() === '')) {
          this.o.emit({ type: 'submitted', at: this.now(), task, by: 'screen', retried: attempt > 0 });
          return 'ok';
        }
        await this.nap(this.t.pollMs);
      }
      this.o.emit({ type: 'warn', at: this.now(), msg: 'submission not seen; pressing Enter again', data: { attempt } });
    }
    return 'failed';
  }

  /**
   * Wait for the end of the turn: the turn-end signal, or a ready screen that lasts when signals are silent; with
   * why the turn failed, if it did (the profile reads its CLI's error from the signal or the screen). Once the
   * agent's signals were heard, the screen is only a slow fallback (hookScreenMs) and a signal wakes the wait at
   * once (the events file is watched), so a busy agent costs the supervisor almost nothing.
   */
  async waitTurnEnd(t0: number): Promise<{ by: 'hook' | 'screen'; hookTime: number | null; failure: TurnFailure | null } | 'stopped' | 'died'> {
    let sawBusy = false;
    let readySince: number | null = null;
    let unknownSince: number | null = null;
    let lastScreen = this.lookedAt; // submit has just looked
    const last: DialogMemo = { prev: '', sent: '', sentAt: 0, fatalSince: null };
    for (;;) {
      if (this.o.stopping()) return 'stopped';
      this.drainEvents();
      const stop = this.stopHeard(t0);
      if (stop) {
        this.pendingStop = null;
        // The signal and the screen as the turn ended: a CLI may end a failed turn like any other (Gemini).
        const screen = this.o.profile.screenAfterSignal(stop.e, stop.failed) ? await this.capture() : undefined;
        const failure = this.o.profile.failure({ event: stop.e, failed: stop.failed, screen, now: this.now() });
        return { by: 'hook', hookTime: stop.e.time, failure };
      }
      // The agent said it is ending: look at its pane now rather than at the next slow check.
      const every = this.hooksHeard && !this.sessionEnded ? this.t.hookScreenMs : this.t.screenMs;
      if (this.now() - lastScreen >= every) {
        lastScreen = this.now();
        const { info, screen } = await this.look();
        if (!info || info.dead) return 'died';
        const r = this.read(screen);
        if (r.kind !== 'fatal') last.fatalSince = null;
        if (r.kind === 'exited' && screen.trim() !== '') return 'died';
        if (r.kind === 'busy') {
          sawBusy = true;
          readySince = null;
          unknownSince = null;
          this.o.emit({ type: 'phase', at: this.now(), phase: 'busy' });
        } else if (r.kind === 'ready') {
          unknownSince = null;
          readySince ??= this.now();
          const stable = this.now() - readySince >= this.t.readyStableMs && (sawBusy || this.now() - t0 >= this.t.readyStableMs);
          // A CLI that sends no signal for a failed turn (Codex) shows its error: no need to wait for one.
          const failure = stable && !this.o.profile.signalsFailures ? this.o.profile.failure({ screen, now: this.now() }) : null;
          if (failure) return { by: 'screen', hookTime: null, failure };
          const need = this.hooksHeard ? this.t.hookTrustMs : this.t.readyStableMs;
          if (this.now() - readySince >= need && (sawBusy || this.now() - t0 >= need)) {
            return { by: 'screen', hookTime: null, failure: this.o.profile.failure({ screen, now: this.now() }) };
          }
        } else {
          readySince = null;
          unknownSince = await this.handleOther(screen, r.kind === 'exited' ? { kind: 'unknown' } : r, unknownSince, last);
        }
      }
      const untilScreen = Math.max(1, lastScreen + (this.hooksHeard && !this.sessionEnded ? this.t.hookScreenMs : this.t.screenMs) - this.now());
      await this.nap(Math.min(untilScreen, this.watcher ? this.t.eventsSafetyMs : this.t.pollMs));
    }
  }
}

