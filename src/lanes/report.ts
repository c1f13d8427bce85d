// The merged morning report of a lane set: every lane's records with a lane column, the best across lanes, each
// lane's summary, the kept improvements of all lanes in time order, and the progress chart of the merged night.
// Written to .autoresearch/.lanes/<session>/report/ (plus each live lane's own full report under <lane>/).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import type { RunRecord } from '../engine/types.js';
import { fmtValue, MISSING } from '../format.js';
import { chartData, renderSvg, svgToPng, type ChartData } from '../report/chart.js';
import { better, summarize, type ReportModel } from '../report/summary.js';
import { mainRepoOf, readManifest, sessionReportDir, type LaneEntry } from './manifest.js';
import { isLaneSet } from './which.js';

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
  paths: { dir: string; markdown: string; tsv: string; json: string; svg: string; png: string; lanes: Record<string, string> };
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();
const tsvCell = (s: string) => s.replace(/[\t\r\n]+/g, ' ').trim();
const hhmm = (iso: string) => iso.replace('T', ' ').slice(0, 16);
const signed = (d: number | null) => (d === null ? MISSING : `${d >= 0 ? '+' : ''}${fmtValue(d)}`);

/** One lane's ledger through the single tag's report model (summarize): its counts, baseline, best and keeps. */
function laneReport(l: { entry: LaneEntry; records: RunRecord[] }, metric: string, goal: 'min' | 'max'): { summary: LaneSummary; model: ReportModel } {
  const model = summarize(l.records, { tag: l.entry.tag, metric, goal, source: 'runs.jsonl' });
  const b = model.best;
  const summary: LaneSummary = {
    name: l.entry.name,
    gpu: l.entry.gpu,
    branch: l.entry.branch,
    removed: !!l.entry.removed,
    runs: model.counts.runs,
    keep: model.counts.keep,
    discard: model.counts.discard,
    crash: model.counts.crash,
    baseline: model.baseline?.value ?? null,
    best: b ? { value: b.value, commit: b.commit, id: b.id, description: b.description } : null,
    change: model.change?.absolute ?? null,
  };
  return { summary, model };
}

/** The merged night: each lane's own report model, the best across them, and their keeps in time order. */
export function lanesModel(session: string, lanes: { entry: LaneEntry; records: RunRecord[]; warnings: string[]; metric: string | null; goal: 'min' | 'max' | null }[]): { model: LanesReportModel; runs: LaneRun[] } {
  const metric = lanes.find((l) => l.metric)?.metric ?? 'val_bpb';
  const goal = lanes.find((l) => l.goal)?.goal ?? 'min';
  const runs: LaneRun[] = lanes
    .flatMap((l) => l.records.map((r) => ({ ...r, laneName: l.entry.name })))
    .sort((a, b) => a.start.localeCompare(b.start) || a.laneName.localeCompare(b.laneName) || a.id - b.id);
  const reports = lanes.map((l) => ({ l, ...laneReport(l, metric, goal) }));
  let best: LanesReportModel['best'] = null;
  for (const { summary: s } of reports) {
    if (s.best && (!best || better(goal, s.best.value, best.value))) best = { lane: s.name, branch: s.branch, ...s.best };
  }
  const improvements: LanesReportModel['improvements'] = [];
  for (const { l, model } of reports) {
    const start = new Map(l.records.map((r) => [r.id, r.start]));
    for (const i of model.improvements) {
      if (/^baseline/.test(i.description)) continue;
      improvements.push({ lane: l.entry.name, id: i.id, start: start.get(i.id) ?? '', commit: i.commit, value: i.value, change: i.delta, description: i.description });
    }
  }
  improvements.sort((a, b) => a.start.localeCompare(b.start) || a.lane.localeCompare(b.lane) || a.id - b.id);
  const sum = (k: 'runs' | 'keep' | 'discard' | 'crash') => reports.reduce((n, r) => n + r.summary[k], 0);
  const model: LanesReportModel = {
    v: 1,
    session,
    metric,
    goal,
    period: runs.length ? { start: runs[0]!.start, end: runs.reduce((a, r) => (r.end > a ? r.end : a), runs[0]!.end) } : null,
    counts: { runs: sum('runs'), keep: sum('keep'), discard: sum('discard'), crash: sum('crash') },
    lanes: reports.map((r) => r.summary),
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
      `| ${s.name}${s.removed ? ' (archived)' : ''} | ${s.gpu ?? MISSING} | ${s.runs} | ${s.keep} | ${s.discard} | ${s.crash} | ${fmtValue(s.baseline)} | ${fmtValue(s.best?.value)} | ${signed(s.change)} | ${s.best ? s.best.commit.slice(0, 7) : MISSING} |`,
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
  if (o.files) out.push('', 'Files: `runs.tsv` (every run, with a lane column), `report.json`, `progress.svg` and `progress.png` (every lane\'s runs, the best across lanes); each lane\'s own report is in `<lane>/`.');
  return out.join('\n') + '\n';
}

/**
 * The merged night as one progress chart, drawn by the report's own chart code: every lane's runs in time order,
 * kept runs labelled with their lane and description, and the best across lanes as the step line.
 */
export function lanesChart(m: LanesReportModel, runs: LaneRun[]): ChartData {
  const labelled = runs.map((r) => ({ ...r, description: `${r.laneName}: ${r.description}` }));
  const best = m.best ? `, best ${m.metric} ${m.best.value.toFixed(6)} on ${m.best.lane}` : '';
  return chartData(labelled, { goal: m.goal, metric: m.metric, title: `autoresearch ${m.session}: ${m.lanes.length} lanes, ${m.counts.runs} runs${best}` });
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
  const paths = { dir, markdown: path.join(dir, 'report.md'), tsv: path.join(dir, 'runs.tsv'), json: path.join(dir, 'report.json'), svg: path.join(dir, 'progress.svg'), png: path.join(dir, 'progress.png'), lanes: {} as Record<string, string> };
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
  const svg = renderSvg(lanesChart(model, runs));
  writeFileSync(paths.svg, svg);
  writeFileSync(paths.png, svgToPng(svg));
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
  write(`\nWrote report.md, progress.svg, progress.png, runs.tsv, report.json to ${path.relative(o.cwd, r.paths.dir) || '.'}${path.sep}\n`);
  return 0;
}
