import { groupAlive, killGroup, runTraining } from '../adapters/training.js';
import type { Executor, JobHandle, RunOutcome, StartSpec } from './types.js';

// The training as a process group on this machine (the default): started at once, so running time is wall time.

export const localExecutor: Executor = {
  kind: 'local',
  check() {},
  run(spec: StartSpec): Promise<RunOutcome> {
    return runTraining({
      argv: spec.argv,
      cwd: spec.cwd,
      env: spec.env,
      logFiles: spec.logFiles,
      limitMs: spec.limitMs,
      graceMs: spec.graceMs,
      signal: spec.signal,
      onTick: spec.onTick,
      onStart: spec.onStart ? (pid) => spec.onStart!({ engine: 'local', id: String(pid) }) : undefined,
    });
  },
  async cancel(handle: JobHandle) {
    const pgid = Number(handle.id);
    if (Number.isInteger(pgid) && pgid > 1 && groupAlive(pgid)) killGroup(pgid, 'SIGKILL');
  },
};
