// Where training runs. Each executor kind gets its own checks here: local needs nothing more, Slurm needs
// its client commands and a controller that answers. A new kind adds a case.
import { fail, pass, type Check } from './check.js';
import { firstLine } from './machine.js';
import type { Probes } from './probes.js';

/** The executor's kind from a config that may not have the key yet (local when absent). */
export function executorKind(config: object): string {
  const e = (config as { executor?: { kind?: unknown } }).executor;
  return typeof e?.kind === 'string' ? e.kind : 'local';
}

export async function checkExecutor(p: Probes, cwd: string, config: object): Promise<Check[]> {
  const kind = executorKind(config);
  switch (kind) {
    case 'local':
      return [pass('executor', 'local: training runs on this machine')];
    case 'slurm':
      return checkSlurm(p, cwd);
    default:
      return [fail('executor', `unknown executor kind "${kind}"`, 'set executor.kind in autoresearch.yaml to local or slurm')];
  }
}

async function checkSlurm(p: Probes, cwd: string): Promise<Check[]> {
  const missing = ['sbatch', 'squeue', 'scancel'].filter((c) => !p.which(c, cwd));
  if (missing.length) return [fail('executor', `slurm: ${missing.join(', ')} not found on PATH`, 'run on a machine with the Slurm client commands (a login node), or set executor.kind: local')];
  const user = p.env.USER || p.env.LOGNAME || '';
  const r = await p.run('squeue', ['--noheader', '--format=%i', ...(user ? ['--user', user] : [])], { cwd, timeoutMs: 30_000 });
  if (r.code !== 0) {
    const why = r.timedOut ? 'gave no answer in 30 s' : `failed${r.output.trim() ? `: ${firstLine(r.output)}` : ''}`;
    return [fail('executor', `slurm: "squeue" ${why}`, 'check that the Slurm controller is up and reachable from here (sinfo, scontrol ping)')];
  }
  return [pass('executor', 'slurm: sbatch, squeue and scancel found; the controller answers')];
}
