// `kill` and `tail`: act on our sessions only (our socket, our prefix, exact names).
import stripAnsi from 'strip-ansi';
import type { TmuxApi } from '../adapters/tmux.js';
import { commandLine, isAlive, killTree, stillRunning } from '../adapters/procs.js';
import { UsageError } from '../errors.js';
import { agentSession, supervisorSession, validateSessionName } from './files.js';
import { discover, type Found } from './discover.js';
import { endSession } from './launch.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function names(found: Found[]): string {
  return found.length ? found.map((f) => f.tag).join(', ') : 'none';
}

export interface KillOptions {
  name?: string;
  all?: boolean;
  cwd?: string;
  /** How long the supervisor gets to end its agent and settle the ledger before we do it. */
  supervisorGraceMs?: number;
  graceMs?: number;
  isSupervisor?: (pid: number, tag: string) => boolean;
}

/** SIGTERM, time to settle what it was doing, then SIGKILL to it and its tree. */
async function endGracefully(pid: number, graceMs: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // gone already
  }
  const end = Date.now() + graceMs;
  while (Date.now() < end && (await stillRunning([pid])).length > 0) await sleep(100);
  if (isAlive(pid) && (await stillRunning([pid])).length > 0) await killTree(pid, { graceMs: 0, signal: 'SIGKILL' });
}

/** End one session: the supervisor first (it ends its agent and settles the ledger), then whatever is left. */
export async function killOne(tmux: TmuxApi, f: Found, o: KillOptions): Promise<string> {
  const parts: string[] = [];
  if (f.supervisorPid) {
    await endGracefully(f.supervisorPid, o.supervisorGraceMs ?? 20000);
    parts.push(`supervisor (pid ${f.supervisorPid})`);
  }
  let agentPids: number[] = [];
  if (await tmux.hasSession(agentSession(f.tag))) {
    agentPids = await endSession(tmux, agentSession(f.tag), { graceMs: o.graceMs ?? 3000 });
    parts.push(agentPids.length ? `agent (${agentPids.length} process${agentPids.length === 1 ? '' : 'es'}: ${agentPids.join(', ')})` : 'agent session');
  }
  if (await tmux.hasSession(supervisorSession(f.tag))) {
    const pids = await endSession(tmux, supervisorSession(f.tag), { graceMs: o.graceMs ?? 3000 });
    if (!f.supervisorPid) parts.push(pids.length ? `supervisor session (${pids.length} processes)` : 'supervisor session');
  }
  if (f.repo) {
    // A runner the agent's `submit` started in the background after its supervisor died: it stops what trains and records it.
    const { runnerAlive } = await import('../engine/queue.js');
    const runner = runnerAlive(f.repo, f.tag);
    if (runner && runner !== process.pid && /\squeue --runner(\s|$)/.test(commandLine(runner) ?? '')) {
      await endGracefully(runner, o.supervisorGraceMs ?? 20000);
      parts.push(`its queue runner (pid ${runner})`);
    }
    // A run the agent had going (a cluster job outlives its runner): cancelled and recorded now.
    const { settleCutOffRun } = await import('../engine/step.js');
    const rec = await settleCutOffRun(f.repo, f.tag).catch(() => null);
    if (rec) parts.push(`its run #${rec.id} (stopped and recorded as interrupted)`);
    // Experiments its runner had training (a supervisor that had to be SIGKILLed): stopped and recorded; the queued ones stay.
    const repo = f.repo;
    const [{ settleCutOffQueue }, { loadConfigCached }] = await Promise.all([import('../engine/runner.js'), import('../engine/config-cache.js')]);
    await loadConfigCached(repo, f.tag)
      .then((config) => settleCutOffQueue(repo, f.tag, config))
      .catch(() => undefined);
  }
  return `Ended ${f.tag}: ${parts.length ? parts.join(', ') : 'nothing was running'}.`;
}

/** End the named session, the only one running, or (--all) every one of ours; `found` when the caller has discovered them. */
export async function killSessions(tmux: TmuxApi, o: KillOptions, found?: Found[]): Promise<string[]> {
  if (o.name && o.all) throw new UsageError('give a session name or --all, not both.');
  found ??= await discover(tmux, { cwd: o.cwd, isSupervisor: o.isSupervisor });
  const live = found.filter((f) => f.agent || f.supervisor || f.supervisorPid);
  if (!o.name && !o.all) {
    if (live.length === 1) return [await killOne(tmux, live[0]!, o)];
    throw new UsageError(live.length === 0 ? 'no autoresearch sessions are running.' : `name the session to end (running: ${names(live)}), or use --all.`);
  }
  if (o.all) {
    if (live.length === 0) return ['No autoresearch sessions were running.'];
    const lines: string[] = [];
    for (const f of live) lines.push(await killOne(tmux, f, o));
    if ((await tmux.listSessions()).length === 0) await tmux.killServer();
    return lines;
  }
  validateSessionName(o.name!);
  const f = live.find((x) => x.tag === o.name);
  if (!f) throw new UsageError(`there is no session named ${o.name} (running: ${names(live)}).`);
  return [await killOne(tmux, f, o)];
}

/** The agent session to show: the named one (exactly), or the only one running. */
export async function resolveAgentSession(tmux: TmuxApi, name?: string): Promise<string> {
  const found = (await discover(tmux)).filter((f) => f.agent);
  if (name) {
    validateSessionName(name);
    if (!found.some((f) => f.tag === name)) throw new UsageError(`there is no agent session named ${name} (running: ${names(found)}).`);
    return agentSession(name);
  }
  if (found.length === 1) return agentSession(found[0]!.tag);
  throw new UsageError(found.length === 0 ? 'no autoresearch sessions are running.' : `name the session to follow (running: ${names(found)}).`);
}

function clean(text: string, raw: boolean): string {
  return raw ? text : stripAnsi(text);
}

/** The last n lines of the pane (history included), trailing blank lines dropped. */
export async function snapshot(tmux: TmuxApi, session: string, n: number, raw = false): Promise<string> {
  const text = clean(await tmux.capture(session, { ansi: raw, history: n }), raw);
  const lines = text.replace(/\n$/, '').split('\n');
  while (lines.length && lines[lines.length - 1]!.trim() === '') lines.pop();
  return lines.slice(-n).join('\n') + '\n';
}

/** Redraw the pane whenever it changes (about 4 times a second) until the signal or the session's end. */
export async function follow(
  tmux: TmuxApi,
  session: string,
  o: { raw?: boolean; signal?: AbortSignal; write: (s: string) => void; tty?: boolean; intervalMs?: number },
): Promise<'stopped' | 'ended'> {
  let last: string | null = null;
  while (!o.signal?.aborted) {
    let text: string;
    try {
      if (!(await tmux.hasSession(session))) return 'ended';
      text = clean(await tmux.capture(session, { ansi: !!o.raw }), !!o.raw);
    } catch {
      return 'ended';
    }
    if (text !== last) {
      const body = text.replace(/\n+$/, '\n');
      o.write(o.tty ? `\x1b[H\x1b[2J${body}` : `${last === null ? '' : '\n'}── ${new Date().toLocaleTimeString()} ──\n${body}`);
      last = text;
    }
    await pause(o.intervalMs ?? 250, o.signal);
  }
  return 'stopped';
}

/** Wait `ms`, or less when `signal` aborts. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
