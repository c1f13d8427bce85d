import type { Config } from '../config.js';
import { UsageError } from '../errors.js';
import { parseGpuList, parseParallel } from '../parallel-flags.js';

// `sweep --parallel K` and `--gpus LIST`: how many points run side by side, and on which devices.

export function parallelOptions(raw: { parallel?: string; gpus?: string }, config: Config): { parallel?: number; gpus?: string[] } {
  const parallel = parseParallel(raw.parallel);
  if (raw.gpus === undefined) return parallel === undefined ? {} : { parallel };
  if (config.executor.kind !== 'local') {
    throw new UsageError(`with executor kind ${config.executor.kind} the scheduler gives each run its GPU: use --parallel K, not --gpus.`);
  }
  const gpus = parseGpuList(raw.gpus, 'sweep point');
  if (parallel !== undefined && parallel > gpus.length) throw new UsageError(`--parallel ${parallel} is more than the ${gpus.length} GPUs of --gpus; one point runs per GPU.`);
  return { parallel: parallel ?? gpus.length, gpus };
}
