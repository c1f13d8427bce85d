import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../helpers/repo.js';

/** Start (or reuse) the one-node test cluster and point every Slurm client of this process at it. */
export function useCluster(): string {
  const conf = execFileSync('bash', [path.join(ROOT, 'test/slurm/cluster.sh')], { encoding: 'utf8', timeout: 120_000 }).trim();
  process.env.SLURM_CONF = conf;
  return conf;
}

export function slurm(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', env: process.env }).trim();
}

/** JobState of a job the controller still knows (MinJobAge is 10 min on the test cluster). */
export function jobState(id: string): string {
  const out = slurm('scontrol', ['show', 'job', '-o', id]);
  return /JobState=(\S+)/.exec(out)?.[1] ?? '';
}

export async function waitFor<T>(fn: () => T | null | undefined | false, ms = 90_000, what = String(fn)): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A config for the test cluster: a short budget, one fake GPU per job. */
export const SLURM = { executor: { kind: 'slurm', gres: 'gpu:1', time_padding: 60 } };
