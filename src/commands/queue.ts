import { openSync, closeSync, mkdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { parseGpuList } from '../parallel-flags.js';
import { stateDir } from '../paths.js';
import { interruptOnSignals } from './init.js';
import type { QueueEntry } from '../engine/queue.js';
import { whereRow, whereStarted } from '../engine/where.js';

/** `--gpus 0,1`: the GPUs the runner gives its slots, one each. */
export function parseGpus(v: string | undefined): string[] | null {
  return v === undefined ? null : parseGpuList(v, 'slot');
}

/** Start the tag's runner in the background unless one is alive; it ends when the queue is empty. A session runs its own. */
export async function ensureRunner(repo: string, tag: string, gpus: string[] | null): Promise<number | null> {
  const { runnerAlive, readQueue } = await import('../engine/queue.js');
  const alive = runnerAlive(repo, tag);
  if (alive || !readQueue(repo, tag).length) return alive;
  const session = (await import('../supervisor/discover.js')).liveSupervisorOf(repo, tag);
  if (session) return session;
  const { cliScript } = await import('../supervisor/files.js');
  mkdirSync(stateDir(repo, tag), { recursive: true, mode: 0o700 });
  const out = openSync(path.join(stateDir(repo, tag), 'runner.log'), 'a', 0o600);
  const args = [cliScript(), 'queue', '--runner', '-C', repo, ...(gpus ? ['--gpus', gpus.join(',')] : [])];
  const child = spawn(process.execPath, args, { cwd: repo, detached: true, stdio: ['ignore', out, out], windowsHide: true });
  closeSync(out);
  child.on('error', () => {}); // the next submit, results or queue starts it again
  child.unref();
  return child.pid ?? null;
}

/**
 * State, place and time of one entry: `queued` here (waiting for a slot), `pending` in the scheduler's queue
 * (`job 812 (Resources)`), or `running` (`gpu 4`, `slot 0`, `job 812 on a07`, for how long it has trained).
 */
export function whereIs(e: QueueEntry, now: number): string {
  if (e.state !== 'running') return whereRow('queued', '', e.queued, now);
  const w = whereStarted(e.job, e.started, e.slotLabel ?? `slot ${e.slot ?? '?'}`);
  return whereRow(w.state, w.place, w.since, now);
}

export function register(program: Command): void {
  program
    .command('queue')
    .description('the experiments waiting and running (submit queues them), where and for how long; --cancel N takes one off')
    .option('--cancel <n>', 'cancel experiment N: a queued one is dropped, a running one stopped (recorded as an interrupted crash)')
    .option('--gpus <list>', 'for a runner this starts: one slot per GPU (CUDA_VISIBLE_DEVICES), like 0,1')
    .option('--runner', 'run the queue in this process until it is empty (what submit starts in the background)')
    .option('-C, --repo <dir>', 'research repo (default: current folder)')
    .action(async (opts: { cancel?: string; gpus?: string; runner?: boolean; repo?: string }) => {
      const gpus = parseGpus(opts.gpus);
      let cancel: number | null = null;
      if (opts.cancel !== undefined) {
        cancel = Number(opts.cancel);
        if (!Number.isInteger(cancel) || cancel < 1) throw new UsageError(`--cancel needs an experiment number (1 or more), not "${opts.cancel}".`);
      }
      const [{ repoAndTag }, { loadConfigCached }, q] = await Promise.all([import('../engine/step.js'), import('../engine/config-cache.js'), import('../engine/queue.js')]);
      const { repo, tag } = await repoAndTag(opts.repo ?? process.cwd());
      if (opts.runner) {
        const config = await loadConfigCached(repo, tag);
        const [{ runQueue }, { runnerSlots }, { lazyLogger }] = await Promise.all([import('../engine/runner.js'), import('../engine/slots.js'), import('../log-lazy.js')]);
        const slots = runnerSlots(config, gpus);
        const log = lazyLogger(repo, tag, 'runner');
        const ac = interruptOnSignals();
        try {
          const ran = await runQueue({ repo, tag, config, slots, exitWhenEmpty: true, signal: ac.signal, log });
          if (!ran) process.stdout.write(`another runner holds tag ${tag} (pid ${q.runnerAlive(repo, tag) ?? '?'}).\n`);
        } finally {
          ac.dispose();
          await log.flush();
        }
        return;
      }
      if (cancel !== null) {
        const n = cancel;
        const { withLock } = await import('../engine/lock.js');
        const said = await withLock(q.queueLockPath(repo, tag), async () => {
          const e = q.readQueue(repo, tag).find((x) => x.n === n);
          if (!e) return null;
          if (e.state === 'queued') {
            await q.removeEntry(repo, tag, n);
            return `cancelled #${n} (it was queued; nothing was run).`;
          }
          q.writeEntry(repo, tag, { ...e, cancel: true });
          return `#${n} is being stopped; it is recorded as an interrupted crash.`;
        });
        if (!said) throw new UsageError(`there is no experiment #${n} in the queue (ar-supervise queue lists them).`);
        process.stdout.write(said + '\n');
        return;
      }
      const { syncWorkTree } = await import('../engine/submit.js');
      await syncWorkTree(repo, tag);
      const runner = await ensureRunner(repo, tag, gpus);
      const entries = q.readQueue(repo, tag);
      const now = Date.now();
      if (!entries.length) {
        process.stdout.write('queue:       empty (nothing queued or running)\n');
        return;
      }
      for (const e of entries) {
        process.stdout.write(`#${String(e.n).padEnd(5)} ${whereIs(e, now)}  ${e.description}${e.remeasure ? ' (re-measure)' : ''}${e.cancel ? ' (cancelling)' : ''}\n`);
      }
      process.stdout.write(`runner:      ${runner ? `pid ${runner}` : 'starting'}\n`);
    });
}
