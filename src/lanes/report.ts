// The merged morning report of a lane set: every lane's records with a lane column, the best across lanes, each
// lane's summary, the kept improvements of all lanes in time order, and a chart of each lane's running best.
// Written to .autoresearch/.lanes/<session>/report/ (plus each live lane's own full report under <lane>/).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import type { RunRecord } from '../engine/types.js';
import { fmtValue } from '../supervisor/claudemd.js';
import { isLaneSet, mainRepoOf, readManifest, sessionReportDir, type LaneEntry } from './manifest.js';

export { isLaneSet };
import { formatLaneRef } from './names.js';
import { laneHome, readLaneRecords } from './peers.js';

export interface LaneRun extends RunRecord {
  laneName: string;
}

export interface LaneSummary {
  name: string;
  gpu: string | null;
  branch: string;
  removed: boolean;
  runs: number;
  keep: number;
  discard: number;
  crash: number;
  baseline: number | null;
  best: { value: number; commit: string; id: number; description: string } | null;
  /** best - baseline (negative is better for goal min). */
  change: number | null;
}

export interface LanesReportModel {
  v: 1;
  session: string;
  metric: string;
  goal: 'min' | 'max';
  period: { start: string; end: string } | null;
  counts: { runs: number; keep: number; discard: number; crash: number };
  lanes: LaneSummary[];
  best: { lane: string; value: number; commit: string; id: number; description: string; branch: string } | null;
  /** Kept improvements of every lane (baselines excluded), oldest first. */
  improvements: { lane: string; id: number; start: string; commit: string; value: number; change: number | null; description: string }[];
  warnings: string[];
}

export interface LanesReportResult {
  model: LanesReportModel;
  runs: LaneRun[];
  markdown: string;
  paths: { dir: string; markdown: string; tsv: string; json: string; svg: string; lanes: Record<string, string> };
}

/** Is `name` (a `report --tag` or `--session`) the session of a lane set in the repo around `cwd`? */
const better = (goal: 'min' | 'max', a: number, b: number) => (goal === 'min' ? a < b : a > b);
const kept = (r: RunRecord) => r.status === 'keep' && !r.violation && r.value !== null;
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();
const tsvCell = (s: string) => s.replace(/[\t\r\n]+/g, ' ').trim();
const hhmm = (iso: string) => iso.replace('T', ' ').slice(0, 16);
const signed = (d: number | null) => (d === null ? '-' : `${d >= 0 ? '+' : ''}${d.toFixed(6)}`);

function summarizeLane(l: LaneEntry, records: RunRecord[], goal: 'min' | 'max'): LaneSummary {
  let best: LaneSummary['best'] = null;
  for (const r of records) if (kept(r) && (!best || better(goal, r.value!, best.value))) best = { value: r.value!, commit: r.commit, id: r.id, description: r.description };
  const first = records.find((r) => r.value !== null && !r.violation) ?? null;
  const baseline = records.find((r) => /^baseline/.test(r.description) && r.value !== null)?.value ?? first?.value ?? null;
  return {
    name: l.name,
    gpu: l.gpu,
    branch: l.branch,
    removed: !!l.removed,
    runs: records.length,
    keep: records.filter((r) => r.status === 'keep').length,
    discard: records.filter((r) => r.status === 'discard').length,
    crash: records.filter((r) => r.status === 'crash').length,
    baseline,
    best,
    change: best && baseline !== null ? best.value - baseline : null,
  };
}

