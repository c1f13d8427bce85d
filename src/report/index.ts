// The morning report: load a tag's runs, compute the model, write report.md, charts and tables.
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Git } from '../adapters/git.js';
import { pushReport } from './push.js';
import { loadConfigCached } from '../engine/config-cache.js';
import { UsageError } from '../errors.js';
import { ledgerPath, recordsPath, STATE_ROOT, stateDir, tagFromBranch } from '../paths.js';
import { chartData, renderSvg, svgToPng, type ChartData } from './chart.js';
import { writeCsvAndTsv } from './export.js';
import { reportHtml } from './html.js';
import { startLoadRuns } from './load.js';
import { renderMarkdown, type MarkdownOptions } from './markdown.js';
import type { Goal } from './stats.js';
import { summarize, type ReportModel } from './summary.js';
import { readUnavailable } from '../unavailable.js';
import { fmtValue } from '../format.js';

export type { ReportModel } from './summary.js';
export type { ChartData } from './chart.js';
export { renderMarkdown, type MarkdownOptions } from './markdown.js';
export { renderTerminalChart, type TerminalChartOptions } from './terminal-chart.js';

export interface BuildReportOptions {
  repo: string;
  /** Default: from the branch `autoresearch/<tag>`, else the most recently modified tag folder. */
  tag?: string;
  /** Default: `.autoresearch/<tag>/report/`; relative paths are taken from repo. */
  outDir?: string;
  /** Overrides the configured goal (for tests and ledgers made elsewhere). */
  goal?: Goal;
  /** How many near misses to list (default 5). */
  nearMisses?: number;
  /**
   * Also write runs.csv and runs.tsv (every run, every parsed metric). Off by default: on a
   * 100k-run ledger the two tables cost more than the rest of the report.
   */
  export?: boolean;
}

export interface ReportPaths {
  dir: string;
  markdown: string;
  svg: string;
  png: string;
  /** Only when the tables were asked for (`export`). */
  csv?: string;
  tsv?: string;
  json: string;
  /** The table and chart as one page (absent when the package's page is not built). */
  html?: string;
}

export interface BuildReportResult {
  tag: string;
  model: ReportModel;
  /** For the terminal rendering (renderTerminalChart). */
  chart: ChartData;
  paths: ReportPaths;
  /** Problems with the ledger (one line each); also in model.warnings. */
  warnings: string[];
}

const FILES = { markdown: 'report.md', svg: 'progress.svg', png: 'progress.png', csv: 'runs.csv', tsv: 'runs.tsv', json: 'report.json', html: 'report.html' } as const;

/** The tag of the checked-out `autoresearch/<tag>` branch, or null (other branch, no git, no repo). */
export async function branchTag(repo: string): Promise<string | null> {
  try {
    // currentBranch (symbolic-ref) names a branch with no commit yet too.
    const branch = await new Git(repo).currentBranch();
    return branch ? tagFromBranch(branch) : null;
  } catch {
    return null; // no git, or no folder: a ledger can still be read
  }
}

/** Tag folders under .autoresearch/, most recently modified first. */
export function knownTags(repo: string): string[] {
  const root = path.join(repo, STATE_ROOT);
  let entries;
  try {
    entries = readdirSync(root, { withFileTypes: true });
  } catch {
    return [];
  }
  const mtime = (tag: string) => {
    // The folder's mtime does not change when runs.jsonl grows; the file's does.
    const f = recordsPath(repo, tag);
    return Math.max(statSync(stateDir(repo, tag)).mtimeMs, existsSync(f) ? statSync(f).mtimeMs : 0);
  };
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => ({ tag: e.name, t: mtime(e.name) }))
    .sort((a, b) => b.t - a.t || a.tag.localeCompare(b.tag))
    .map((e) => e.tag);
}

