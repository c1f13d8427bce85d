import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Git } from '../adapters/git.js';
import { worktreeAdd, worktreePrune, worktreeRemove } from '../adapters/worktree.js';
import type { Config } from '../config-defaults.js';
import { UsageError } from '../errors.js';
import { stateDir } from '../paths.js';
import { linkIgnoredDirs } from './link-ignored.js';

// Where queued experiments train: one checkout per slot, never the user's working tree (the agent edits there).

export interface Slot {
  index: number;
  /** Added to the training's environment (CUDA_VISIBLE_DEVICES of its GPU). */
  env: Record<string, string>;
  /** How `queue` names it: `slot 0`, `gpu 1`. */
  label: string;
}

/** One slot per GPU given, else `count` slots without a GPU of their own (one local slot by default). */
export function slotsFor(gpus: string[] | null, count = 1): Slot[] {
  if (gpus && gpus.length) return gpus.map((g, i) => ({ index: i, env: { CUDA_VISIBLE_DEVICES: g }, label: `gpu ${g}` }));
  return Array.from({ length: Math.max(1, count) }, (_, i) => ({ index: i, env: {}, label: `slot ${i}` }));
}

/** The queue runner's slots: `executor.parallel` jobs on a scheduler (it places them), else one per GPU given (or configured: pipeline.gpus), else one. */
export function runnerSlots(config: Config, gpus: string[] | null): Slot[] {
  // A runner started by `submit` alone trains on the configured GPUs as the session's runner does.
  if (config.executor.kind === 'local') return slotsFor(gpus ?? config.pipeline.gpus ?? null);
  if (gpus) throw new UsageError(`with executor kind ${config.executor.kind} the scheduler gives each run its GPU: set executor.parallel for jobs in flight, not --gpus.`);
  if (config.pipeline.gpus) {
    throw new UsageError(`pipeline GPUs are for the local executor; with executor kind ${config.executor.kind} the scheduler gives each job its GPU: set executor.parallel instead.`);
  }
  return slotsFor(null, config.executor.parallel).map((s) => ({ ...s, label: `job ${s.index}` }));
}

/**
 * How many of `total` independent runs (compare's seeds, noise reruns) go side by side: `parallel` when given,
 * else one per GPU given, else all of them on a scheduler (it queues what does not fit), else one at a time.
 */
export function sideBySide(config: Config, total: number, o: { parallel?: number; gpus?: readonly string[] | null } = {}): number {
  const k = o.parallel ?? (o.gpus?.length || (config.executor.kind === 'local' ? 1 : total));
  return Math.max(1, Math.min(k, total));
}

export function slotDir(repo: string, tag: string, index: number): string {
  return path.join(stateDir(repo, tag), 'slots', String(index));
}

/** The slot's checkout at `commit` (made on first use, with the repo's ignored data folders linked in). */
export async function checkoutSlot(repo: string, tag: string, index: number, commit: string): Promise<string> {
  const dir = slotDir(repo, tag, index);
  if (existsSync(path.join(dir, '.git'))) {
    const r = await new Git(dir).checkoutDetached(commit).then(
      () => true,
      () => false,
    );
    if (r) return dir;
    rmSync(dir, { recursive: true, force: true });
  }
  await worktreePrune(repo);
  await worktreeAdd(repo, dir, commit);
  await linkIgnoredDirs(repo, dir);
  return dir;
}

/** Remove the tag's slot checkouts (after a sweep side by side; a later user makes them again). */
export async function removeSlots(repo: string, tag: string): Promise<void> {
  const dir = path.join(stateDir(repo, tag), 'slots');
  if (!existsSync(dir)) return;
  for (const n of readdirSync(dir)) {
    const wt = path.join(dir, n);
    if (!(await worktreeRemove(repo, wt))) rmSync(wt, { recursive: true, force: true });
  }
  await worktreePrune(repo);
}
