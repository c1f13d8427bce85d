import { closeSync, existsSync, mkdirSync, renameSync, rmSync, openSync, readFileSync, readSync, statSync, writeFileSync, writeSync, fstatSync } from 'node:fs';
import os, { constants } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { STATE_ROOT } from '../paths.js';
import { sbatch, scancel, scontrolJob, sacctJob } from '../adapters/slurm.js';
import { queueState, unwatch } from './slurm-queue.js';
import { defaultExecutor, type ExecutorConfig } from '../config-defaults.js';
import { UsageError } from '../errors.js';
import type { EndCause, EndKind, InfraFailure } from '../engine/types.js';
import type { Executor, JobHandle, JobInfo, RunOutcome, StartSpec } from './types.js';

// One Slurm job per run. The budget clock starts when the job is seen RUNNING, not when it is submitted;
// at the limit of running time the job is cancelled (scancel) and the run is a timeout; --time is a backstop.
// Works with accounting off: squeue while it runs, scontrol show job after, sacct only where it answers.

const FINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE', 'SPECIAL_EXIT', 'REVOKED']);
const RUNNING = new Set(['RUNNING', 'COMPLETING', 'SUSPENDED', 'STOPPED', 'SIGNALING', 'STAGE_OUT', 'RESIZING']);
const INFRA: Record<string, InfraFailure> = { NODE_FAIL: 'node-fail', PREEMPTED: 'preempted', BOOT_FAIL: 'boot-fail' };

/**
 * The controller is asked soon after a change (submission, start, new output: a job usually starts within a second
 * of its submission and ends right after its last lines), then less and less often: FIRST_MS, x1.25 each time, up to SLOW_MS.
 * Every job of this process shares one squeue call (slurm-queue.ts).
 */
const FIRST_MS = 100;
const SLOW_MS = 2000;
const OUTPUT_NUDGE_MS = 1000;
/** The log is read this often (a local read); new output brings the next question to the controller forward. */
const TICK_MS = 100;
/** init's probe job gives up checking (and says so) after this long in the queue. */
const PROBE_QUEUE_MS = Number(process.env.AR_SLURM_PROBE_QUEUE_MS) || 120_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const baseState = (s: string) => s.trim().split(/\s+/)[0]!.replace(/\+$/, '').toUpperCase();

/** On PATH (a file we may execute), without spawning anything. */
export function onPath(cmd: string, env: NodeJS.ProcessEnv = process.env): boolean {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    try {
      if (statSync(path.join(dir, cmd)).isFile()) return true;
    } catch {
      /* not here */
    }
  }
  return false;
}

