// report.html: the dashboard's table and chart as one static file (the page's script, style and data inline).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../package-root.js';
import { STATUSES, type RunTable } from './runs.js';
import type { ReportModel } from './summary.js';
import type { Snapshot, WireColumns, WireStats } from './wire.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The built page, shipped in the bundle: dashboard-page.js (the page and uPlot) and dashboard-page.css; null before a build. */
export function pageAssets(): { js: string; css: string } | null {
  const dir = path.join(packageRoot(), 'dist', 'bundle');
  const js = path.join(dir, 'dashboard-page.js');
  if (!existsSync(js)) return null;
  return { js: readFileSync(js, 'utf8'), css: readFileSync(path.join(dir, 'dashboard-page.css'), 'utf8') };
}

export function htmlShell(title: string, head: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
${head}
</head>
<body>
<noscript>This page needs JavaScript.</noscript>
</body>
</html>
`;
}

/** JSON that is safe inside a <script> element. */
export function scriptJson(x: unknown): string {
  const json = JSON.stringify(x);
  const unsafe = /[<\u2028\u2029]/g;
  return unsafe.test(json) ? json.replace(unsafe, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : json;
}

/** The page with its data inline and no server behind it. */
export function staticPage(snap: Snapshot, assets: { js: string; css: string }): string {
  const js = assets.js.replace(/<\/script/gi, '<\\/script');
  const css = assets.css.replace(/<\/style/gi, '<\\/style');
  return htmlShell(`autoresearch: ${snap.repo}`, `<style>${css}</style>\n<script type="application/json" id="ar-data">${scriptJson(snap)}</script>\n<script>${js}</script>`);
}

/** A table's runs as columns (a merged lane table names each run's lane as its tag). */
export function wireColumns(t: RunTable, tag: string): WireColumns {
  const n = t.length;
  // Plain loops: Array.from with a mapper is several times slower on 100,000 runs.
  const nums = (a: ArrayLike<number>) => {
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = a[i]!;
    return out;
  };
  const nullable = (a: ArrayLike<number>) => {
    const out = new Array<number | null>(n);
    for (let i = 0; i < n; i++) out[i] = a[i] === a[i] ? a[i]! : null;
    return out;
  };
  return {
    tag: t.lane.slice(0, n).map((l) => l ?? tag),
    id: nums(t.id),
    status: nums(t.status).map((s) => STATUSES[s]!),
    value: nullable(t.value),
    bestBefore: nullable(t.bestBefore),
    added: nums(t.linesAdded),
    removed: nums(t.linesRemoved),
    description: t.description.toArray(),
    // 12 hex digits name a commit as well as 40 in any one repository, and make report.html a fifth smaller.
    commit: t.commit.toArray().map((c) => c.slice(0, 12)),
    durationMs: nums(t.durationMs),
    startMs: nullable(t.startMs),
    crashReason: sparse(t.crashReason, n),
    violation: sparse(t.violation, n),
  };
}

/** Only the runs that have one (most have none): index -> text. */
function sparse(a: (string | undefined)[], n: number): Record<number, string> {
  const out: Record<number, string> = {};
  for (let i = 0; i < n; i++) if (a[i]) out[i] = a[i]!;
  return out;
}

/** The statistics the page shows, from the report's model. */
export function wireStats(tag: string, m: ReportModel): WireStats {
  const c = m.counts;
  return {
    tag,
    runs: c.runs,
    keep: c.keep,
    discard: c.discard,
    crash: c.crash,
    violations: c.violations,
    keepRate: c.keepRate,
    baseline: m.baseline ? { id: m.baseline.id, value: m.baseline.value } : null,
    best: m.best ? { id: m.best.id, value: m.best.value, description: m.best.description } : null,
    change: m.change,
    noise: m.noise ? { sigma: m.noise.sigma, from: m.noise.from, n: m.noise.n } : null,
    stalled: m.stall.stalled,
    runsSinceKeep: m.stall.runsSinceKeep,
    recommendations: m.recommendations.map((r) => r.text),
    ...(m.jobs ? { jobs: m.jobs } : {}),
  };
}

/** report.html's page, or null when the page was not built (the other report files do not need it). */
export function reportHtml(o: { repo: string; tag: string; table: RunTable; model: ReportModel; now?: number }): string | null {
  const assets = pageAssets();
  if (!assets) return null;
  const snap: Snapshot = {
    repo: path.basename(o.repo),
    metric: o.model.metric,
    goal: o.model.goal,
    lanes: [],
    runs: [],
    columns: wireColumns(o.table, o.tag),
    stats: [wireStats(o.tag, o.model)],
    actions: false,
    live: false,
    now: o.now ?? Date.now(),
  };
  return staticPage(snap, assets);
}
