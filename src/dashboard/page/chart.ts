// The running-best chart: one step line per lane, kept runs labelled with their descriptions (as in
// karpathy's progress.png), discards and crashes as marks; hovering shows the run under the cursor.
import uPlot from 'uplot';
import type { WireRun } from '../../report/wire.js';
import { fmt, h } from './dom.js';
import { laneLabel, type Store } from './store.js';
import { statusOf } from './table.js';

const COLORS = ['#4ea1ff', '#f5a623', '#7ed321', '#bd10e0', '#50e3c2', '#ff6b9a', '#b8e986', '#9b9bff'];
const LABELS_MAX = 40;

/** Round marks, one per cell of the mark's radius: 10,000 runs on 800 px would draw each spot a dozen times over. */
const onePerCell: uPlot.Series.Points.PathBuilder = (u, si, i0, i1) => {
  const pts = u.series[si]!.points!;
  const dpr = devicePixelRatio || 1;
  const rad = (((pts.size ?? 5) - (pts.width ?? 1)) / 2) * dpr;
  const xs = u.data[0];
  const ys = u.data[si]!;
  const fill = new Path2D();
  const cell = Math.max(1, rad);
  const seen = new Set<number>();
  for (let i = i0; i <= i1; i++) {
    const v = ys[i];
    if (v === null || v === undefined) continue;
    const x = Math.round(u.valToPos(xs[i]!, 'x', true));
    const y = Math.round(u.valToPos(v, 'y', true));
    const k = Math.round(x / cell) * 65536 + Math.round(y / cell);
    if (seen.has(k)) continue;
    seen.add(k);
    fill.moveTo(x + rad, y);
    fill.arc(x, y, rad, 0, Math.PI * 2);
  }
  const clip = new Path2D();
  const b = u.bbox;
  clip.rect(b.left - 2 * rad, b.top - 2 * rad, b.width + 4 * rad, b.height + 4 * rad);
  return { fill, stroke: (pts.width ?? 0) > 0 ? fill : null, clip };
};

interface Plan {
  tags: string[];
  data: uPlot.AlignedData;
  series: uPlot.Series[];
  lo: number;
  hi: number;
  /** Where crashes are drawn (the worse edge). */
  crashY: number;
}

export class RunChart {
  readonly el: HTMLElement;
  private box: HTMLElement;
  private tip: HTMLElement;
  private legend: HTMLElement;
  private plot: uPlot | null = null;
  private plan: Plan | null = null;
  private shape = '';

  constructor(
    private readonly store: Store,
    private readonly onOpen: (r: WireRun) => void,
  ) {
    this.box = h('div', { class: 'chart-box', id: 'chart' });
    this.tip = h('div', { class: 'tip', hidden: true });
    this.legend = h('div', { class: 'legend' });
    this.el = h('section', { class: 'card chart-card' }, h('div', { class: 'card-head' }, h('h2', {}, 'Running best'), this.legend), this.box, this.tip);
    store.on((what) => what !== 'stats' && this.update());
    window.addEventListener('resize', () => this.plot?.setSize(this.size()));
  }

  private size(): { width: number; height: number } {
    return { width: Math.max(300, this.box.clientWidth || 800), height: 320 };
  }

