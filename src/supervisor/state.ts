// supervisor.json: what the supervisor is doing, written atomically after every change, read by `status` and `kill`.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeAtomic } from '../engine/ledger.js';
import { supervisorStatePath } from './files.js';

export type SupervisorPhase =
  | 'starting' // setting up: branch, baseline, CLAUDE.md
  | 'dialog' // passing the agent's startup dialogs
  | 'busy' // the agent is working on a turn
  | 'ready' // between turns
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
  agentSession: string;
  agentPane: string | null;
  agentPid: number | null;
  /** The tmux session the supervisor itself runs in (detached mode), or null in the foreground. */
  supervisorSession: string | null;
  stopReason?: string;
  error?: string;
  exitCode?: number;
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
