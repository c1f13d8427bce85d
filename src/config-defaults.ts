import { UsageError } from './errors.js';
import { DEFAULT_KEEP_MESSAGE } from './commit-message.js';

// The configuration's shape, defaults and environment override: no YAML here, so `run` can use a cached
// parse without loading the parser (see engine/config-cache.ts).

export interface TaskSpec {
  text: string;
  priority: number;
}

/** Where training runs: this machine (local) or one Slurm job per run. */
export interface ExecutorConfig {
  kind: 'local' | 'slurm';
  /** Slurm: the partition, account and QOS to submit to (the cluster's defaults when null). */
  partition: string | null;
  /** Slurm: the generic resources a job asks for (null: none). */
  gres: string | null;
  account: string | null;
  qos: string | null;
  /** Slurm: seconds added to budget x timeout_factor for the job's --time (its backstop limit). */
  time_padding: number;
  /** Slurm: extra sbatch arguments, passed as argv. */
  args: string[];
  /** Resubmissions after a failure of the infrastructure (node failure, preemption, boot failure). */
  retries: number;
}

export interface Config {
  /** Training command: a string split on whitespace, or an argv array. Never run through a shell. */
  command: string[];
  budget_seconds: number;
  metric: string;
  goal: 'min' | 'max';
  editable: string[];
  readonly: string[];
  /** Summary line holding peak memory in MB (memory_gb = value / 1024). */
  memory_metric: string;
  /** Summary values results.tsv shows after memory_gb (header-named); empty: karpathy's five columns. */
  ledger_columns: string[];
  /** Optional prerequisite command (e.g. "is the data prepared?"), argv like `command`. */
  check: string[] | null;
  /** The run is killed at timeout_factor x budget. */
  timeout_factor: number;
  kill_grace_seconds: number;
  /** Files whose change counts as a new dependency (a violation). */
  dependency_files: string[];
  /** What the research is for, in words, for CLAUDE.md (`--goal` overrides). */
  objective: string;
  /** The agent CLI: its profile (claude, codex, gemini) and, optionally, its own launch line. */
  agent: { profile: string; command: string | null; args: string[] | null };
  tasks: TaskSpec[];
  noise: { reruns: number; sigma: number } | null;
  notify: { webhook: string | null; bell: boolean; desktop: boolean };
  executor: ExecutorConfig;
  /** Experiments in flight: how many the supervisor keeps queued or running (1: one at a time, as `run`), and what a stale result gets. */
  pipeline: { depth: number; stale: 'remeasure' | 'discard' };
  supervisor: {
    /** Restart the agent with a fresh context after this many turns (0 = never). */
    restart_after_turns: number;
    /** Seconds an unrecognised screen may stay before it is an error. */
    unknown_screen_timeout: number;
    /** Seconds of the first wait after a transient API failure (rate limit, overload, server error, network). */
    backoff_initial: number;
    /** The wait doubles after each failure up to this many seconds. */
    backoff_max: number;
    /** Seconds the agent may stay unavailable (transient failures) before the session stops as failed. */
    unavailable_limit: number;
  };
  git: {
    /** Push the branch to this remote after every keep (never forced); null: no pushing. */
    push: string | null;
    /** Push the runs' refs (refs/autoresearch/<tag>/<n>) too. */
    push_refs: boolean;
    /** A kept commit's message; placeholders in commit-message.ts. */
    message: string;
  };
}

export const DEFAULT_DEPENDENCY_FILES = [
  'pyproject.toml',
  'uv.lock',
  'requirements*.txt',
  'setup.py',
  'setup.cfg',
  'environment.yml',
  'Pipfile',
  'Pipfile.lock',
  'poetry.lock',
  'package.json',
  'package-lock.json',
];

export function defaultConfig(): Config {
  return {
    command: ['uv', 'run', 'train.py'],
    budget_seconds: 300,
    metric: 'val_bpb',
    goal: 'min',
    editable: ['train.py'],
    readonly: ['prepare.py'],
    memory_metric: 'peak_vram_mb',
    ledger_columns: [],
    check: null,
    timeout_factor: 2,
    kill_grace_seconds: 5,
    dependency_files: [...DEFAULT_DEPENDENCY_FILES],
    objective: 'Get the lowest val_bpb within the fixed time budget.',
    agent: { profile: 'claude', command: null, args: null },
    tasks: [],
    noise: null,
    notify: { webhook: null, bell: true, desktop: true },
    supervisor: { restart_after_turns: 0, unknown_screen_timeout: 60, backoff_initial: 30, backoff_max: 900, unavailable_limit: 7200 },
    git: { push: null, push_refs: false, message: DEFAULT_KEEP_MESSAGE },
    executor: defaultExecutor(),
    pipeline: { depth: 1, stale: 'remeasure' },
  };
}

export function defaultExecutor(): ExecutorConfig {
  return { kind: 'local', partition: null, gres: 'gpu:1', account: null, qos: null, time_padding: 300, args: [], retries: 1 };
}

/** TIME_BUDGET in the environment overrides the budget (karpathy's train.py ignores it: its budget is a constant in prepare.py). */
export function applyEnv(cfg: Config, env: NodeJS.ProcessEnv = process.env): Config {
  const tb = env.TIME_BUDGET;
  if (tb !== undefined && tb !== '') {
    const n = Number(tb);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`TIME_BUDGET must be a positive number of seconds, not "${tb}".`);
    cfg.budget_seconds = n;
  }
  return cfg;
}

/** A remote git can be given as an argument: a name, a URL or a path, never something read as an option. */
export function checkRemote(v: string, where: string): string {
  const r = v.trim();
  if (r === '' || r.startsWith('-') || /[\s\0]/.test(r)) throw new UsageError(`${where} must be a git remote (a name such as origin, a URL or a path), not ${JSON.stringify(v)}.`);
  return r;
}