/** The batch script: it runs its arguments as given (argv, no shell parsing of the training command). */
function jobScript(): string {
  const dir = path.join(os.tmpdir(), `autoresearch-slurm-${process.getuid?.() ?? 'u'}`);
  const file = path.join(dir, 'job.sh');
  const text = '#!/bin/sh\n# autoresearch: the training command arrives as arguments; exec keeps its exit status and signals.\nexec "$@"\n';
  try {
    if (readFileSync(file, 'utf8') === text) return file;
  } catch {
    /* first use */
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(file + `.${process.pid}`, text, { mode: 0o700 });
  // rename is atomic: two runners writing at once both end with the same whole file
  renameSync(file + `.${process.pid}`, file);
  return file;
}

/** sbatch arguments for one run (without the script and its arguments). */
export function submitArgs(e: ExecutorConfig, spec: Pick<StartSpec, 'name' | 'cwd' | 'limitMs' | 'logFiles'>): string[] {
  const minutes = Math.max(1, Math.ceil((spec.limitMs / 1000 + e.time_padding) / 60));
  return [
    `--job-name=${spec.name}`,
    // %-patterns in a path are Slurm's; a literal % must be doubled
    `--output=${path.resolve(spec.logFiles[0]!).replace(/%/g, '%%')}`,
    '--open-mode=truncate',
    `--chdir=${spec.cwd}`,
    '--export=ALL',
    // we resubmit after an infrastructure failure ourselves, so the budget clock restarts with the job
    '--no-requeue',
    `--time=${minutes}`,
    ...(e.partition ? [`--partition=${e.partition}`] : []),
    ...(e.account ? [`--account=${e.account}`] : []),
    ...(e.qos ? [`--qos=${e.qos}`] : []),
    ...(e.gres ? [`--gres=${e.gres}`] : []),
    ...e.args,
  ];
}

interface Final {
  state: string;
  exitCode: number | null;
  signal: string | null;
  node: string | null;
}

/** How the job ended, from what still knows: scontrol (until MinJobAge), then sacct where accounting is on. */
async function finalOf(id: string, cwd: string): Promise<Final> {
  for (let i = 0; i < 60; i++) {
    const sc = await scontrolJob(id, cwd);
    if (sc) {
      const state = baseState(sc.JobState ?? '');
      if (FINAL.has(state)) return { state, ...exitOf(sc.ExitCode), node: nodeOf(sc.NodeList) };
      await sleep(Math.min(1000, FIRST_MS * 1.25 ** i)); // COMPLETING: its processes are still being cleaned up
      continue;
    }
    const sa = await sacctJob(id, cwd);
    if (sa && FINAL.has(baseState(sa.state))) return { state: baseState(sa.state), ...exitOf(sa.exitCode), node: nodeOf(sa.node) };
    break;
  }
  return { state: 'UNKNOWN', exitCode: null, signal: null, node: null };
}

function exitOf(s: string | undefined): { exitCode: number | null; signal: string | null } {
  const m = /^(\d+):(\d+)$/.exec(s ?? '');
  if (!m) return { exitCode: null, signal: null };
  const sig = Number(m[2]);
  if (sig > 0) {
    const name = Object.entries(constants.signals).find(([, n]) => n === sig)?.[0] ?? `SIG${sig}`;
    return { exitCode: null, signal: name };
  }
  return { exitCode: Number(m[1]), signal: null };
}

const nodeOf = (s: string | undefined) => (s && s !== '(null)' && s !== 'None assigned' ? s : null);

/** A finished job's end state as the cause of the run's end (first cause: a job that ended by itself wins over our late cancel). */
export function causeOf(f: Final, asked: 'timeout' | 'interrupted' | null): { kind: EndKind; infra?: InfraFailure } {
  switch (f.state) {
    case 'CANCELLED':
      return { kind: asked ?? 'interrupted' }; // cancelled by someone else: stopped from outside
    case 'TIMEOUT':
    case 'DEADLINE':
      return { kind: 'timeout' };
    case 'OUT_OF_MEMORY':
      return { kind: 'oom' };
    case 'NODE_FAIL':
    case 'PREEMPTED':
    case 'BOOT_FAIL':
      return { kind: 'infra', infra: INFRA[f.state] };
    case 'UNKNOWN':
      return { kind: asked ?? 'exit' };
    default:
      return { kind: f.signal ? 'signal' : 'exit' };
  }
}

/** Copies what the compute node writes into the run's log to the other log files, and keeps a tail. */
class Follower {
  private pos = 0;
  tail = '';
  constructor(
    private readonly files: string[],
    private readonly tailMax = 64 * 1024,
  ) {}
  restart(): void {
    this.pos = 0;
    this.tail = '';
    for (const f of this.files.slice(1)) writeFileSync(f, '');
  }
  /** Reads new output; true when there was some. */
  poll(): boolean {
    let fd: number;
    try {
      fd = openSync(this.files[0]!, 'r');
    } catch {
      return false;
    }
    let grew = false;
    try {
      const size = fstatSync(fd).size;
      if (size < this.pos) this.pos = 0; // truncated (a resubmission)
      const buf = Buffer.alloc(64 * 1024);
      while (this.pos < size) {
        const n = readSync(fd, buf, 0, buf.length, this.pos);
        if (n <= 0) break;
        this.pos += n;
        grew = true;
        const chunk = buf.subarray(0, n);
        for (const f of this.files.slice(1)) {
          try {
            const o = openSync(f, 'a');
            writeSync(o, chunk);
            closeSync(o);
          } catch {
            /* a copy that cannot be written costs the copy only */
          }
        }
        this.tail += chunk.toString('utf8');
        if (this.tail.length > this.tailMax * 2) this.tail = this.tail.slice(-this.tailMax);
      }
    } finally {
      closeSync(fd);
    }
    return grew;
  }
}

export function slurmExecutor(config?: ExecutorConfig): Executor {
  const e: ExecutorConfig = config ?? { ...defaultExecutor(), kind: 'slurm' };
  const pollOverride = Number(process.env.AR_SLURM_POLL_MS) || 0;
  return {
    kind: 'slurm',
    check() {
      if (!onPath('sbatch')) {
        throw new UsageError('executor kind "slurm" needs sbatch, which is not on PATH here: run on a login node of the cluster, or set executor.kind to local.');
      }
    },
    async cancel(handle: JobHandle) {
      await scancel({ id: handle.id, name: handle.name }, process.cwd());
    },
    async probe(dir, o = {}) {
      // A tiny job reads a token written here: on a node without the repository it cannot.
      const token = randomBytes(8).toString('hex');
      const scratch = path.join(dir, STATE_ROOT);
      const made = !existsSync(scratch);
      mkdirSync(scratch, { recursive: true, mode: 0o700 });
      const tokenFile = path.join(scratch, `probe-${token}.token`);
      const outFile = path.join(scratch, `probe-${token}.out`);
      writeFileSync(tokenFile, token + '\n');
      const ac = new AbortController();
      const stop = () => ac.abort();
      o.signal?.addEventListener('abort', stop, { once: true });
      let queuedTooLong = false;
      o.out?.('Checking that the compute nodes see this repository (a probe job)...');
      try {
        const r = await this.run({
          argv: ['cat', tokenFile],
          cwd: dir,
          env: process.env,
          logFiles: [outFile],
          limitMs: 60_000,
          graceMs: 1000,
          name: `ar-probe-${token.slice(0, 8)}`,
          signal: ac.signal,
          onPlace: (p) => {
            if (p.state === 'queued' && p.queuedMs > PROBE_QUEUE_MS) {
              queuedTooLong = true;
              ac.abort();
            }
          },
        });
        let seen = '';
        try {
          seen = readFileSync(outFile, 'utf8');
        } catch {
          /* never written here */
        }
        if (seen.includes(token)) return null;
        if (queuedTooLong) {
          o.out?.(`The probe job waited in the queue for ${PROBE_QUEUE_MS / 1000} s; could not check that the compute nodes see ${dir}.`);
          return null;
        }
        if (o.signal?.aborted) return null;
        const where = r.job?.node ? `compute node ${r.job.node}` : 'the compute node';
        return `${where} does not see ${dir} (a probe job could not read a file init wrote there, job ${r.job?.id ?? '?'} ${r.job?.state ?? ''}): put the repository on a file system the compute nodes share (home or project space usually is), or use executor kind local.`;
      } finally {
        o.signal?.removeEventListener('abort', stop);
        rmSync(tokenFile, { force: true });
        rmSync(outFile, { force: true });
        if (made) rmSync(scratch, { recursive: true, force: true }); // a refused init leaves the folder as it was
      }
    },
    async run(spec: StartSpec): Promise<RunOutcome> {
      const follower = new Follower(spec.logFiles);
      for (const f of spec.logFiles) writeFileSync(f, ''); // a log from the first moment, filled as the node writes
      let retries = 0;
      let queuedMsTotal = 0;
      for (;;) {
        const name = retries ? `${spec.name}-r${retries}` : spec.name;
        const r = await attempt(e, { ...spec, name }, follower, pollOverride);
        queuedMsTotal += r.queuedMs;
        const failed = r.outcome.cause.kind === 'infra';
        if (!failed || retries >= e.retries || spec.signal?.aborted) {
          const job = r.outcome.job!;
          job.queuedSeconds = Math.round(queuedMsTotal / 100) / 10;
          if (retries) job.retries = retries;
          return r.outcome;
        }
        retries++;
        follower.restart();
      }
    },
  };
}

async function attempt(e: ExecutorConfig, spec: StartSpec, follower: Follower, pollOverride: number): Promise<{ outcome: RunOutcome; queuedMs: number }> {
  const submitted = Date.now();
  const sub = await sbatch([...submitArgs(e, spec), jobScript(), ...spec.argv], spec.cwd, spec.env);
  if ('error' in sub) {
    if (sub.missing) throw new UsageError('executor kind "slurm" needs sbatch, which is not on PATH here: run on a login node of the cluster, or set executor.kind to local.');
    throw new UsageError(`Slurm refused the job: ${sub.error.split('\n')[0]!.replace(/^sbatch: error: /, '')}`);
  }
  const id = sub.id;
  spec.onStart?.({ engine: 'slurm', id, name: spec.name });

  let runningAt: number | null = null;
  let node: string | null = null;
  let asked: 'timeout' | 'interrupted' | null = null;
  let askedAt = 0;
  /** When the controller is asked next, and the wait after that. */
  let gap = pollOverride || FIRST_MS;
  let nextQuery = 0;
  let lastChange = 0;
  /** Asked again soon: after a change of state always, after new output at most once a second (training prints all along). */
  const changed = (t: number, output = false) => {
    if (pollOverride || (output && t - lastChange < OUTPUT_NUDGE_MS)) return;
    lastChange = t;
    gap = FIRST_MS;
    nextQuery = Math.min(nextQuery, t + gap);
  };
  let lastTick = 0;
  let lastPlace = 0;
  let done = false;
  const cancel = async (why: 'timeout' | 'interrupted') => {
    if (!asked) {
      asked = why;
      askedAt = Date.now();
    }
    await scancel({ id, name: spec.name }, spec.cwd);
  };
  const onAbort = () => void (asked ? null : cancel('interrupted'));
  spec.signal?.addEventListener('abort', onAbort, { once: true });
  if (spec.signal?.aborted) onAbort();
  try {
    while (!done) {
      // The log is read every tick (a local read); the controller is asked often only just after a change.
      const t = Date.now();
      if (follower.poll()) changed(t, true);
      if (t >= nextQuery || asked) {
        const q = await queueState(id, spec.cwd);
        const now = Date.now();
        nextQuery = now + gap;
        if (!pollOverride) gap = Math.min(SLOW_MS, gap * 1.25);
        if (q === null) done = true;
        else if ('error' in q) {
          /* the controller did not answer this time: ask again */
        } else {
          const st = baseState(q.state);
          if (FINAL.has(st)) done = true;
          else if (RUNNING.has(st)) {
            if (runningAt === null) {
              runningAt = now;
              node = nodeOf(q.node);
              changed(now);
              spec.onPlace?.({ state: 'running', queuedMs: runningAt - submitted, ...(node ? { node } : {}) });
            }
            // its processes have ended and are being cleaned up: it leaves the queue in a moment
            if (st === 'COMPLETING') changed(now);
          } else if (now - lastPlace >= 1000) {
            lastPlace = now;
            spec.onPlace?.({ state: 'queued', queuedMs: now - submitted, ...(q.reason && q.reason !== 'None' ? { reason: q.reason } : {}) });
          }
        }
      }
      const now = Date.now();
      if (runningAt !== null && !done) {
        const ran = now - runningAt;
        if (ran >= spec.limitMs && !asked) await cancel('timeout');
        if (spec.onTick && now - lastTick >= 1000) {
          lastTick = now;
          spec.onTick(ran);
        }
      }
      // scancel asks nicely (TERM, then KILL after the cluster's KillWait); ask again if it lingers
      if (asked && !done && now - askedAt > spec.graceMs + 30_000) {
        askedAt = now;
        await scancel({ id, name: spec.name }, spec.cwd);
      }
      if (done) break;
      await sleep(Math.max(0, Math.min(TICK_MS, nextQuery - Date.now())));
    }
  } catch (err) {
    await scancel({ id, name: spec.name }, spec.cwd); // never leave a job running behind a fault of ours
    throw err;
  } finally {
    spec.signal?.removeEventListener('abort', onAbort);
    unwatch(id);
  }
  const endSeen = Date.now();
  const f = await finalOf(id, spec.cwd);
  follower.poll();
  const c = causeOf(f, asked);
  const started = runningAt ?? endSeen;
  const atMs = c.kind === asked ? Math.max(0, askedAt - started) : Math.max(0, endSeen - started);
  const cause: EndCause = { kind: c.kind, atMs, ...(c.infra ? { infra: c.infra } : {}) };
  const timedOut = cause.kind === 'timeout';
  const interrupted = cause.kind === 'interrupted';
  const job: JobInfo = { engine: 'slurm', id, node: f.node ?? node, queuedSeconds: 0, state: f.state };
  const queuedMs = (runningAt ?? endSeen) - submitted;
  return {
    queuedMs,
    outcome: {
      ok: f.state === 'COMPLETED' && f.exitCode === 0 && !timedOut && !interrupted,
      exitCode: f.state === 'CANCELLED' ? null : f.exitCode,
      signal: f.signal,
      timedOut,
      interrupted,
      cause,
      durationMs: runningAt === null ? 0 : endSeen - runningAt,
      tail: follower.tail.split('\n').slice(-40).join('\n'),
      job,
    },
  };
}