/** Which tag to report on; throws UsageError when none can be found or the given one is unknown. */
export async function resolveTag(repo: string, tag?: string): Promise<{ tag: string; branchTag: string | null }> {
  const onBranch = await branchTag(repo);
  const tags = knownTags(repo);
  if (tag !== undefined) {
    if (tag === '' || tag.split(/[\\/]/).some((p) => p === '..' || p === '.') || path.isAbsolute(tag)) {
      throw new UsageError(`"${tag}" is not a tag name.`);
    }
    const karpathyOnly = tags.length === 0 && existsSync(ledgerPath(repo));
    if (existsSync(stateDir(repo, tag)) || onBranch === tag || karpathyOnly) return { tag, branchTag: onBranch };
    throw new UsageError(`unknown tag "${tag}" (${tags.length ? `known: ${tags.join(', ')}` : 'no tags under .autoresearch/ yet'}).`);
  }
  if (onBranch) return { tag: onBranch, branchTag: onBranch };
  if (tags.length) return { tag: tags[0]!, branchTag: onBranch };
  if (existsSync(ledgerPath(repo))) {
    throw new UsageError('found results.tsv but not on an autoresearch/<tag> branch; pass --tag to name the run.');
  }
  throw new UsageError('no ledger found: no .autoresearch/ folder and no results.tsv here.');
}

export async function buildReport(opts: BuildReportOptions): Promise<BuildReportResult> {
  const repo = path.resolve(opts.repo);
  const { tag, branchTag: onBranch } = await resolveTag(repo, opts.tag);
  // The cached parse needs the tag's state folder; a ledger without one (karpathy's) reads the file.
  const cfg = existsSync(stateDir(repo, tag)) ? await loadConfigCached(repo, tag) : (await import('../config.js')).loadConfig(repo);
  const goal = opts.goal ?? cfg.goal;
  const loadOpts = { tsvIsThisTag: onBranch === null || onBranch === tag, goal, metric: cfg.metric, records: opts.export === true };
  const compose = (loaded: NonNullable<ReturnType<typeof startLoadRuns>>) => {
    const metric = loaded.metric ?? cfg.metric;
    const model = summarize(loaded.runs, { tag, metric, goal, source: loaded.source, warnings: loaded.warnings, nearMisses: opts.nearMisses });
    const spans = readUnavailable(repo, tag);
    if (spans.length) {
      model.unavailable = spans.map((u) => ({ ...u, minutes: u.to ? Math.round((Date.parse(u.to) - Date.parse(u.from)) / 60_000) : null }));
    }
    const pushed = pushReport(repo, tag, loaded.runs);
    if (pushed) model.push = pushed;
    const c = model.counts;
    const title = `autoresearch ${tag}: ${c.runs} runs, ${c.keep} kept` + (model.best ? `, best ${metric} ${fmtValue(model.best.value)}` : '');
    const chart = chartData(loaded.runs, { goal, metric, title });
    const svg = renderSvg(chart);
    return { loaded, model, chart, svg, png: svgToPng(svg) };
  };
  const first = startLoadRuns(repo, tag, loadOpts);
  if (!first) {
    const why = existsSync(ledgerPath(repo)) ? `and results.tsv belongs to the checked-out tag "${onBranch}"` : 'and no results.tsv';
    throw new UsageError(`no ledger found for tag "${tag}": no ${STATE_ROOT}/${tag}/runs.jsonl ${why}.`);
  }
  // The report is made while a worker checks the cache the runs came from; on the rare "changed", made again.
  let made = compose(first);
  if (!(await first.settled)) made = compose(startLoadRuns(repo, tag, loadOpts, false)!);
  const { loaded, model, chart } = made;

  const dir = opts.outDir ? path.resolve(repo, opts.outDir) : path.join(stateDir(repo, tag), 'report');
  mkdirSync(dir, { recursive: true });
  const paths: ReportPaths = { dir, markdown: path.join(dir, FILES.markdown), svg: path.join(dir, FILES.svg), png: path.join(dir, FILES.png), json: path.join(dir, FILES.json) };
  const files: MarkdownOptions['files'] = { png: FILES.png, svg: FILES.svg, json: FILES.json };
  if (loaded.records) {
    paths.csv = path.join(dir, FILES.csv);
    paths.tsv = path.join(dir, FILES.tsv);
    writeCsvAndTsv(loaded.records, paths.csv, paths.tsv);
    files.csv = FILES.csv;
    files.tsv = FILES.tsv;
  }
  writeFileSync(paths.markdown, renderMarkdown(model, { files }));
  writeFileSync(paths.svg, made.svg);
  writeFileSync(paths.png, made.png);
  writeFileSync(paths.json, JSON.stringify(model, null, 2) + '\n');
  const html = reportHtml({ repo, tag, table: loaded.runs, model });
  if (html !== null) {
    paths.html = path.join(dir, FILES.html);
    writeFileSync(paths.html, html);
  }
  return { tag, model, chart, paths, warnings: loaded.warnings };
}