  private makePlan(): Plan {
    const s = this.store;
    const tags = [...new Set([...s.snap.lanes.map((l) => l.tag), ...s.byTag.keys()])].filter((t) => (s.byTag.get(t)?.length ?? 0) > 0);
    const n = Math.max(1, ...tags.map((t) => s.byTag.get(t)!.length));
    const x = Array.from({ length: n }, (_, i) => i + 1);
    // The y range: the kept values, and the others up to one spread of the kept values beyond them.
    let keepLo = Infinity;
    let keepHi = -Infinity;
    let allLo = Infinity;
    let allHi = -Infinity;
    for (const t of tags) {
      for (const r of s.byTag.get(t)!) {
        if (r.value === null) continue;
        allLo = Math.min(allLo, r.value);
        allHi = Math.max(allHi, r.value);
        if (r.status === 'keep' && !r.violation) {
          keepLo = Math.min(keepLo, r.value);
          keepHi = Math.max(keepHi, r.value);
        }
      }
    }
    if (!Number.isFinite(allLo)) [allLo, allHi] = [0, 1];
    if (!Number.isFinite(keepLo)) [keepLo, keepHi] = [allLo, allHi];
    const spread = keepHi - keepLo || Math.abs(keepHi) * 0.01 || 1;
    let lo = Math.max(allLo, keepLo - spread);
    let hi = Math.min(allHi, keepHi + spread);
    const pad = (hi - lo || spread) * 0.08;
    lo -= pad;
    hi += pad;
    const min = s.snap.goal === 'min';
    const crashY = min ? hi - pad / 2 : lo + pad / 2;
    const clamp = (v: number) => Math.min(hi, Math.max(lo, v));
    const data: (number | null)[][] = [x];
    const series: uPlot.Series[] = [{}];
    tags.forEach((tag, k) => {
      const runs = s.byTag.get(tag)!;
      const color = COLORS[k % COLORS.length]!;
      const best: (number | null)[] = new Array(n).fill(null);
      const kept: (number | null)[] = new Array(n).fill(null);
      const other: (number | null)[] = new Array(n).fill(null);
      const crash: (number | null)[] = new Array(n).fill(null);
      let cur: number | null = null;
      runs.forEach((r, i) => {
        const st = statusOf(r);
        if (st === 'keep' && r.value !== null) {
          if (cur === null || s.better(r.value, cur)) cur = r.value;
          kept[i] = r.value;
        } else if (r.value === null) crash[i] = crashY;
        else other[i] = clamp(r.value);
        best[i] = cur;
      });
      const label = laneLabel(s, tag);
      data.push(best, kept, other, crash);
      series.push(
        { label: `best ${label}`, stroke: color, width: 2, points: { show: false }, paths: uPlot.paths.stepped!({ align: 1 }), spanGaps: false },
        { label: `kept ${label}`, stroke: color, fill: color, width: 0, paths: () => null, points: { show: true, size: 9, fill: color, stroke: '#0d1117', width: 1.5, paths: onePerCell } },
        { label: `discard ${label}`, stroke: color + '99', width: 0, paths: () => null, points: { show: true, size: 5, fill: '#0d1117', stroke: color + '99', width: 1, paths: onePerCell } },
        { label: `crash ${label}`, stroke: '#ff5f56', width: 0, paths: () => null, points: { show: true, size: 7, fill: '#ff5f56', stroke: '#ff5f56', width: 1, paths: onePerCell } },
      );
    });
    return { tags, data: data as uPlot.AlignedData, series, lo, hi, crashY };
  }

