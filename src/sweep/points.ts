// The points of a sweep: every combination (grid), a seeded draw (random), or coordinate descent (greedy).
import type { SweepParam, SweepValue } from './spec.js';

/** One assignment of every swept parameter, in the sweep file's order. */
export type Point = Array<{ name: string; value: SweepValue }>;

/** `LR=0.04 DEPTH=8` (plus ` seed=1` when the point runs with several seeds). */
export function describe(point: Point, seed?: number): string {
  const s = point.map((p) => `${p.name}=${p.value.py}`).join(' ');
  return seed === undefined ? s : `${s} seed=${seed}`;
}

export function pointValues(point: Point): Record<string, string> {
  return Object.fromEntries(point.map((p) => [p.name, p.value.py]));
}

function total(params: SweepParam[]): number {
  return params.reduce((n, p) => n * p.values.length, 1);
}

/** The i-th combination: the first parameter varies slowest (nested loops in the file's order). */
function nth(params: SweepParam[], i: number): Point {
  const out: Point = [];
  for (let k = params.length - 1; k >= 0; k--) {
    const p = params[k]!;
    out.unshift({ name: p.name, value: p.values[i % p.values.length]! });
    i = Math.floor(i / p.values.length);
  }
  return out;
}

/** Every combination, the first parameter varying slowest. */
export function gridPoints(params: SweepParam[]): Point[] {
  const n = total(params);
  if (n > 100_000) return []; // refused by the caller with a sentence
  return Array.from({ length: n }, (_, i) => nth(params, i));
}

export function gridSize(params: SweepParam[]): number {
  return total(params);
}

/** mulberry32: a small seeded PRNG, the same sequence on every machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `samples` points drawn with `seed`, without replacement: at most every combination once (fewer points than
 * asked when the grid is smaller). The same seed gives the same points in the same order.
 */
export function randomPoints(params: SweepParam[], samples: number, seed: number): Point[] {
  const n = total(params);
  const rand = prng(seed);
  const k = Math.min(samples, n);
  if (n <= 1_000_000) {
    // Partial Fisher-Yates over the combination indices (lazily, as a map of swaps).
    const swaps = new Map<number, number>();
    const at = (i: number) => swaps.get(i) ?? i;
    const out: Point[] = [];
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(rand() * (n - i));
      const vi = at(i);
      const vj = at(j);
      swaps.set(i, vj);
      swaps.set(j, vi);
      out.push(nth(params, vj));
    }
    return out;
  }
  // A huge space: draw each parameter independently and reject repeats.
  const seen = new Set<string>();
  const out: Point[] = [];
  while (out.length < k) {
    const p: Point = params.map((q) => ({ name: q.name, value: q.values[Math.floor(rand() * q.values.length)]! }));
    const d = describe(p);
    if (seen.has(d)) continue;
    seen.add(d);
    out.push(p);
  }
  return out;
}

export function samePoint(a: Point, b: Point): boolean {
  return a.length === b.length && a.every((x, i) => x.name === b[i]!.name && x.value.key === b[i]!.value.key);
}

/** The first greedy pass's candidates from `start`: each other value of one parameter at a time. */
export function greedyFirstPass(params: SweepParam[], start: Point): Point[] {
  const out: Point[] = [];
  for (const [k, p] of params.entries()) {
    for (const v of p.values) {
      if (v.key === start[k]!.value.key) continue;
      out.push(start.map((x, i) => (i === k ? { name: x.name, value: v } : x)));
    }
  }
  return out;
}

export interface GreedyTrial {
  point: Point;
  pass: number;
  /** 1-based index of the candidate within its pass, and the pass's candidate count. */
  index: number;
  count: number;
}

/** What the evaluator says about a point: did it become the kept state? `stop` ends the sweep (SIGINT). */
export type GreedyOutcome = { kept: boolean } | 'stop';

export interface GreedyResult {
  best: Point;
  passes: number;
  converged: boolean;
}

/**
 * Coordinate descent with keep/discard semantics: from `start` (the kept state), try each other value of
 * the first parameter; a kept trial becomes the current point; then the next parameter, and so on. Passes
 * repeat until one changes nothing. The evaluator decides "kept" (the engine: strictly better than the best).
 * A description is evaluated once per sweep: the evaluator replays known results itself.
 */
export async function greedy(params: SweepParam[], start: Point, evaluate: (t: GreedyTrial) => Promise<GreedyOutcome>, maxPasses = 50): Promise<GreedyResult> {
  // One trial at a time: a kept one is the point the parameter's next values are tried from.
  return greedyBatched(
    params,
    start,
    async ([t]) => {
      const r = await evaluate(t!);
      return r === 'stop' ? 'stop' : { kept: r.kept ? 0 : null };
    },
    maxPasses,
    1,
  );
}

/** A batch's answer: which of its trials became the kept state (null: none), or `stop`. */
export type GreedyBatchOutcome = { kept: number | null } | 'stop';

/**
 * Coordinate descent measuring one parameter's other values side by side: `size` of them at a time (all by
 * default) from the current point; the one kept (at most one: the best, if it beats the kept state) becomes it.
 */
export async function greedyBatched(
  params: SweepParam[],
  start: Point,
  evaluate: (trials: GreedyTrial[]) => Promise<GreedyBatchOutcome>,
  maxPasses = 50,
  size = Infinity,
): Promise<GreedyResult> {
  let current = start;
  for (let pass = 1; pass <= maxPasses; pass++) {
    const before = current;
    const count = params.reduce((n, p, k) => n + p.values.filter((v) => v.key !== before[k]!.value.key).length, 0);
    let index = 0;
    for (const [k, p] of params.entries()) {
      // Trials of one parameter never touch another, so all of them are known when it starts.
      const from = current;
      const trials = p.values
        .filter((v) => v.key !== from[k]!.value.key)
        .map((v) => ({ point: from.map((x, i) => (i === k ? { name: x.name, value: v } : x)), pass, index: ++index, count }));
      for (let at = 0; at < trials.length; at += size) {
        const batch = trials.slice(at, at + size);
        const r = await evaluate(batch);
        if (r === 'stop') return { best: current, passes: pass, converged: false };
        if (r.kept !== null) current = batch[r.kept]!.point;
      }
    }
    if (samePoint(before, current)) return { best: current, passes: pass, converged: true };
  }
  return { best: current, passes: maxPasses, converged: false };
}
