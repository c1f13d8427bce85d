// The report model's shapes: every number the report shows (computed by summary.ts, worded by recommend.ts).
import type { Source } from './load.js';
import type { NoiseEstimate } from './noise.js';
import type { PushReport } from './push.js';
import type { Goal } from './stats.js';
import type { JobRuns } from './wire.js';

export type { JobRuns };

export type { NoiseEstimate } from './noise.js';

export type RecommendationKind = 'stall' | 'noise' | 'near-miss' | 'direction' | 'memory' | 'timeout' | 'nan' | 'violation';

export interface Recommendation {
  kind: RecommendationKind;
  text: string;
  /** The runs (by id) the sentence is about. */
  runs: number[];
}

export interface RunRef {
  id: number;
  /** 1-based position in the ledger (the chart's x). */
  index: number;
  commit: string;
  description: string;
  lane?: string;
}

export interface Improvement extends RunRef {
  value: number;
  /** Best kept value before this keep (in its lane); null for the first keep. */
  previousBest: number | null;
  /** value - previousBest (negative is better when the goal is min). */
  delta: number | null;
  deltaPercent: number | null;
  linesAdded: number | null;
  linesRemoved: number | null;
}

export interface NearMiss extends RunRef {
  value: number;
  /** The best kept value when the run was judged. */
  bestBefore: number;
  /** How much worse than bestBefore, in the goal's direction (<= 0: better but not kept). */
  gap: number;
  gapPercent: number | null;
}

export interface CrashGroup {
  reason: string;
  count: number;
  runs: RunRef[];
}

export interface ViolationRef extends RunRef {
  violation: string;
}

export interface LaneSummary {
  lane: string;
  runs: number;
  keep: number;
  discard: number;
  crash: number;
  violations: number;
  keepRate: number;
  best: number | null;
  trainingMs: number | null;
}

export interface Stall {
  runsSinceKeep: number;
  msSinceKeep: number | null;
  lastKeep: RunRef | null;
  /** Runs without a keep that count as stalled: max(5, a quarter of all runs). */
  runsThreshold: number;
  /** Or this long without a keep (2 h), over at least 3 runs. */
  msThreshold: number;
  stalled: boolean;
}

export interface ReportModel {
  version: 1;
  tag: string;
  metric: string;
  goal: Goal;
  source: Source;
  period: { start: string | null; end: string | null };
  counts: { runs: number; keep: number; discard: number; crash: number; violations: number; keepRate: number | null };
  baseline: (RunRef & { value: number }) | null;
  best: (RunRef & { value: number }) | null;
  /** best - baseline; percent of |baseline|. */
  change: { absolute: number; percent: number | null } | null;
  time: { trainingMs: number | null; wallMs: number | null; trainingShare: number | null };
  improvements: Improvement[];
  nearMisses: NearMiss[];
  crashes: CrashGroup[];
  violations: ViolationRef[];
  lanes: LaneSummary[];
  noise: NoiseEstimate | null;
  stall: Stall;
  recommendations: Recommendation[];
  warnings: string[];
  /** Which agent profile and model made the runs, most runs first (runs.jsonl's agent/model); absent when none says. */
  agents?: AgentRuns[];
  /** Runs trained as a scheduler's jobs (runs.jsonl's job), by engine; absent when every run was local. */
  jobs?: JobRuns[];
  /** When the agent could not work (API refused, rate limited, usage limit), from the supervisor; absent without one. */
  unavailable?: UnavailableSpan[];
  /** Pushing after keeps (git.push, --push): what never reached the remote. Absent when the tag never pushed. */
  push?: PushReport;
}

export interface AgentRuns {
  agent: string;
  model: string | null;
  runs: number;
}

export interface UnavailableSpan {
  from: string;
  /** Null: it had not ended when the supervisor stopped writing. */
  to: string | null;
  cause: string;
  minutes: number | null;
}