  update(): void {
    const plan = this.makePlan();
    this.plan = plan;
    this.legend.replaceChildren(
      ...plan.tags.map((t, k) => h('span', { class: 'key' }, h('i', { class: 'swatch', style: `background:${COLORS[k % COLORS.length]}` }), laneLabel(this.store, t))),
      h('span', { class: 'key' }, h('i', { class: 'dot kept' }), 'kept'),
      h('span', { class: 'key' }, h('i', { class: 'dot discard' }), 'discarded'),
      h('span', { class: 'key' }, h('i', { class: 'dot crash' }), 'crashed'),
    );
    const shape = plan.tags.join('\0');
    if (this.plot && shape === this.shape) {
      this.plot.setScale('y', { min: plan.lo, max: plan.hi });
      this.plot.setData(plan.data);
      return;
    }
    this.shape = shape;
    this.plot?.destroy();
    const metric = this.store.snap.metric;
    const opts: uPlot.Options = {
      ...this.size(),
      series: plan.series,
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      scales: { x: { time: false }, y: { auto: false, range: () => [this.plan!.lo, this.plan!.hi] } },
      axes: [
        { label: 'run #', stroke: '#8b949e', grid: { stroke: '#21262d' }, ticks: { stroke: '#30363d' }, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000] },
        { label: `${metric} (${this.store.snap.goal === 'min' ? 'lower' : 'higher'} is better)`, stroke: '#8b949e', grid: { stroke: '#21262d' }, ticks: { stroke: '#30363d' }, size: 70 },
      ],
      hooks: {
        draw: [(u) => this.labels(u)],
        setCursor: [(u) => this.hover(u)],
      },
    };
    this.plot = new uPlot(opts, plan.data, this.box);
    this.plot.over.addEventListener('click', () => {
      const r = this.hit;
      if (r) this.onOpen(r);
    });
    this.plot.over.addEventListener('mouseleave', () => (this.tip.hidden = true));
  }

  /** The descriptions of the kept runs that moved the best, rotated above their marks. */
  private labels(u: uPlot): void {
    const plan = this.plan;
    if (!plan) return;
    const ctx = u.ctx;
    const dpr = devicePixelRatio || 1;
    const picks: { x: number; y: number; text: string; color: string }[] = [];
    plan.tags.forEach((tag, k) => {
      const runs = this.store.byTag.get(tag) ?? [];
      let cur: number | null = null;
      runs.forEach((r, i) => {
        if (statusOf(r) !== 'keep' || r.value === null) return;
        if (cur !== null && !this.store.better(r.value, cur)) return;
        cur = r.value;
        picks.push({ x: u.valToPos(i + 1, 'x', true), y: u.valToPos(r.value, 'y', true), text: fmt.cut(r.description, 36), color: COLORS[k % COLORS.length]! });
      });
    });
    const shown = picks.slice(-LABELS_MAX).sort((a, b) => a.x - b.x);
    ctx.save();
    ctx.beginPath();
    ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
    ctx.clip();
    ctx.font = `${11 * dpr}px system-ui, sans-serif`;
    ctx.textBaseline = 'middle';
    let lastX = -Infinity;
    for (const p of shown) {
      if (p.x - lastX < 20 * dpr) continue;
      lastX = p.x;
      ctx.save();
      ctx.translate(p.x + 4 * dpr, p.y - 8 * dpr);
      ctx.rotate(-Math.PI / 6);
      ctx.fillStyle = p.color;
      ctx.globalAlpha = 0.9;
      ctx.fillText(p.text, 0, 0);
      ctx.restore();
    }
    ctx.restore();
  }

  private hit: WireRun | null = null;

  /** The run nearest the cursor at its x: shown in the tip. */
  private hover(u: uPlot): void {
    const plan = this.plan;
    const idx = u.cursor.idx;
    const top = u.cursor.top ?? -1;
    this.hit = null;
    if (!plan || idx === null || idx === undefined || top < 0) {
      this.tip.hidden = true;
      return;
    }
    let best: { r: WireRun; d: number } | null = null;
    for (const tag of plan.tags) {
      const r = this.store.byTag.get(tag)?.[idx];
      if (!r) continue;
      const y = u.valToPos(r.value === null ? plan.crashY : Math.min(plan.hi, Math.max(plan.lo, r.value)), 'y');
      const d = Math.abs(y - top);
      if (!best || d < best.d) best = { r, d };
    }
    if (!best) {
      this.tip.hidden = true;
      return;
    }
    const r = best.r;
    this.hit = r;
    const st = statusOf(r);
    this.tip.replaceChildren(
      h('div', { class: 'tip-head' }, h('b', {}, `${this.store.multi() ? laneLabel(this.store, r.tag) + ' ' : ''}#${r.id}`), ' ', h('span', { class: `badge ${st}` }, r.crashReason ? `crash (${r.crashReason})` : st), ' ', fmt.value(r.value)),
      h('div', { class: 'tip-desc' }, r.description),
      h('div', { class: 'tip-foot' }, h('code', {}, r.commit.slice(0, 7)), ` · ${fmt.duration(r.durationMs)} · click for the diff`),
    );
    this.tip.hidden = false;
    const left = u.cursor.left ?? 0;
    const over = u.over.getBoundingClientRect();
    const box = this.el.getBoundingClientRect();
    const x = over.left - box.left + left;
    this.tip.style.left = `${Math.min(x + 14, box.width - 320)}px`;
    this.tip.style.top = `${over.top - box.top + top + 14}px`;
  }
}