export function lanesModel(session: string, lanes: { entry: LaneEntry; records: RunRecord[]; warnings: string[]; metric: string | null; goal: 'min' | 'max' | null }[]): { model: LanesReportModel; runs: LaneRun[] } {
  const metric = lanes.find((l) => l.metric)?.metric ?? 'val_bpb';
  const goal = lanes.find((l) => l.goal)?.goal ?? 'min';
  const runs: LaneRun[] = lanes
    .flatMap((l) => l.records.map((r) => ({ ...r, laneName: l.entry.name })))
    .sort((a, b) => a.start.localeCompare(b.start) || a.laneName.localeCompare(b.laneName) || a.id - b.id);
  const summaries = lanes.map((l) => summarizeLane(l.entry, l.records, goal));
  let best: LanesReportModel['best'] = null;
  for (const s of summaries) {
    if (s.best && (!best || better(goal, s.best.value, best.value))) best = { lane: s.name, branch: s.branch, ...s.best };
  }
  const improvements: LanesReportModel['improvements'] = [];
  for (const r of runs) {
    if (!kept(r) || /^baseline/.test(r.description)) continue;
    improvements.push({ lane: r.laneName, id: r.id, start: r.start, commit: r.commit, value: r.value!, change: r.bestBefore === null ? null : r.value! - r.bestBefore, description: r.description });
  }
  const model: LanesReportModel = {
    v: 1,
    session,
    metric,
    goal,
    period: runs.length ? { start: runs[0]!.start, end: runs.reduce((a, r) => (r.end > a ? r.end : a), runs[0]!.end) } : null,
    counts: {
      runs: runs.length,
      keep: runs.filter((r) => r.status === 'keep').length,
      discard: runs.filter((r) => r.status === 'discard').length,
      crash: runs.filter((r) => r.status === 'crash').length,
    },
    lanes: summaries,
    best,
    improvements,
    warnings: lanes.flatMap((l) => l.warnings.map((w) => `${l.entry.name}: ${w}`)),
  };
  return { model, runs };
}

