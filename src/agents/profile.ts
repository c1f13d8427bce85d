// The seam between the supervisor and one agent CLI. Everything that differs between Claude Code, Codex and
// Gemini (launch line, environment, memory file, turn-end signal, screens, keys) lives behind this interface;
// the supervisor above it never names a CLI, a key or a screen string.
import type { Probe, TurnFailure } from './failure.js';
import type { HookEvent } from './hook.js';

/** What one captured screen means to the supervisor. */
export type ScreenKind = 'ready' | 'busy' | 'dialog' | 'fatal' | 'exited' | 'unknown';

export interface ScreenReading {
  kind: ScreenKind;
  /** The table's name for it: the dialog for 'dialog' ('trust'), else the pattern. */
  name?: string;
  /** For 'fatal': the one sentence the user gets; the session stops (exit 2). */
  message?: string;
}

/** What a line of the events file (written by the agent's hook or notify program) means. */
export type SignalKind = 'submitted' | 'turn-end' | 'turn-failed' | 'session-end';

export interface SetupContext {
  /** The checkout the agent works in. */
  repo: string;
  /** The session's state folder (.autoresearch/<tag>): ours, private, kept out of git. */
  stateDir: string;
  /** Our hook program (this argv plus an event name appends one JSON line per event), or null when it is missing. */
  hook: string[] | null;
  /** The folder holding the `ar-supervise` shim (first on the agent's PATH). */
  shimDir: string;
  /** The agent's environment as it will start; setup may add to it. */
  env: Record<string, string>;
}

export interface Setup {
  /** Arguments added to the launch line, after the configured ones. */
  args: string[];
  /** Whether a turn-end signal is installed; without one the screen alone tells when a turn ends. */
  signals: boolean;
  /** Sentences for the user (why no signal could be installed). */
  notes: string[];
  /** Take out what setup put into the checkout; safe to call more than once. */
  undo(): void;
}

export interface AgentProfile {
  /** The name in `agent: {profile: ...}` and `--agent`. */
  readonly name: string;
  /** The CLI's name for people ("Claude Code"). */
  readonly title: string;
  /** The default launch line (config `agent.command` and `agent.args` replace it). */
  readonly command: string;
  readonly args: readonly string[];
  /** Where the memory file may go, relative to the checkout: the first one the project does not track. */
  readonly memoryFiles: readonly string[];
  /** Other files of ours in the checkout, kept out of git (anchored paths, as in .git/info/exclude). */
  readonly excludes: readonly string[];
  /** Variables the agent must not inherit (removed in the pane too, whatever the tmux server holds). */
  readonly dropEnv: readonly string[];
  /** The variable `--sandbox` sets to 1 (and that is removed unless set), or null when the agent needs none. */
  readonly sandboxVar: string | null;
  /** Write what the session needs (turn-end signal, pre-answered dialogs) without touching the user's own settings. */
  setup(ctx: SetupContext): Setup;
  /** What a hook event means for the turn, or null to ignore it. */
  signal(e: HookEvent): SignalKind | null;
  /** Classify one captured screen (ANSI escapes allowed). */
  readScreen(screen: string): ScreenReading;
  /** The keys (tmux key names) that answer a dialog with yes; send them one at a time. */
  dialogKeys(dialog: string, screen: string): string[];
  /** Text in the input box ('' when empty or a placeholder), null when no box is visible. */
  inputText(screen: string): string | null;
  /**
   * Why the turn that just ended failed, or null when it did not: from the turn-end or 'turn-failed' signal's payload
   * (`failed` says which) and the screen as it is then, or from the screen alone when a turn ended without a signal
   * (the CLI's error line under the prompt).
   */
  failure(o: { event?: HookEvent; failed?: boolean; screen?: string; now?: number }): TurnFailure | null;
  /** Whether failure() reads the screen after this signal: when not, the supervisor spares a capture per turn. */
  screenAfterSignal(e: HookEvent, failed: boolean): boolean;
  /**
   * Whether the CLI signals a failed turn itself ('turn-failed'). When it does not, an error on a ready screen ends
   * the turn at once, without waiting for a turn-end signal that will not come.
   */
  readonly signalsFailures: boolean;
  /** Can the agent work at all (credentials, a CLI that starts)? The sentence to stop with, or null. Free checks only. */
  preflight(o: { command: string; args: readonly string[]; env: NodeJS.ProcessEnv; cwd: string; probe: Probe }): string | null;
  /** The model the launch line or environment names, or null for the CLI's default. */
  model(args: readonly string[], env: Readonly<Record<string, string>>): string | null;
}

/** The value of `--flag value` or `--flag=value` (the last one given), for any of the names. */
export function flagValue(args: readonly string[], names: readonly string[]): string | null {
  let v: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    for (const n of names) {
      if (a === n && i + 1 < args.length) v = args[i + 1]!;
      else if (a.startsWith(n + '=')) v = a.slice(n.length + 1);
    }
  }
  return v;
}
