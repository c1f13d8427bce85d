import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Git } from '../adapters/git.js';
import type { Config } from '../config-defaults.js';
import { ToolError } from '../errors.js';
import { keptMessage } from '../commit-message.js';
import { branchFor } from '../paths.js';
import { decide } from './decide.js';
import { appendRun } from './ledger.js';
import { classify, errorExcerpt, parseSummary } from './metrics.js';
import type { TagState } from './state.js';
import type { CrashReason, RunRecord } from './types.js';
import type { RunOutcome } from '../executors/types.js';

// The phases every measured experiment goes through, whichever path started it (`run`, the queue's runner):
// read the outcome (4-5), decide (6), name the finding (7), record (8). One home for each.

export type MadeBy = Pick<RunRecord, 'agent' | 'model'>;
export interface Log {
  info: (o: object, msg?: string) => void;
  warn: (o: object, msg?: string) => void;
}

/** A run's record before it has an outcome (a crash with no value until it is measured). */
export function baseRecord(
  state: TagState,
  id: number,
  commit: string,
  parent: string,
  description: string,
  start: string,
  log: string,
  seed?: number,
  by: MadeBy = {},
): RunRecord {
  return {
    v: 1,
    id,
    tag: state.tag,
    ...(state.lane ? { lane: state.lane } : {}),
    start,
    end: new Date().toISOString(),
    durationMs: 0,
    commit,
    parent,
    description,
    status: 'crash',
    metric: state.metric,
    value: null,
    bestBefore: null,
    memoryGb: 0,
    metrics: {},
    exitCode: null,
    signal: null,
    timedOut: false,
    linesAdded: 0,
    linesRemoved: 0,
    log,
    ...(seed !== undefined ? { seed } : {}),
    ...by,
  };
}

/** 4-5. Parse the whole log and classify: the record gets the outcome, the metrics, the value or the crash reason. */
export function readOutcome(rec: RunRecord, outcome: RunOutcome, logFile: string, config: Config): void {
  let text = '';
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    text = outcome.tail;
  }
  const metrics = parseSummary(text);
  const cls = classify(outcome, metrics, config.metric, outcome.tail);
  rec.end = new Date().toISOString();
  rec.durationMs = outcome.durationMs;
  rec.metrics = sanitizeMetrics(metrics);
  rec.exitCode = outcome.exitCode;
  rec.signal = outcome.signal;
  rec.timedOut = outcome.timedOut;
  rec.ended = { cause: outcome.cause.kind, atSeconds: Math.round(outcome.cause.atMs / 100) / 10 };
  if (outcome.job) rec.job = outcome.job;
  rec.value = cls.value;
  const mem = metrics[config.memory_metric];
  rec.memoryGb = typeof mem === 'number' && Number.isFinite(mem) ? Math.round((mem / 1024) * 10) / 10 : 0;
  // The budget belongs to the tool: a script that trains past it is not a fair comparison.
  const trained = metrics.training_seconds;
  if (cls.value !== null && typeof trained === 'number' && trained > config.budget_seconds * 1.1 + 1) {
    rec.violation = `trained ${trained.toFixed(1)} s on a ${config.budget_seconds} s budget`;
  }
  if (cls.crashReason) {
    rec.crashReason = cls.crashReason as CrashReason;
    rec.tail = errorExcerpt(outcome.tail);
  }
}

/** A log's metrics as JSON can hold them. */
export function sanitizeMetrics(m: Record<string, number | string>): Record<string, number | string> {
  // JSON has no NaN or Infinity: keep them as strings.
  const out: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(m)) out[k] = typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
  return out;
}

/**
 * 6. Decide against `best` (today's rule: strictly better, by more than the noise margin when there is one);
 * a rerun of the kept commit measures noise and never moves the best. Sets status and the noise margin.
 */
export function judge(rec: RunRecord, o: { best: number | null; goal: 'min' | 'max'; noise?: { sigma: number; threshold: number } | null; isRerun: boolean }): void {
  const d = decide({ value: rec.value, crashed: rec.crashReason !== undefined, violation: !!rec.violation, best: o.best, goal: o.goal, threshold: o.noise?.threshold });
  rec.status = o.isRerun && d.keep && o.best !== null ? 'discard' : d.status;
  rec.bestBefore = o.best;
  if (o.noise && rec.value !== null && o.best !== null) {
    const margin = o.goal === 'min' ? o.best - rec.value : rec.value - o.best;
    rec.noise = { sigma: o.noise.sigma, threshold: o.noise.threshold, margin };
  }
}

/**
 * 7. A kept commit says what was found. It was made before training, so a copy with its tree and parent and
 * the finding as its message takes its place on the branch and the run's ref (one transaction, before the row
 * is written, so runs.jsonl and results.tsv name the commit on the branch). `branchAt` is what the branch must
 * hold now (the run's commit for `run`, the best for the queue); `onNamed` is told the copy first, so a runner
 * cut off here can be settled. A branch moved meanwhile keeps the first message (and, for the queue, is not moved).
 */
export async function nameFinding(
  git: Git,
  rec: RunRecord,
  o: { template: string; branchAt: string; onNamed?: (sha: string) => void; log?: Log },
): Promise<boolean> {
  try {
    const named = await git.commitTree(rec.commit, [rec.parent], keptMessage(o.template, rec));
    o.onNamed?.(named);
    const moved = await git.updateRefs(
      [
        { ref: `refs/heads/${branchFor(rec.tag)}`, sha: named, old: o.branchAt },
        { ref: `refs/autoresearch/${rec.tag}/${rec.id}`, sha: named },
      ],
      `autoresearch: keep run ${rec.id}`,
    );
    if (moved.ok) rec.commit = named;
    else o.log?.warn({ id: rec.id, err: moved.stderr.split('\n')[0] }, 'the kept commit keeps its first message: the branch moved during the run');
    return moved.ok;
  } catch (e) {
    o.log?.warn({ id: rec.id, err: (e as Error).message }, 'the kept commit keeps its first message');
    return false;
  }
}

/** 8. Record the run: its line in runs.jsonl and its row in results.tsv (rebuilt first if someone altered it). */
export function recordRun(repo: string, rec: RunRecord, columns: readonly string[], log?: Log): void {
  let repaired: string | null;
  let relaid = false;
  try {
    ({ repaired, relaid } = appendRun(repo, rec, columns));
  } catch (e) {
    throw new ToolError(`could not append to the ledger: ${(e as Error).message}`);
  }
  // results.tsv is append-only and ours: an altered or deleted one was rebuilt from the records (the altered copy archived).
  if (relaid) log?.info({ id: rec.id, kept: path.relative(repo, repaired!), columns }, 'results.tsv rewritten with the configured ledger_columns');
  else if (repaired) log?.warn({ id: rec.id, kept: path.relative(repo, repaired) }, 'results.tsv was altered or deleted outside the tool; rebuilt from the records');
}
