// The report's model as the page reads it: what the dashboard server sends live and report.html embeds.

/** A cluster job a run trained in (written by the Slurm executor); absent for local runs. */
export interface WireJob {
  engine: string;
  id: string;
  node?: string | null;
  queuedSeconds?: number | null;
  state?: string | null;
}

/** One run of a ledger, as the table and the chart read it. */
export interface WireRun {
  /** The tag (lane) whose ledger holds it. */
  tag: string;
  id: number;
  status: 'keep' | 'discard' | 'crash';
  value: number | null;
  /** Best kept value before this run (in its tag). */
  bestBefore: number | null;
  added: number;
  removed: number;
  description: string;
  commit: string;
  durationMs: number;
  /** Unix ms the run started; null when its record's start does not parse. */
  startMs: number | null;
  crashReason?: string;
  violation?: string;
  seed?: number;
  job?: WireJob;
}

export interface WireCurrentRun {
  id: number;
  description: string;
  /** Unix ms the run started. */
  startMs: number;
  budgetSeconds: number | null;
  /** The log's last lines (ANSI stripped, keys redacted). */
  tail: string;
}

/** A run in flight (a batch's runs side by side have one each): where it is and since when. */
export interface WireRunInFlight {
  /** Its ledger id, once given (a batch's run gets one when it is recorded). */
  id: number | null;
  description: string;
  /** running, pending (in the scheduler's queue), stale (its runner is gone). */
  state: string;
  /** `pid 4312`, `job 812 (Resources)`, `job 812 on a07`, `runner 4312 gone`. */
  place: string;
  /** Unix ms its clock counts from (the start, or the end of its time queued once its job runs). */
  sinceMs: number | null;
  /** Its log's last lines (ANSI stripped, keys redacted); absent for the current run (the log box shows it). */
  tail?: string;
}

/** One session or lane: what its supervisor is doing. */
export interface WireLane {
  tag: string;
  /** The lane set (`--gpus`/`--lanes`), or the tag itself for a plain session. */
  session: string;
  lane: string | null;
  gpu: string | null;
  /** starting, dialog, busy, ready, restarting, stopping, stopped, failed, dead (supervisor gone), idle (no supervisor: run/sweep only). */
  state: string;
  /** Why it stopped or failed. */
  reason: string | null;
  task: string | null;
  turns: number;
  restarts: number;
  /** Unix ms the supervisor started, while it runs. */
  startedMs: number | null;
  /** Where training runs: "local", or the job of the latest run that names one. */
  executor: string;
  job: WireJob | null;
  runs: number;
  best: { id: number; value: number; commit: string } | null;
  current: WireCurrentRun | null;
  /** Every run in flight: pending.json's and a batch's pending-<n>.json's. */
  inFlight: WireRunInFlight[];
  /** Whether the agent's pane can be watched (its tmux session is up). */
  pane: boolean;
  /** The URL of a dashboard started beside this session (`--dashboard`). */
  dashboard: string | null;
}

/** Runs that were one scheduler's jobs (the report's `jobs`). */
export interface JobRuns {
  engine: string;
  runs: number;
  /** The nodes they ran on, sorted (a job that never ran has none). */
  nodes: string[];
  /** Time in the scheduler's queue before training started. */
  queuedSeconds: { total: number; median: number; max: number };
}

/** The report's statistics of one tag. */
export interface WireStats {
  tag: string;
  runs: number;
  keep: number;
  discard: number;
  crash: number;
  violations: number;
  keepRate: number | null;
  baseline: { id: number; value: number } | null;
  best: { id: number; value: number; description: string } | null;
  change: { absolute: number; percent: number | null } | null;
  noise: { sigma: number; from: string; n: number } | null;
  stalled: boolean;
  runsSinceKeep: number;
  recommendations: string[];
  /** Runs that were a scheduler's jobs, by engine (the report's `jobs`); absent when all trained here. */
  jobs?: JobRuns[];
}

/** The runs as columns (report.html: a 100k-run ledger serialises in a fraction of the time objects take). */
export interface WireColumns {
  tag: string[];
  id: number[];
  status: WireRun['status'][];
  value: (number | null)[];
  bestBefore: (number | null)[];
  added: number[];
  removed: number[];
  description: string[];
  commit: string[];
  durationMs: number[];
  /** Unix ms; null when the record's start did not parse. */
  startMs: (number | null)[];
  /** By run index: an array, or (report.html) an object holding only the runs that have one. */
  crashReason: (string | null)[] | Record<number, string>;
  violation: (string | null)[] | Record<number, string>;
  /** Absent when no run has one. */
  seed?: (number | null)[];
  job?: (WireJob | null)[];
}

