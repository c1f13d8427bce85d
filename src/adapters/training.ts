import { spawn } from 'node:child_process';
import { openSync, writeSync, closeSync, readdirSync, readFileSync } from 'node:fs';
import type { EndCause, EndKind, ProcessOutcome } from '../engine/types.js';

// Thin adapter over the training process: one process group, tee to log files, kill at the limit.

export interface TrainingOptions {
  argv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Files that receive stdout and stderr, in order (opened for writing, truncated). */
  logFiles: string[];
  /** Hard limit in ms (budget x factor); then SIGTERM to the group, SIGKILL after graceMs. */
  limitMs: number;
  graceMs: number;
  /** Called about once a second with elapsed ms (for a live line). */
  onTick?: (elapsedMs: number) => void;
  /** Called once the process is started, with its pid (= process group id). */
  onStart?: (pid: number) => void;
  /** Aborting kills the group as a timeout would, but the outcome says interrupted. */
  signal?: AbortSignal;
  tailBytes?: number;
}

export interface TrainingOutcome extends ProcessOutcome {
  interrupted: boolean;
  cause: EndCause;
  /** The first lines of output are not kept; the parser reads the whole log from disk. */
}

export function killGroup(pgid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, sig);
    return true;
  } catch {
    return false;
  }
}

export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Live (non-zombie) members of a process group, read from /proc; null where /proc is not there. */
export function groupMembers(pgid: number): number[] | null {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return null;
  }
  const out: number[] = [];
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      // Fields after the parenthesised command: state ppid pgrp ...
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(rest[2]) === pgid && rest[0] !== 'Z') out.push(Number(e));
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

/** SIGKILL the group until no live member is left (bounded), so callers can rely on it being gone. */
async function reapGroup(pgid: number, maxMs = 3000): Promise<void> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') return; // nothing is left in the group, zombies included
    }
    const left = groupMembers(pgid);
    if (left === null || left.length === 0 || Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function runTraining(opts: TrainingOptions): Promise<TrainingOutcome> {
  const tailMax = opts.tailBytes ?? 64 * 1024;
  const fds = opts.logFiles.map((f) => openSync(f, 'w'));
  const start = Date.now();
  return new Promise((resolve) => {
    let tail = '';
    // First cause wins: a timeout that fires after the process exited by itself changes nothing, and an
    // interrupt during a timeout's grace period does not turn the timeout into an interruption.
    let cause: EndCause | null = null;
    const first = (kind: EndKind) => {
      if (!cause) cause = { kind, atMs: Date.now() - start };
      return cause.kind === kind;
    };
    let settled = false;
    let spawnError: string | null = null;
    const write = (buf: Buffer) => {
      for (const fd of fds) {
        try {
          writeSync(fd, buf);
        } catch {
          // A full disk must not kill the run; the record notes what was lost.
        }
      }
      tail += buf.toString('utf8');
      if (tail.length > tailMax * 2) tail = tail.slice(-tailMax);
    };
    const child = spawn(opts.argv[0]!, opts.argv.slice(1), {
      cwd: opts.cwd,
      env: opts.env,
      detached: true, // its own process group, so the whole tree can be signalled
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const pgid = child.pid;
    if (pgid !== undefined) opts.onStart?.(pgid);
    child.stdout?.on('data', write);
    child.stderr?.on('data', write);

    let graceTimer: NodeJS.Timeout | undefined;
    const terminate = () => {
      if (pgid === undefined) return;
      killGroup(pgid, 'SIGTERM');
      graceTimer = setTimeout(() => killGroup(pgid, 'SIGKILL'), opts.graceMs);
    };
    const limitTimer = setTimeout(() => {
      if (first('timeout')) terminate();
    }, opts.limitMs);
    const tick = opts.onTick ? setInterval(() => opts.onTick!(Date.now() - start), 1000) : undefined;
    const onAbort = () => {
      if (first('interrupted')) terminate();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const finish = async (exitCode: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(limitTimer);
      if (graceTimer) clearTimeout(graceTimer);
      if (tick) clearInterval(tick);
      opts.signal?.removeEventListener('abort', onAbort);
      // Descendants may outlive the leader (forked workers): no process of the run survives it.
      if (pgid !== undefined) await reapGroup(pgid);
      if (spawnError) write(Buffer.from(`ar-supervise: could not start ${opts.argv[0]}: ${spawnError}\n`));
      for (const fd of fds) {
        try {
          closeSync(fd);
        } catch {
          /* already closed */
        }
      }
      const lines = tail.split('\n');
      const c: EndCause = cause ?? { kind: signal ? 'signal' : 'exit', atMs: Date.now() - start };
      const timedOut = c.kind === 'timeout';
      const interrupted = c.kind === 'interrupted';
      resolve({
        ok: exitCode === 0 && !timedOut && !interrupted,
        exitCode,
        signal,
        timedOut,
        interrupted,
        cause: c,
        durationMs: Date.now() - start,
        tail: lines.slice(-40).join('\n'),
      });
    };
    child.on('error', (e) => {
      first('exit');
      spawnError = e.message;
      void finish(127, null);
    });
    child.on('exit', (code, sig) => {
      first(sig ? 'signal' : 'exit');
      // Grandchildren holding the pipes open must not hang us: kill the group, then wait briefly for close.
      if (pgid !== undefined) killGroup(pgid, 'SIGKILL');
      const t = setTimeout(() => void finish(code, sig), 2000);
      child.on('close', () => {
        clearTimeout(t);
        void finish(code, sig);
      });
    });
  });
}
