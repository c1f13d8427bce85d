import type { ExecutorConfig } from '../config-defaults.js';
import { UsageError } from '../errors.js';
import type { Executor } from './types.js';

export function slurmExecutor(_e?: ExecutorConfig): Executor {
  const no = () => {
    throw new UsageError('executor kind "slurm" is not available yet in this version; use kind: local.');
  };
  return { kind: 'slurm', check: no, run: async () => no(), cancel: async () => {} };
}
