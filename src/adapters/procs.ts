// Process trees through `ps`: list descendants of a pid, and end a whole tree (TERM, grace, KILL); and a quick
// probe that a program starts at all.
import { spawnSync } from 'node:child_process';
import { execa } from 'execa';
import { isAlive } from './pid.js';

/** Run a program that should answer at once (`--version`): did it exit 0 in time? `why` says what went wrong. */
export function probeProgram(program: string, args: string[], o: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): { ok: boolean; why: string } {
  const r = spawnSync(program, args, { cwd: o.cwd, env: o.env, timeout: o.timeoutMs, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    return { ok: false, why: code === 'ETIMEDOUT' ? `no answer to ${args.join(' ')} in ${Math.round(o.timeoutMs / 1000)} s` : (code ?? r.error.message) };
  }
  if (r.status === 0) return { ok: true, why: '' };
  const last = `${r.stderr ?? ''}\n${r.stdout ?? ''}`.trim().split('\n').filter(Boolean).pop() ?? '';
  return { ok: false, why: `${args.join(' ')} exited ${r.status ?? r.signal}${last ? `: ${last.slice(0, 200)}` : ''}` };
}

/** A process's command line, from `ps -o args=`; null when it is gone. */
export function commandLine(pid: number): string | null {
  const r = spawnSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return r.status === 0 && r.stdout ? r.stdout.trim() : null;
}

export interface Proc {
  pid: number;
  ppid: number;
}

/** Every process as pid/ppid, from `ps -e -o pid=,ppid=`. */
export async function listProcs(): Promise<Proc[]> {
  const r = await execa('ps', ['-e', '-o', 'pid=,ppid='], { reject: false });
  if (r.exitCode !== 0) return [];
  const out: Proc[] = [];
  for (const line of String(r.stdout).split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s*$/.exec(line);
    if (m) out.push({ pid: Number(m[1]), ppid: Number(m[2]) });
  }
  return out;
}

/** The pid and all its descendants, parents before children. */
export function descendantsOf(root: number, procs: Proc[]): number[] {
  const children = new Map<number, number[]>();
  for (const p of procs) {
    if (p.pid === p.ppid) continue;
    const list = children.get(p.ppid) ?? [];
    list.push(p.pid);
    children.set(p.ppid, list);
  }
  const out: number[] = [];
  const seen = new Set<number>();
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    out.push(pid);
    for (const c of children.get(pid) ?? []) queue.push(c);
  }
  return out;
}

export async function processTree(root: number): Promise<number[]> {
  const procs = await listProcs();
  if (!procs.some((p) => p.pid === root)) return [];
  return descendantsOf(root, procs);
}

export { isAlive } from './pid.js';

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * End a pid and every descendant: the tree is collected first (so orphans reparented to init are still
 * found), SIGTERM to all, wait up to graceMs, then SIGKILL to what is left. Returns the pids signalled.
 * Processes that are zombies of a parent we do not reap count as ended.
 */
export async function killTree(root: number, o: { graceMs?: number; signal?: NodeJS.Signals } = {}): Promise<number[]> {
  const grace = o.graceMs ?? 3000;
  const pids = await processTree(root);
  if (pids.length === 0) return [];
  // Children first would let a parent respawn them; signal all at once instead.
  for (const pid of pids) signal(pid, o.signal ?? 'SIGTERM');
  const deadline = Date.now() + grace;
  let alive = pids;
  while (Date.now() < deadline) {
    alive = await stillRunning(pids);
    if (alive.length === 0) return pids;
    await sleep(50);
  }
  // New children may have been born during the grace: collect again.
  const again = new Set<number>(alive);
  for (const pid of alive) for (const d of await processTree(pid)) again.add(d);
  for (const pid of again) signal(pid, 'SIGKILL');
  // SIGKILL is not instant: wait (briefly) until they are gone, so callers can rely on it.
  const killDeadline = Date.now() + 2000;
  while (Date.now() < killDeadline && (await stillRunning([...again])).length > 0) await sleep(20);
  return [...new Set([...pids, ...again])];
}

/** Pids still running (zombies excluded: they are dead, only not yet reaped). */
export async function stillRunning(pids: number[]): Promise<number[]> {
  const maybe = pids.filter(isAlive);
  if (maybe.length === 0) return [];
  const r = await execa('ps', ['-o', 'pid=,stat=', '-p', maybe.join(',')], { reject: false });
  const running = new Set<number>();
  for (const line of String(r.stdout).split('\n')) {
    const m = /^\s*(\d+)\s+(\S+)/.exec(line);
    if (m && !m[2]!.startsWith('Z')) running.add(Number(m[1]));
  }
  return maybe.filter((p) => running.has(p));
}

/** Open a URL in the desktop's browser (xdg-open, or open on macOS); rejects when there is none. */
export function openUrl(url: string): Promise<void> {
  const program = process.platform === 'darwin' ? 'open' : 'xdg-open';
  return new Promise((resolve, reject) => {
    import('node:child_process').then(({ spawn }) => {
      const child = spawn(program, [url], { stdio: 'ignore', detached: true });
      child.once('error', reject);
      child.once('spawn', () => {
        child.unref();
        resolve();
      });
    }, reject);
  });
}
