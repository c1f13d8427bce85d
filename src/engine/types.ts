// Shared shapes of the experiment engine. The record is the source of truth; results.tsv is its karpathy view.

export type Status = 'keep' | 'discard' | 'crash';
export type CrashReason = 'timeout' | 'oom' | 'nan' | 'error' | 'no-metric' | 'interrupted' | InfraFailure;
/** A failure of the machines under a run, not of its idea (retried before it is recorded). */
export type InfraFailure = 'node-fail' | 'preempted' | 'boot-fail';

/** How a run ended: the first of these that actually happened, with when (ms after it started running). */
export type EndKind = 'exit' | 'signal' | 'timeout' | 'interrupted' | 'oom' | 'infra';
export interface EndCause {
  kind: EndKind;
  atMs: number;
  /** For `infra`: what failed under the run. */
  infra?: InfraFailure;
}

/** A training run's outcome: failure is data, never an exception. */
export interface ProcessOutcome {
  ok: boolean;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** The first thing that ended it; older callers may leave it out. */
  cause?: EndCause;
  durationMs: number;
  /** Last lines of combined stdout+stderr. */
  tail: string;
}

/** One line of `.autoresearch/<tag>/runs.jsonl` (append-only). */
export interface RunRecord {
  v: 1;
  /** 1-based index of the run within its tag. */
  id: number;
  tag: string;
  lane?: string;
  /** ISO time the run started / ended. */
  start: string;
  end: string;
  /** Wall time of the training process in ms. */
  durationMs: number;
  /** Full sha of the commit that was trained. */
  commit: string;
  /** Full sha of the last kept commit the run started from. */
  parent: string;
  description: string;
  /** Status as written to results.tsv (a violation is written as discard). */
  status: Status;
  /** Set when the guard made this run a violation; the reason in words. */
  violation?: string;
  crashReason?: CrashReason;
  /** Metric name (config.metric) and its value; null for crashes. */
  metric: string;
  value: number | null;
  /** Best kept value before this run (null before the first keep). */
  bestBefore: number | null;
  memoryGb: number;
  /** Every `name: value` summary line the script printed. */
  metrics: Record<string, number | string>;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  linesAdded: number;
  linesRemoved: number;
  /** Path of the run's log, relative to the repo root. */
  log: string;
  seed?: number;
  /** The agent profile (claude, codex, gemini) and model that made the run, when an agent did. */
  agent?: string;
  model?: string;
  /** Noise-aware keeping: the margin the improvement needed. */
  noise?: { sigma: number; threshold: number; margin: number | null };
  /** Last lines of the log for crashes. */
  tail?: string;
  /** A run read from a results.tsv kept by hand or by another tool (`import`): no times, log or exit status. */
  imported?: { from: string; line: number; inGit: boolean };
  /** What ended the training first, and when (seconds of running time). */
  ended?: { cause: EndKind; atSeconds: number };
  /** Queued experiments (`submit`): the experiment's number, when it was queued, and why it was not kept as measured. */
  experiment?: number;
  queued?: string;
  /** The second measurement of an idea whose first was stale (measured on a parent the best had moved past). */
  remeasured?: boolean;
  /** Measured on a parent the best had moved past: a discard whatever its value (re-measured when it beat its parent). */
  stale?: boolean;
  /** Not measured: it did not apply onto the new best, which experiment #n had made. */
  conflict?: number;
  /** Where a scheduler ran it (absent for a local run). */
  job?: { engine: string; id: string; node: string | null; queuedSeconds: number; state: string; retries?: number };
}

/** One row of a results.tsv as its reader gives it (report/ledger-tsv.ts; `import` takes these). */
export interface LedgerRow {
  /** 1-based line number in the file. */
  line: number;
  commit: string;
  /** null for a crash (written as 0.000000) or an unreadable number. */
  value: number | null;
  memoryGb: number | null;
  status: Status;
  /** Description without the `[violation: ...]` marker. */
  description: string;
  violation?: string;
  /** The other numeric columns of the row, by header name (a crash's placeholder zeros left out). */
  metrics?: Record<string, number>;
}
