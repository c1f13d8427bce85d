import type { Config } from '../config-defaults.js';
import { localExecutor } from './local.js';
import type { Executor, JobHandle } from './types.js';

export type { Executor, JobHandle, JobInfo, JobPlace, RunOutcome, StartSpec } from './types.js';

// The one place that turns `executor.kind` into an engine; a new engine is one more branch here.
// Engines other than local are loaded only when used, so a local `run` loads none of their code.

export async function executorFor(config: Config): Promise<Executor> {
  const e = config.executor;
  if (!e || e.kind === 'local') return localExecutor;
  const { slurmExecutor } = await import('./slurm.js');
  return slurmExecutor(e);
}

/** Stop a run from its handle alone (a cut-off run's pending marker), whatever the config says now. */
export async function cancelRun(handle: JobHandle, config?: Config): Promise<void> {
  if (handle.engine === 'local') return localExecutor.cancel(handle);
  if (handle.engine === 'slurm') {
    const { slurmExecutor } = await import('./slurm.js');
    return slurmExecutor(config?.executor?.kind === 'slurm' ? config.executor : undefined).cancel(handle);
  }
}
