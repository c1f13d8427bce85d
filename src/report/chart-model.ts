// The progress chart's data and geometry, shared by the SVG, PNG and terminal renderings.
import { CRASH, KEEP, RunTable, STATUSES, type Runs } from './runs.js';
import type { Goal } from './stats.js';
import { better } from './summary.js';

export type PointKind = 'keep' | 'discard' | 'violation' | 'crash';

export interface ChartPoint {
  /** 1-based position in the ledger. */
  x: number;
  id: number;
  value: number | null;
  kind: PointKind;
  description: string;
}

export interface ChartData {
  title: string;
  metric: string;
  goal: Goal;
  points: ChartPoint[];
  /** Where the running best changed: the step line's corners. */
  best: { x: number; value: number }[];
}

export function chartData(runs: Runs, opts: { goal: Goal; metric: string; title: string }): ChartData {
  const t = RunTable.of(runs);
  const points: ChartPoint[] = new Array(t.length);
  const best: ChartData['best'] = [];
  let cur: number | null = null;
  for (let i = 0; i < t.length; i++) {
    const code = t.status[i]!;
    const value = t.valueOf(i);
    const kind: PointKind = code === CRASH || value === null ? 'crash' : t.violation[i] ? 'violation' : STATUSES[code]!;
    points[i] = { x: i + 1, id: t.id[i]!, value, kind, description: t.description.get(i) };
    if (code === KEEP && value !== null && (cur === null || better(opts.goal, value, cur))) {
      cur = value;
      best.push({ x: i + 1, value });
    }
  }
  return { title: opts.title, metric: opts.metric, goal: opts.goal, points, best };
}

/** A "nice" step (1, 2 or 5 times a power of ten) near raw. */
export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

export function ticks(lo: number, hi: number, count: number, integer = false): { values: number[]; digits: number } {
  let step = niceStep((hi - lo) / count);
  if (integer) step = Math.max(1, Math.round(step));
  const values: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) values.push(Number(v.toPrecision(12)));
  return { values, digits: integer ? 0 : Math.max(0, -Math.floor(Math.log10(step) + 1e-9)) };
}

/**
 * The y range: every kept value, and the other runs as far as one spread of the kept values
 * beyond them, so one wild discard cannot flatten the line. Points outside are drawn on the edge.
 */
export function yDomain(data: ChartData): { lo: number; hi: number } {
  let allLo = Infinity;
  let allHi = -Infinity;
  let keepLo = Infinity;
  let keepHi = -Infinity;
  for (const p of data.points) {
    if (p.value === null) continue;
    allLo = Math.min(allLo, p.value);
    allHi = Math.max(allHi, p.value);
    if (p.kind === 'keep') {
      keepLo = Math.min(keepLo, p.value);
      keepHi = Math.max(keepHi, p.value);
    }
  }
  if (!Number.isFinite(allLo)) return { lo: 0, hi: 1 };
  if (!Number.isFinite(keepLo)) [keepLo, keepHi] = [allLo, allHi];
  const spread = keepHi - keepLo || Math.abs(keepHi) * 0.01 || 1;
  let lo = Math.max(allLo, keepLo - spread);
  let hi = Math.min(allHi, keepHi + spread);
  const pad = (hi - lo || spread) * 0.06;
  lo -= pad;
  hi += pad;
  return { lo, hi };
}

export interface Geometry {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
  xLo: number;
  xHi: number;
  yLo: number;
  yHi: number;
  sx(x: number): number;
  sy(v: number): number;
  /** The pixel row for values that fall outside, and for crashes (the worse edge). */
  crashY: number;
}

export function geometry(data: ChartData, width: number, height: number, margin = { left: 110, right: 30, top: 64, bottom: 60 }): Geometry {
  const { lo, hi } = yDomain(data);
  const xLo = 0.5;
  const xHi = Math.max(1, data.points.length) + 0.5;
  const left = margin.left;
  const right = width - margin.right;
  const top = margin.top;
  const bottom = height - margin.bottom;
  const sx = (x: number) => left + ((x - xLo) / (xHi - xLo)) * (right - left);
  const sy = (v: number) => bottom - ((Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo)) * (bottom - top);
  return { width, height, left, right, top, bottom, xLo, xHi, yLo: lo, yHi: hi, sx, sy, crashY: data.goal === 'min' ? top + 6 : bottom - 6 };
}

export interface Mark {
  kind: PointKind;
  x: number;
  y: number;
  clipped: boolean;
  point: ChartPoint;
}

// One mark per kind and pixel: marks on the same pixel add nothing, and 100k runs stay linear and
// small. A bitmap per kind instead of a Set of string keys keeps it fast and garbage-free.
const KIND_INDEX: Record<PointKind, number> = { keep: 0, discard: 1, violation: 2, crash: 3 };

/** Above this many runs the chart is dense: discards and crashes get one mark per DENSE_CELL square. */
export const DENSE_RUNS = 2000;
// A discard is a 3.5 px disc and a crash a 5 px cross: in a dense band a mark every 3 px covers
// the same ground as one on every pixel, at a ninth of the marks (SVG size, PNG drawing). Keeps
// and violations, the marks one looks for, keep a mark per pixel.
const DENSE_CELL = 3;

export function marks(data: ChartData, g: Geometry): Mark[] {
  const dense = data.points.length > DENSE_RUNS;
  const w = g.width + 1;
  const h = g.height + 1;
  const seen = new Uint8Array(4 * w * h);
  const out: Mark[] = [];
  for (const p of data.points) {
    const x = Math.round(g.sx(p.x));
    const y = Math.round(p.value === null ? g.crashY : g.sy(p.value));
    if (x >= 0 && x < w && y >= 0 && y < h) {
      const k = KIND_INDEX[p.kind];
      const coarse = dense && (k === 1 || k === 3);
      const cx = coarse ? x - (x % DENSE_CELL) : x;
      const cy = coarse ? y - (y % DENSE_CELL) : y;
      const key = (k * h + cy) * w + cx;
      if (seen[key]) continue;
      seen[key] = 1;
    }
    out.push({ kind: p.kind, x, y, clipped: p.value !== null && (p.value < g.yLo || p.value > g.yHi), point: p });
  }
  return out;
}

// The SVG and the PNG of one report share one layout: on 100k runs the marks are worth computing once.
const layouts = new WeakMap<ChartData, { width: number; height: number; g: Geometry; marks: Mark[] }>();

/** geometry() and marks() of a chart at a size, computed once per chart and size. */
export function layout(data: ChartData, width: number, height: number): { g: Geometry; marks: Mark[] } {
  const hit = layouts.get(data);
  if (hit && hit.width === width && hit.height === height) return hit;
  const g = geometry(data, width, height);
  const l = { width, height, g, marks: marks(data, g) };
  layouts.set(data, l);
  return l;
}

export function bestPath(data: ChartData, g: Geometry): string {
  if (data.best.length === 0) return '';
  const f = (n: number) => n.toFixed(1);
  let d = `M${f(g.sx(data.best[0]!.x))} ${f(g.sy(data.best[0]!.value))}`;
  for (const b of data.best.slice(1)) d += ` H${f(g.sx(b.x))} V${f(g.sy(b.value))}`;
  return d + ` H${f(g.sx(data.points.length))}`;
}

export function labels(data: ChartData): { title: string; xLabel: string; yLabel: string } {
  return { title: data.title, xLabel: 'run #', yLabel: `${data.metric} (${data.goal === 'min' ? 'lower' : 'higher'} is better)` };
}

export const CHART_SIZE = { width: 1000, height: 500 };
