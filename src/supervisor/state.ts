// supervisor.json: what the supervisor is doing, written atomically after every change, read by `status` and `kill`.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeAtomic } from '../fs/atomic.js';
import { supervisorStatePath } from './files.js';

export type SupervisorPhase =
  | 'starting' // setting up: branch, baseline, CLAUDE.md
  | 'dialog' // passing the agent's startup dialogs
  | 'busy' // the agent is working on a turn
  | 'ready' // between turns
  | 'waiting' // the agent's API failed: backing off, or waiting for a usage limit to reset
  | 'restarting'
  | 'stopping'
  | 'stopped'
  | 'failed';

export interface SupervisorState {
  v: 1;
  tag: string;
  repo: string;
  pid: number;
  socket: string;
  started: string;
  updated: string;
  state: SupervisorPhase;
  iterations: number;
  restarts: number;
  currentTask: string | null;
  /** Texts of the tasks already sent (so a resumed session skips them). */
  doneTasks: string[];
  /** The agent profile (claude, codex, gemini) and the model its launch line names (null: the CLI's default). */
  agent?: string;
  model?: string | null;
  agentSession: string;
  agentPane: string | null;
  agentPid: number | null;
  /** The tmux session the supervisor itself runs in (detached mode), or null in the foreground. */
  supervisorSession: string | null;
  /** The address of a dashboard started beside this session (`--dashboard`). */
  dashboard?: string;
  stopReason?: string;
  error?: string;
  exitCode?: number;
  /** While waiting: until when (ISO) and why ("rate limited", "usage limit"). */
  waitUntil?: string | null;
  waitReason?: string | null;
  /** When the supervisor stopped or failed (ISO). */
  endedAt?: string;
}

export function readSupervisorState(repo: string, tag: string): SupervisorState | null {
  const file = supervisorStatePath(repo, tag);
  if (!existsSync(file)) return null;
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as SupervisorState;
    return s && typeof s === 'object' && s.v === 1 ? s : null;
  } catch {
    return null;
  }
}

export function writeSupervisorState(s: SupervisorState): void {
  const file = supervisorStatePath(s.repo, s.tag);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  s.updated = new Date().toISOString();
  writeAtomic(file, JSON.stringify(s, null, 2) + '\n', 0o600);
}

/** What `status` shows for a session: its phase while the supervisor lives; after, how it ended. */
export type ShownState = 'starting' | 'dialog' | 'busy' | 'ready' | 'waiting' | 'stopping' | 'stopped' | 'failed' | 'dead';

/**
 * The state to show from the supervisor's file and whether its process is alive: `stopped` or `failed` when it
 * said so, `dead` only for a supervisor that vanished without saying so (or no file at all).
 */
export function shownState(st: SupervisorState | null, alive: boolean): ShownState {
  if (!st) return 'dead';
  if (st.state === 'stopped' || st.state === 'failed') return st.state;
  if (!alive) return 'dead';
  return st.state === 'restarting' ? 'starting' : st.state;
}

/** Why a session stopped, in words. */
export function stopReasonWords(reason: string | undefined): string {
  switch (reason) {
    case 'max-iterations':
      return 'reached --max-iterations';
    case 'until':
      return 'reached the --until time';
    case 'signal':
      return 'ended by kill or a signal';
    case undefined:
    case '':
      return 'stopped';
    default:
      return reason;
  }
}
