// supervisor.json: what the supervisor is doing, written atomically after every change, read by `status` and `kill`.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeAtomic } from '../fs/atomic.js';
import { supervisorStatePath } from './files.js';
import { parseStateFile, SupervisorStateSchema, type SupervisorPhase, type SupervisorState } from '../config/state-files.js';

export type { SupervisorPhase, SupervisorState };

export function readSupervisorState(repo: string, tag: string): SupervisorState | null {
  const file = supervisorStatePath(repo, tag);
  if (!existsSync(file)) return null;
  try {
    const r = parseStateFile(readFileSync(file, 'utf8'), SupervisorStateSchema);
    return r.ok ? r.value : null;
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
