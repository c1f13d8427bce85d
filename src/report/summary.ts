// The report model: every number the report shows, computed from the records and nothing else.
import type { RunRecord } from '../engine/types.js';
import type { Source } from './load.js';
import { recommend, type Recommendation } from './recommend.js';
import { estimateNoise, type NoiseEstimate } from './noise.js';
import type { Goal } from './stats.js';

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

export type { NoiseEstimate } from './noise.js';

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
}

export interface SummaryOptions {
  tag: string;
  metric: string;
  goal: Goal;
  source: Source;
  warnings?: string[];
  /** How many near misses to list (default 5). */
  nearMisses?: number;
}

const STALL_MS = 2 * 3600_000;

export function better(goal: Goal, a: number, b: number): boolean {
  return goal === 'min' ? a < b : a > b;
}

function ref(r: RunRecord, index: number): RunRef {
  const out: RunRef = { id: r.id, index, commit: r.commit.slice(0, 7), description: r.description };
  if (r.lane) out.lane = r.lane;
  return out;
}

function pct(delta: number, base: number): number | null {
  return base === 0 ? null : (delta / Math.abs(base)) * 100;
}

export function summarize(records: readonly RunRecord[], opts: SummaryOptions): ReportModel {
  const { goal } = opts;
  const timed = opts.source === 'runs.jsonl';
  const counts = { runs: records.length, keep: 0, discard: 0, crash: 0, violations: 0, keepRate: null as number | null };
  let baseline: ReportModel['baseline'] = null;
  let best: ReportModel['best'] = null;
  let firstStart = Infinity;
  let lastEnd = -Infinity;
  let trainingMs = 0;
  const laneBest = new Map<string, number>();
  const improvements: Improvement[] = [];
  const near = new NearestDiscards(opts.nearMisses ?? 5);
  const crashGroups = new Map<string, RunRef[]>();
  const violations: ViolationRef[] = [];
  const lanes = new Map<string, LaneSummary>();
  let lastKeepIndex = -1;

  records.forEach((r, i) => {
    const index = i + 1;
    counts[r.status]++;
    if (r.violation) counts.violations++;
    trainingMs += r.durationMs;
    const s = Date.parse(r.start);
    const e = Date.parse(r.end);
    if (s < firstStart) firstStart = s;
    if (e > lastEnd) lastEnd = e;
    if (r.value !== null && baseline === null) baseline = Object.assign(ref(r, index), { value: r.value });

    const laneKey = r.lane ?? '';
    const prev = laneBest.get(laneKey) ?? null;
    if (r.status === 'keep' && r.value !== null) {
      const delta = prev === null ? null : r.value - prev;
      improvements.push(Object.assign(ref(r, index), {
        value: r.value,
        previousBest: prev,
        delta,
        deltaPercent: delta === null || prev === null ? null : pct(delta, prev),
        linesAdded: timed ? r.linesAdded : null,
        linesRemoved: timed ? r.linesRemoved : null,
      }));
      if (prev === null || better(goal, r.value, prev)) laneBest.set(laneKey, r.value);
      if (best === null || better(goal, r.value, best.value)) best = Object.assign(ref(r, index), { value: r.value });
      lastKeepIndex = i;
    } else if (r.status === 'discard' && !r.violation && r.value !== null) {
      const judgedAgainst = r.bestBefore ?? prev;
      if (judgedAgainst !== null) near.offer(goal === 'min' ? r.value - judgedAgainst : judgedAgainst - r.value, i, judgedAgainst);
    } else if (r.status === 'crash') {
      const reason = r.crashReason ?? 'unknown';
      const g = crashGroups.get(reason);
      if (g) g.push(ref(r, index));
      else crashGroups.set(reason, [ref(r, index)]);
    }
    if (r.violation) violations.push(Object.assign(ref(r, index), { violation: r.violation }));

    let lane = lanes.get(laneKey);
    if (!lane) {
      lane = { lane: r.lane ?? '(none)', runs: 0, keep: 0, discard: 0, crash: 0, violations: 0, keepRate: 0, best: null, trainingMs: timed ? 0 : null };
      lanes.set(laneKey, lane);
    }
    lane.runs++;
    lane[r.status]++;
    if (r.violation) lane.violations++;
    if (lane.trainingMs !== null) lane.trainingMs += r.durationMs;
  });

  counts.keepRate = counts.runs ? counts.keep / counts.runs : null;
  for (const [key, l] of lanes) {
    l.keepRate = l.keep / l.runs;
    l.best = laneBest.get(key) ?? null;
  }
  const haveTimes = timed && Number.isFinite(firstStart) && Number.isFinite(lastEnd);
  const wallMs = haveTimes ? lastEnd - firstStart : null;
  const b0 = baseline as ReportModel['baseline'];
  const b1 = best as ReportModel['best'];
  const change = b0 && b1 ? { absolute: b1.value - b0.value, percent: pct(b1.value - b0.value, b0.value) } : null;

  const crashes = [...crashGroups.entries()]
    .map(([reason, runs]) => ({ reason, count: runs.length, runs }))
    .sort((p, q) => q.count - p.count || p.reason.localeCompare(q.reason));

  const lastKeep = lastKeepIndex >= 0 ? records[lastKeepIndex]! : null;
  const runsSinceKeep = records.length - 1 - lastKeepIndex;
  const keepEnd = lastKeep ? Date.parse(lastKeep.end) : NaN;
  const msSinceKeep = haveTimes && Number.isFinite(keepEnd) ? lastEnd - keepEnd : null;
  const runsThreshold = Math.max(5, Math.ceil(records.length / 4));
  const stall: Stall = {
    runsSinceKeep,
    msSinceKeep,
    lastKeep: lastKeep ? ref(lastKeep, lastKeepIndex + 1) : null,
    runsThreshold,
    msThreshold: STALL_MS,
    stalled: records.length > 0 && (runsSinceKeep >= runsThreshold || (runsSinceKeep >= 3 && (msSinceKeep ?? 0) >= STALL_MS)),
  };

  const partial = {
    version: 1 as const,
    tag: opts.tag,
    metric: opts.metric,
    goal,
    source: opts.source,
    period: { start: haveTimes ? new Date(firstStart).toISOString() : null, end: haveTimes ? new Date(lastEnd).toISOString() : null },
    counts,
    baseline: b0,
    best: b1,
    change,
    time: { trainingMs: timed ? trainingMs : null, wallMs, trainingShare: timed && wallMs ? trainingMs / wallMs : null },
    improvements,
    nearMisses: near.list().map(({ gap, i, bestBefore }) => {
      const r = records[i]!;
      return Object.assign(ref(r, i + 1), { value: r.value!, bestBefore, gap, gapPercent: pct(gap, bestBefore) });
    }),
    crashes,
    violations,
    lanes: lanes.size > 1 || (lanes.size === 1 && !lanes.has('')) ? [...lanes.values()] : [],
    noise: estimateNoise(records),
    stall,
    warnings: opts.warnings ?? [],
  };
  return { ...partial, recommendations: recommend(records, partial) };
}

/** The n smallest gaps seen, in order (ties: earlier run first); O(runs x n) with no sort of all runs. */
class NearestDiscards {
  private readonly items: { gap: number; i: number; bestBefore: number }[] = [];
  constructor(private readonly n: number) {}

  offer(gap: number, i: number, bestBefore: number): void {
    const items = this.items;
    if (this.n <= 0 || (items.length === this.n && gap >= items[items.length - 1]!.gap)) return;
    let at = items.length;
    while (at > 0 && items[at - 1]!.gap > gap) at--;
    items.splice(at, 0, { gap, i, bestBefore });
    if (items.length > this.n) items.pop();
  }

  list(): { gap: number; i: number; bestBefore: number }[] {
    return this.items;
  }
}