export function renderLanesMarkdown(m: LanesReportModel, runs: LaneRun[], o: { latest?: number; files?: boolean } = {}): string {
  const dir = m.goal === 'min' ? 'lower is better' : 'higher is better';
  const out: string[] = [];
  out.push(`# autoresearch ${m.session}: ${m.lanes.length} lanes, ${m.counts.runs} runs${m.best ? `, best ${m.metric} ${fmtValue(m.best.value)} on ${m.best.lane}` : ''}`, '');
  if (m.period) {
    const hours = (Date.parse(m.period.end) - Date.parse(m.period.start)) / 3.6e6;
    out.push(`${hhmm(m.period.start)} to ${hhmm(m.period.end)} (${hours.toFixed(1)} h); ${m.counts.keep} kept, ${m.counts.discard} discarded, ${m.counts.crash} crashed; \`${m.metric}\`, ${dir}.`, '');
  }
  out.push('## Best across lanes');
  if (m.best) {
    const ref = formatLaneRef(m.session, m.best.lane);
    out.push(
      `${ref}: ${m.metric} ${fmtValue(m.best.value)} at commit ${m.best.commit.slice(0, 7)} (run ${m.best.id}: ${cell(m.best.description)}), branch \`${m.best.branch}\`.`,
      '',
      `Build on it: \`ar-supervise promote ${ref} --branch <name>\`, or try it on another lane with \`ar-supervise promote ${ref} --to ${m.session}:<lane>\`.`,
      'Lanes may run on different GPUs with their own baselines: compare each lane with its own baseline first.',
    );
  } else out.push('No lane has a kept run yet.');
  out.push('', '## Lanes', '', `| lane | GPU | runs | keep | discard | crash | baseline | best | change | best commit |`, '|---|---|---|---|---|---|---|---|---|---|');
  for (const s of m.lanes) {
    out.push(
      `| ${s.name}${s.removed ? ' (archived)' : ''} | ${s.gpu ?? '-'} | ${s.runs} | ${s.keep} | ${s.discard} | ${s.crash} | ${fmtValue(s.baseline)} | ${s.best ? fmtValue(s.best.value) : '-'} | ${signed(s.change)} | ${s.best ? s.best.commit.slice(0, 7) : '-'} |`,
    );
  }
  out.push('', '## Kept improvements, all lanes in time order');
  if (m.improvements.length === 0) out.push('', 'None yet.');
  else {
    out.push('', `| time | lane | run | commit | ${m.metric} | change | description |`, '|---|---|---|---|---|---|---|');
    for (const i of m.improvements) out.push(`| ${hhmm(i.start)} | ${i.lane} | ${i.id} | ${i.commit.slice(0, 7)} | ${fmtValue(i.value)} | ${signed(i.change)} | ${cell(i.description)} |`);
  }
  const n = o.latest ?? 20;
  out.push('', `## Latest runs${runs.length > n ? ` (last ${n} of ${runs.length})` : ''}`, '', `| time | lane | run | commit | ${m.metric} | status | description |`, '|---|---|---|---|---|---|---|');
  for (const r of runs.slice(-n)) {
    const st = r.violation ? `${r.status} (violation)` : r.crashReason ? `crash (${r.crashReason})` : r.status;
    out.push(`| ${hhmm(r.start)} | ${r.laneName} | ${r.id} | ${r.commit.slice(0, 7)} | ${fmtValue(r.value)} | ${st} | ${cell(r.description)} |`);
  }
  if (m.warnings.length) out.push('', '## Warnings', '', ...m.warnings.map((w) => `- ${w}`));
  if (o.files) out.push('', 'Files: `runs.tsv` (every run, with a lane column), `report.json`, `progress.svg` (each lane\'s running best); each lane\'s own report is in `<lane>/`.');
  return out.join('\n') + '\n';
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

/** Each lane's runs as dots and its running best as a step line, against hours since the first run. */
export function renderLanesSvg(m: LanesReportModel, runs: LaneRun[]): string {
  const W = 800;
  const H = 420;
  const L = 70;
  const R = 130;
  const T = 30;
  const B = 40;
  const pts = runs.filter((r) => r.value !== null && Number.isFinite(r.value));
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const head = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`;
  const title = `<text x="${L}" y="18">${esc(`${m.session}: ${m.metric} by lane (${m.goal === 'min' ? 'lower' : 'higher'} is better)`)}</text>`;
  if (pts.length === 0) return `${head}${title}<text x="${L}" y="${H / 2}">no runs with a value yet</text></svg>\n`;
  const t0 = Date.parse(pts[0]!.start);
  const t1 = Math.max(t0 + 1000, ...pts.map((r) => Date.parse(r.end)));
  let lo = Math.min(...pts.map((r) => r.value!));
  let hi = Math.max(...pts.map((r) => r.value!));
  if (hi === lo) {
    hi += 0.5;
    lo -= 0.5;
  }
  const x = (t: number) => L + ((t - t0) / (t1 - t0)) * (W - L - R);
  const y = (v: number) => T + ((hi - v) / (hi - lo)) * (H - T - B);
  const parts: string[] = [head, title];
  parts.push(`<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#888"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#888"/>`);
  parts.push(`<text x="${L - 6}" y="${y(hi) + 4}" text-anchor="end">${hi.toFixed(4)}</text><text x="${L - 6}" y="${y(lo) + 4}" text-anchor="end">${lo.toFixed(4)}</text>`);
  parts.push(`<text x="${W - R}" y="${H - B + 16}" text-anchor="end">${((t1 - t0) / 3.6e6).toFixed(2)} h</text><text x="${L}" y="${H - B + 16}">0 h</text>`);
  m.lanes.forEach((lane, i) => {
    const c = COLORS[i % COLORS.length]!;
    const mine = pts.filter((r) => r.laneName === lane.name);
    for (const r of mine) parts.push(`<circle cx="${x(Date.parse(r.end)).toFixed(1)}" cy="${y(r.value!).toFixed(1)}" r="2.5" fill="${c}" fill-opacity="${kept(r) ? 1 : 0.35}"/>`);
    let best: number | null = null;
    const step: string[] = [];
    for (const r of mine) {
      if (!kept(r)) continue;
      const px = x(Date.parse(r.end)).toFixed(1);
      if (best !== null) step.push(`${px},${y(best).toFixed(1)}`);
      best = r.value!;
      step.push(`${px},${y(best).toFixed(1)}`);
    }
    if (best !== null) step.push(`${x(t1).toFixed(1)},${y(best).toFixed(1)}`);
    if (step.length > 1) parts.push(`<polyline points="${step.join(' ')}" fill="none" stroke="${c}" stroke-width="2"/>`);
    parts.push(`<rect x="${W - R + 12}" y="${T + i * 18}" width="10" height="10" fill="${c}"/><text x="${W - R + 28}" y="${T + i * 18 + 9}">${esc(lane.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

/** Build and write the merged report of session `session` (found from `cwd`: the main repo or any lane). */
export async function buildLanesReport(o: { cwd: string; session: string; outDir?: string; laneReports?: boolean }): Promise<LanesReportResult> {
  const main = mainRepoOf(o.cwd);
  if (!main) throw new UsageError(`${o.cwd} is not inside a git repository.`);
  const man = readManifest(main, o.session);
  if (!man) throw new UsageError(`${o.session} is not a lane set here (no .autoresearch/.lanes/${o.session}.json).`);
  const lanes = man.lanes.map((l) => {
    const lr = readLaneRecords(l);
    return { entry: l, records: lr.records, warnings: lr.warnings, metric: lr.metric, goal: lr.goal };
  });
  const { model, runs } = lanesModel(o.session, lanes);
  const dir = o.outDir ? path.resolve(main, o.outDir) : sessionReportDir(main, o.session);
  mkdirSync(dir, { recursive: true });
  const paths = { dir, markdown: path.join(dir, 'report.md'), tsv: path.join(dir, 'runs.tsv'), json: path.join(dir, 'report.json'), svg: path.join(dir, 'progress.svg'), lanes: {} as Record<string, string> };
  // Each live lane's own full report (chart, discoveries, statistics), through the single-tag report.
  if (o.laneReports !== false) {
    const { buildReport } = await import('../report/index.js');
    for (const l of man.lanes) {
      const home = laneHome(l);
      if (!home || home !== l.worktree) continue;
      try {
        const r = await buildReport({ repo: l.worktree, tag: l.tag, outDir: path.join(dir, l.name) });
        paths.lanes[l.name] = r.paths.markdown;
      } catch (e) {
        model.warnings.push(`${l.name}: its own report failed: ${(e as Error).message}`);
      }
    }
  }
  const markdown = renderLanesMarkdown(model, runs, { files: true });
  const header = ['lane', 'run', 'start', 'commit', model.metric, 'memory_gb', 'status', 'description'].join('\t') + '\n';
  const rows = runs.map((r) =>
    [r.laneName, r.id, r.start, r.commit.slice(0, 7), (r.value ?? 0).toFixed(6), r.memoryGb.toFixed(1), r.status, tsvCell(r.description + (r.violation ? ` [violation: ${r.violation}]` : ''))].join('\t') + '\n',
  );
  writeFileSync(paths.tsv, header + rows.join(''));
  writeFileSync(paths.json, JSON.stringify(model, null, 2) + '\n');
  writeFileSync(paths.svg, renderLanesSvg(model, runs));
  writeFileSync(paths.markdown, markdown);
  return { model, runs, markdown, paths };
}

/**
 * For `report --session apr5` (and `report --tag apr5` when apr5 is a lane set): write the merged report and
 * print its summary, or the model as JSON. Returns the exit code.
 */
export async function lanesReportCommand(o: { cwd: string; session: string; outDir?: string; json?: boolean; write?: (s: string) => void }): Promise<number> {
  const write = o.write ?? ((s: string) => process.stdout.write(s));
  const r = await buildLanesReport({ cwd: o.cwd, session: o.session, outDir: o.outDir });
  for (const w of r.model.warnings) process.stderr.write(`ar-supervise: warning: ${w.replace(/\s+/g, ' ')}\n`);
  if (o.json) {
    write(JSON.stringify(r.model, null, 2) + '\n');
    return 0;
  }
  write(renderLanesMarkdown(r.model, r.runs, { latest: 10 }));
  write(`\nWrote report.md, progress.svg, runs.tsv, report.json to ${path.relative(o.cwd, r.paths.dir) || '.'}${path.sep}\n`);
  return 0;
}
