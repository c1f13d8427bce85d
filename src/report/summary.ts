// The report model: every number the report shows, computed from the records and nothing else.
import { CRASH, DISCARD, KEEP, RunTable, type Runs } from './runs.js';
import type { Source } from './load.js';
import { recommend } from './recommend.js';
import { estimateNoise } from './noise.js';
import { median, type Goal } from './stats.js';
import type { AgentRuns, Improvement, JobRuns, LaneSummary, ReportModel, RunRef, Stall, ViolationRef } from './model.js';

export type * from './model.js';

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

/** The reference to run i (0-based) of the table. */
export function runRef(t: RunTable, i: number): RunRef {
  const out: RunRef = { id: t.id[i]!, index: i + 1, commit: t.commit.get(i).slice(0, 7), description: t.description.get(i) };
  const lane = t.lane[i];
  if (lane) out.lane = lane;
  return out;
}

function pct(delta: number, base: number): number | null {
  return base === 0 ? null : (delta / Math.abs(base)) * 100;
}

export function summarize(runs: Runs, opts: SummaryOptions): ReportModel {
  const t = RunTable.of(runs);
  const n = t.length;
  const { goal } = opts;
  const timed = opts.source === 'runs.jsonl';
  const counts = { runs: n, keep: 0, discard: 0, crash: 0, violations: 0, keepRate: null as number | null };
  let baseline: ReportModel['baseline'] = null;
  let best: ReportModel['best'] = null;
  let trainingMs = 0;
  const laneBest = new Map<string, number>();
  const improvements: Improvement[] = [];
  const near = new NearestDiscards(opts.nearMisses ?? 5);
  const crashGroups = new Map<string, RunRef[]>();
  const violations: ViolationRef[] = [];
  const lanes = new Map<string, LaneSummary>();
  let lastKeepIndex = -1;
  // Per-lane counts for the (usual) ledger without lanes: no Map lookup per run.
  let lane: LaneSummary | undefined;
  let laneKey = '';
  const { status: statusCol, value: valueCol, durationMs: durationCol, violation: violationCol, lane: laneCol } = t;
  const byStatus = [0, 0, 0];

  for (let i = 0; i < n; i++) {
    const code = statusCol[i]!;
    const violation = violationCol[i];
    const v = valueCol[i]!;
    const value = v === v ? v : null;
    const durationMs = durationCol[i]!;
    byStatus[code]!++;
    if (violation) counts.violations++;
    trainingMs += durationMs;
    if (value !== null && baseline === null) baseline = Object.assign(runRef(t, i), { value });

    const runLane = laneCol[i];
    const key = runLane ?? '';
    if (lane === undefined || key !== laneKey) {
      laneKey = key;
      lane = lanes.get(key);
      if (!lane) {
        lane = { lane: runLane ?? '(none)', runs: 0, keep: 0, discard: 0, crash: 0, violations: 0, keepRate: 0, best: null, trainingMs: timed ? 0 : null };
        lanes.set(key, lane);
      }
    }
    if (code === KEEP && value !== null) {
      const prev = laneBest.get(key) ?? null;
      const delta = prev === null ? null : value - prev;
      improvements.push(
        Object.assign(runRef(t, i), {
          value,
          previousBest: prev,
          delta,
          deltaPercent: delta === null || prev === null ? null : pct(delta, prev),
          linesAdded: timed ? t.linesAdded[i]! : null,
          linesRemoved: timed ? t.linesRemoved[i]! : null,
        }),
      );
      if (prev === null || better(goal, value, prev)) laneBest.set(key, value);
      if (best === null || better(goal, value, best.value)) best = Object.assign(runRef(t, i), { value });
      lastKeepIndex = i;
    } else if (code === DISCARD && !violation && value !== null) {
      const bb = t.bestBefore[i]!;
      const judgedAgainst = bb === bb ? bb : (laneBest.get(key) ?? null);
      if (judgedAgainst !== null) near.offer(goal === 'min' ? value - judgedAgainst : judgedAgainst - value, i, judgedAgainst);
    } else if (code === CRASH) {
      const reason = t.crashReason[i] ?? 'unknown';
      const g = crashGroups.get(reason);
      if (g) g.push(runRef(t, i));
      else crashGroups.set(reason, [runRef(t, i)]);
    }
    if (violation) violations.push(Object.assign(runRef(t, i), { violation }));

    lane.runs++;
    if (code === KEEP) lane.keep++;
    else if (code === DISCARD) lane.discard++;
    else lane.crash++;
    if (violation) lane.violations++;
    if (lane.trainingMs !== null) lane.trainingMs += durationMs;
  }
  counts.keep = byStatus[KEEP]!;
  counts.discard = byStatus[DISCARD]!;
  counts.crash = byStatus[CRASH]!;
  const { firstStart, lastEnd } = timeRange(t);

  counts.keepRate = n ? counts.keep / n : null;
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

  const runsSinceKeep = n - 1 - lastKeepIndex;
  const keepEnd = lastKeepIndex >= 0 ? t.endMs[lastKeepIndex]! : NaN;
  const msSinceKeep = haveTimes && Number.isFinite(keepEnd) ? lastEnd - keepEnd : null;
  const runsThreshold = Math.max(5, Math.ceil(n / 4));
  const stall: Stall = {
    runsSinceKeep,
    msSinceKeep,
    lastKeep: lastKeepIndex >= 0 ? runRef(t, lastKeepIndex) : null,
    runsThreshold,
    msThreshold: STALL_MS,
    stalled: n > 0 && (runsSinceKeep >= runsThreshold || (runsSinceKeep >= 3 && (msSinceKeep ?? 0) >= STALL_MS)),
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
    nearMisses: near.list().map(({ gap, i, bestBefore }) => Object.assign(runRef(t, i), { value: t.valueOf(i)!, bestBefore, gap, gapPercent: pct(gap, bestBefore) })),
    crashes,
    violations,
    lanes: lanes.size > 1 || (lanes.size === 1 && !lanes.has('')) ? [...lanes.values()] : [],
    noise: estimateNoise(t),
    stall,
    warnings: opts.warnings ?? [],
  };
  const agents = agentRuns(t);
  const jobs = jobRuns(t);
  return { ...partial, recommendations: recommend(t, partial), ...(agents.length ? { agents } : {}), ...(jobs.length ? { jobs } : {}) };
}