/** Runs as columns: what a snapshot carries (10,000 runs parse in a fraction of the time as objects). */
export function columnsOfRuns(runs: WireRun[]): WireColumns {
  const n = runs.length;
  const c: WireColumns = { tag: new Array(n), id: new Array(n), status: new Array(n), value: new Array(n), bestBefore: new Array(n), added: new Array(n), removed: new Array(n), description: new Array(n), commit: new Array(n), durationMs: new Array(n), startMs: new Array(n), crashReason: new Array(n), violation: new Array(n) };
  let seed: (number | null)[] | null = null;
  let job: (WireJob | null)[] | null = null;
  for (let i = 0; i < n; i++) {
    const r = runs[i]!;
    c.tag[i] = r.tag;
    c.id[i] = r.id;
    c.status[i] = r.status;
    c.value[i] = r.value;
    c.bestBefore[i] = r.bestBefore;
    c.added[i] = r.added;
    c.removed[i] = r.removed;
    c.description[i] = r.description;
    c.commit[i] = r.commit;
    c.durationMs[i] = r.durationMs;
    c.startMs[i] = r.startMs;
    c.crashReason[i] = r.crashReason ?? null;
    c.violation[i] = r.violation ?? null;
    if (r.seed !== undefined) (seed ??= new Array(n).fill(null))[i] = r.seed;
    if (r.job) (job ??= new Array(n).fill(null))[i] = r.job;
  }
  if (seed) c.seed = seed;
  if (job) c.job = job;
  return c;
}

/** The runs of columns, as objects. */
export function runsOfColumns(c: WireColumns): WireRun[] {
  const out: WireRun[] = new Array(c.id.length);
  for (let i = 0; i < c.id.length; i++) {
    const r: WireRun = {
      tag: c.tag[i]!,
      id: c.id[i]!,
      status: c.status[i]!,
      value: c.value[i]!,
      bestBefore: c.bestBefore[i]!,
      added: c.added[i]!,
      removed: c.removed[i]!,
      description: c.description[i]!,
      commit: c.commit[i]!,
      durationMs: c.durationMs[i]!,
      startMs: c.startMs[i]!,
    };
    if (c.crashReason[i]) r.crashReason = c.crashReason[i]!;
    if (c.violation[i]) r.violation = c.violation[i]!;
    const seed = c.seed?.[i];
    if (seed !== undefined && seed !== null) r.seed = seed;
    const job = c.job?.[i];
    if (job) r.job = job;
    out[i] = r;
  }
  return out;
}

export interface Snapshot {
  /** The repository's folder name. */
  repo: string;
  metric: string;
  goal: 'min' | 'max';
  lanes: WireLane[];
  runs: WireRun[];
  /** Instead of runs (the live snapshot and report.html): the page turns them into runs. */
  columns?: WireColumns;
  /** The model's change count when it was made: the event stream sends only what came after it. */
  seq?: number;
  stats: WireStats[];
  /** Actions (add a task, stop a lane, promote) are allowed (`--allow-actions`). */
  actions: boolean;
  /** false in report.html: no server to ask for diffs, logs or panes. */
  live: boolean;
  /** Server time (Unix ms) the snapshot was made. */
  now: number;
}

/** A run of a pane's text in one style: colours as #rrggbb; bold, dim, italic, underline, inverse as 1. */
export interface WirePaneSpan {
  t: string;
  fg?: string;
  bg?: string;
  b?: 1;
  d?: 1;
  i?: 1;
  u?: 1;
  r?: 1;
}

export type WirePaneLine = WirePaneSpan[];

/** Events after the snapshot. */
export type Delta =
  | { kind: 'runs'; runs: WireRun[] }
  | { kind: 'reset'; tag: string; runs: WireRun[] }
  | { kind: 'lanes'; lanes: WireLane[]; now: number }
  | { kind: 'stats'; stats: WireStats[] }
  | { kind: 'pane'; tag: string; text: string; lines?: WirePaneLine[] };
