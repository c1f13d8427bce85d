import type { EndCause, ProcessOutcome } from '../engine/types.js';
export type { EndCause, EndKind, InfraFailure } from '../engine/types.js';

// Where a training process runs. The engine, sweeps and compare talk only to this; each engine
// (the local process group, a Slurm job, later Kubernetes or SkyPilot) is one file beside it.


/** What identifies a started run to cancel it later from another process (kept in the pending marker), and where
 * a job is while it has not ended: described with the pending marker (config/state-files.ts). */
export type { JobHandle, JobPlace } from '../config/state-files.js';
import type { JobHandle, JobPlace } from '../config/state-files.js';

/** What a scheduler adds to the run record: `job` in runs.jsonl. */
export interface JobInfo {
  engine: string;
  id: string;
  node: string | null;
  queuedSeconds: number;
  state: string;
  /** Submissions after an infrastructure failure. */
  retries?: number;
}

export interface StartSpec {
  argv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Files that receive the output, in order (the run's log first); written from the start. */
  logFiles: string[];
  /** Hard limit of running time in ms (budget x factor): then the run is stopped as a timeout. */
  limitMs: number;
  graceMs: number;
  /** A short unique name for the run (tag and run number), for engines that name jobs. */
  name: string;
  /** Aborting stops the run; the outcome says interrupted (unless something else ended it first). */
  signal?: AbortSignal;
  /** Called when the engine knows how to find the run again (pid, job id), and again when that changes. */
  onStart?: (handle: JobHandle) => void;
  /** Called while queued and when it starts running (engines with a queue only). */
  onPlace?: (place: JobPlace) => void;
  /** About once a second with the running time in ms. */
  onTick?: (runningMs: number) => void;
}

export interface RunOutcome extends ProcessOutcome {
  interrupted: boolean;
  cause: EndCause;
  job?: JobInfo;
}

export interface Executor {
  readonly kind: string;
  /** Refuse early (before anything is committed) when the engine cannot be used at all. */
  check(): void;
  run(spec: StartSpec): Promise<RunOutcome>;
  /**
   * Does a machine that runs training see `dir` (a shared file system)? null when it does, else one sentence
   * saying what is wrong. Engines that run here need no check.
   */
  probe?(dir: string, o?: { signal?: AbortSignal; out?: (line: string) => void }): Promise<string | null>;
  /** Stop a run that another process started (its runner was killed); resolves once it is asked to stop. */
  cancel(handle: JobHandle): Promise<void>;
}

/** The outcome's flags follow the one cause that ended the run. */
export function flagsOf(cause: EndCause): { timedOut: boolean; interrupted: boolean } {
  return { timedOut: cause.kind === 'timeout', interrupted: cause.kind === 'interrupted' };
}