/** Runs per agent profile and model, most first (only the runs an agent made say so). */
function agentRuns(t: RunTable): AgentRuns[] {
  const by = new Map<string, number>();
  for (let i = 0; i < t.length; i++) {
    const a = t.agent[i];
    if (a !== undefined) by.set(a, (by.get(a) ?? 0) + 1);
  }
  return [...by]
    .map(([k, runs]) => {
      const [agent, model] = k.split('\t');
      return { agent: agent!, model: model || null, runs };
    })
    .sort((a, b) => b.runs - a.runs);
}

/** Per engine: how many runs were its jobs, on which nodes, and how long they waited in its queue. */
function jobRuns(t: RunTable): JobRuns[] {
  const by = new Map<string, { runs: number; nodes: Set<string>; queued: number[] }>();
  for (let i = 0; i < t.length; i++) {
    const j = t.job[i];
    if (j === undefined) continue;
    const [engine = '', node = '', queued = ''] = j.split('\t');
    const e = by.get(engine) ?? { runs: 0, nodes: new Set<string>(), queued: [] };
    by.set(engine, e);
    e.runs++;
    if (node) e.nodes.add(node);
    const q = Number(queued);
    if (queued !== '' && Number.isFinite(q)) e.queued.push(q);
  }
  return [...by].map(([engine, e]) => {
    const q = e.queued;
    return { engine, runs: e.runs, nodes: [...e.nodes].sort(), queuedSeconds: { total: q.reduce((a, b) => a + b, 0), median: q.length ? median(q) : 0, max: q.reduce((a, b) => Math.max(a, b), 0) } };
  });
}

/** The earliest start and the latest end (unparsable times are skipped). */
export function timeRange(runs: Runs): { firstStart: number; lastEnd: number } {
  const { startMs, endMs, length: n } = RunTable.of(runs);
  let firstStart = Infinity;
  let lastEnd = -Infinity;
  for (let i = 0; i < n; i++) {
    const s = startMs[i]!;
    const e = endMs[i]!;
    if (s < firstStart) firstStart = s;
    if (e > lastEnd) lastEnd = e;
  }
  return { firstStart, lastEnd };
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
