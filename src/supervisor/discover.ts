// Find our sessions: the tmux sessions on our socket with our prefix, and the supervisor state each one has.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { topLevelSync } from '../adapters/git.js';
import type { SessionInfo, TmuxApi } from '../adapters/tmux.js';
import { commandLine, isAlive } from '../adapters/procs.js';
import { STATE_ROOT } from '../paths.js';
import { parseSessionName } from './files.js';
import { readSupervisorState, type SupervisorState } from './state.js';

export interface Found {
  tag: string;
  repo: string | null;
  agent: SessionInfo | null;
  supervisor: SessionInfo | null;
  state: SupervisorState | null;
  /** The supervisor process, when it is alive and really ours. */
  supervisorPid: number | null;
}


/** Is pid a running supervisor for this tag (not a reused pid)? Checked on its command line. */
export function isSupervisorProcess(pid: number, tag: string): boolean {
  if (!isAlive(pid)) return false;
  const args = commandLine(pid);
  return args !== null && new RegExp(`--session[ =]${tag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\s|$)`).test(args);
}

/** The live supervisor of this tag, whatever its state says (one still stopping owns its queue), or null. */
export function liveSupervisorOf(repo: string, tag: string): number | null {
  const s = readSupervisorState(repo, tag);
  return s && isSupervisorProcess(s.pid, tag) ? s.pid : null;
}

/** Our sessions by tag, with their repo (the sessions' folder) and supervisor state; plus live ones in cwd's repo. */
export async function discover(tmux: TmuxApi, o: { cwd?: string; isSupervisor?: (pid: number, tag: string) => boolean } = {}): Promise<Found[]> {
  const check = o.isSupervisor ?? isSupervisorProcess;
  const byTag = new Map<string, Found>();
  const get = (tag: string): Found => {
    let f = byTag.get(tag);
    if (!f) {
      f = { tag, repo: null, agent: null, supervisor: null, state: null, supervisorPid: null };
      byTag.set(tag, f);
    }
    return f;
  };
  for (const s of await tmux.listSessions()) {
    const p = parseSessionName(s.name);
    if (!p) continue;
    const f = get(p.tag);
    if (p.role === 'agent') f.agent = s;
    else f.supervisor = s;
    f.repo ??= s.path || null;
  }
  // In the current repo every session with a supervisor file shows: a foreground one while its agent is between
  // restarts, and one that ended, with how it ended and its turns and runs.
  const top = o.cwd ? topLevelSync(o.cwd) : null;
  if (top && existsSync(path.join(top, STATE_ROOT))) {
    for (const tag of readdirSync(path.join(top, STATE_ROOT))) {
      if (byTag.has(tag)) continue;
      const st = readSupervisorState(top, tag);
      // (A lane's state archived here by `kill --clean` names its worktree as its repo: the lane rows show it.)
      if (!st || st.socket !== tmux.socket || path.resolve(st.repo) !== path.resolve(top)) continue;
      get(tag).repo = top;
    }
  }
  for (const f of byTag.values()) {
    if (!f.repo) continue;
    f.state = readSupervisorState(f.repo, f.tag);
    if (f.state && f.state.socket === tmux.socket && check(f.state.pid, f.tag)) f.supervisorPid = f.state.pid;
  }
  return [...byTag.values()].sort((a, b) => a.tag.localeCompare(b.tag));
}
