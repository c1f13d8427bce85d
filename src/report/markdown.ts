// Render the report model as Markdown: the full report.md, or a short version for the terminal.
import { MISSING } from '../format.js';
import { fmtPeriod } from '../unavailable.js';
import { fmtDelta, fmtDuration, fmtPercent, fmtRate, fmtTime, fmtValue, oneLine, plural } from './format.js';
import type { ReportModel } from './summary.js';

export interface MarkdownOptions {
  /** Terminal version: headline, top improvements and recommendations only. */
  short?: boolean;
  /** Relative links to the files written next to report.md. */
  files?: { png?: string; svg?: string; csv?: string; tsv?: string; json?: string };
  /** Rows per table before "N more" (default: all in the full report, 5 in the short one). */
  maxRows?: number;
}

function cell(s: string): string {
  return oneLine(s, 120).replace(/\\/g, '\\\\').replace(/\|/g, '\\|');
}

function table(head: string[], rows: string[][], align: ('l' | 'r')[]): string {
  const sep = align.map((a) => (a === 'r' ? '---:' : '---'));
  return [head, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

function more(total: number, shown: number): string {
  return total > shown ? `\n\n…and ${total - shown} more (see report.json).` : '';
}

export function headline(m: ReportModel): string[] {
  const c = m.counts;
  const dir = m.goal === 'min' ? 'lower is better' : 'higher is better';
  const lines: string[] = [];
  if (m.period.start && m.period.end) {
    lines.push(`${plural(c.runs, 'run')} from ${fmtTime(m.period.start)} to ${fmtTime(m.period.end)}.`);
  } else {
    lines.push(`${plural(c.runs, 'run')} (read from ${m.source}; times unknown).`);
  }
  const parts = [`${c.keep} kept (${fmtRate(c.keepRate)})`, `${c.discard} discarded`, `${c.crash} crashed`];
  if (c.violations) parts.push(`${plural(c.violations, 'violation')} (counted as discarded)`);
  lines.push(`Runs: ${parts.join(', ')}.`);
  if (m.baseline && m.best && m.change) {
    lines.push(
      `${m.metric} (${dir}): ${fmtValue(m.baseline.value)} at #${m.baseline.id} → best ${fmtValue(m.best.value)} at #${m.best.id} ${m.best.commit} (${fmtDelta(m.change.absolute)}, ${fmtPercent(m.change.percent)}).`,
    );
  } else if (m.baseline) {
    lines.push(`${m.metric} (${dir}): first value ${fmtValue(m.baseline.value)} at #${m.baseline.id}; no run was kept.`);
  } else {
    lines.push(`${m.metric}: no run produced a value.`);
  }
  if (m.time.trainingMs !== null && m.time.wallMs !== null) {
    lines.push(`Time: ${fmtDuration(m.time.trainingMs)} training in ${fmtDuration(m.time.wallMs)} wall time (${fmtRate(m.time.trainingShare)}).`);
  }
  if (m.agents?.length) {
    const who = m.agents.map((a) => `${a.agent}${a.model ? ` (${a.model})` : ''}: ${a.runs} run${a.runs === 1 ? '' : 's'}`);
    lines.push(`Agent: ${who.join('; ')}.`);
  }
  for (const j of m.jobs ?? []) {
    const nodes = j.nodes.length ? ` on ${j.nodes.length} node${j.nodes.length === 1 ? '' : 's'} (${j.nodes.slice(0, 5).join(', ')}${j.nodes.length > 5 ? ', ...' : ''})` : '';
    const q = j.queuedSeconds;
    lines.push(`Cluster (${j.engine}): ${j.runs === 1 ? '1 run as a job' : `${j.runs} runs as jobs`}${nodes}; queued ${fmtDuration(q.total * 1000)} in all, median ${fmtDuration(q.median * 1000)}, longest ${fmtDuration(q.max * 1000)}.`);
  }
  // A short night explained: when the agent could not work, and why.
  const spans = m.unavailable ?? [];
  for (const u of spans.slice(0, 5)) {
    const len = u.to ? ` (${fmtDuration(Date.parse(u.to) - Date.parse(u.from))})` : '';
    lines.push(`Agent unavailable ${fmtPeriod(u, { utc: true })}${len}: ${u.cause}.`);
  }
  if (spans.length > 5) lines.push(`Agent unavailable ${spans.length - 5} more times (see report.json).`);
  return lines;
}

function improvements(m: ReportModel, max: number): string {
  const rows = m.improvements.slice(0, max).map((i) => [
    `#${i.id}`,
    `\`${i.commit}\``,
    fmtValue(i.value),
    fmtDelta(i.delta),
    fmtPercent(i.deltaPercent),
    i.linesAdded === null ? MISSING : `+${i.linesAdded}/−${i.linesRemoved}`,
    cell(i.description),
  ]);
  return table(['run', 'commit', m.metric, 'Δ vs best', 'Δ %', 'lines', 'description'], rows, ['r', 'l', 'r', 'r', 'r', 'r', 'l']) + more(m.improvements.length, max);
}

function nearMisses(m: ReportModel): string {
  const rows = m.nearMisses.map((n) => [`#${n.id}`, `\`${n.commit}\``, fmtValue(n.value), fmtValue(n.bestBefore), fmtDelta(n.gap), fmtPercent(n.gapPercent), cell(n.description)]);
  return table(['run', 'commit', m.metric, 'best then', 'gap', 'gap %', 'description'], rows, ['r', 'l', 'r', 'r', 'r', 'r', 'l']);
}

function crashes(m: ReportModel, max: number): string {
  const rows = m.crashes.map((g) => {
    const shown = g.runs.slice(0, max).map((r) => `#${r.id} ${cell(oneLine(r.description, 50))}`);
    if (g.runs.length > max) shown.push(`${g.runs.length - max} more`);
    return [g.reason, String(g.count), shown.join('<br>')];
  });
  return table(['reason', 'runs', 'what was tried'], rows, ['l', 'r', 'l']);
}

function lanes(m: ReportModel): string {
  const rows = m.lanes.map((l) => [cell(l.lane), String(l.runs), String(l.keep), String(l.discard), String(l.crash), String(l.violations), fmtRate(l.keepRate), fmtValue(l.best), fmtDuration(l.trainingMs)]);
  return table(['lane', 'runs', 'keep', 'discard', 'crash', 'violations', 'keep rate', `best ${m.metric}`, 'training'], rows, ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r']);
}

function pushLines(p: NonNullable<ReportModel['push']>): string[] {
  const out: string[] = [];
  if (p.unpushed.length === 0) out.push(`Every kept run is on ${p.remote}.`);
  else {
    out.push(`${plural(p.unpushed.length, 'kept run')} never reached ${p.remote}:`, '');
    out.push(...p.unpushed.map((u) => `- #${u.id} \`${u.commit}\` ${cell(u.description)}`));
  }
  if (!p.ok) out.push('', `The last push failed${p.failingSince ? ` (failing since ${fmtTime(p.failingSince)})` : ''}: ${cell(p.error ?? 'unknown error')}. \`ar-supervise push\` tries again.`);
  return out;
}

export function renderMarkdown(m: ReportModel, opts: MarkdownOptions = {}): string {
  const short = opts.short ?? false;
  const max = opts.maxRows ?? (short ? 5 : Infinity);
  const out: string[] = [`# autoresearch report: ${m.tag}`, '', ...headline(m)];
  const f = opts.files;
  if (f && !short) {
    out.push('');
    if (f.png) out.push(`![progress](${f.png})`, '');
    const links = (['svg', 'csv', 'tsv', 'json'] as const).filter((k) => f[k]).map((k) => `[${k.toUpperCase()}](${f[k]})`);
    if (links.length) out.push(`Files: ${links.join(' · ')}`);
  }
  if (m.improvements.length) {
    out.push('', '## Kept improvements', '', improvements(m, max));
  }
  if (!short && m.nearMisses.length) {
    const ahead = m.nearMisses.some((n) => n.gap < 0) ? '; a negative gap was better, but not by the margin needed to keep it' : '';
    out.push('', '## Near misses', '', `Discarded runs that came closest to the best kept value of their time (gap: how far behind${ahead}).`, '', nearMisses(m));
  }
  if (!short && m.crashes.length) out.push('', '## Crashes', '', crashes(m, 10));
  if (!short && m.violations.length) {
    out.push('', '## Violations', '', ...m.violations.map((v) => `- #${v.id} \`${v.commit}\` ${cell(v.description)}: ${cell(v.violation)}`));
  }
  if (!short && m.lanes.length) out.push('', '## Lanes', '', lanes(m));
  if (m.push) out.push('', '## Pushed to the remote', '', ...pushLines(m.push));
  if (m.recommendations.length) out.push('', '## Recommendations', '', ...m.recommendations.map((r) => `- ${r.text}`));
  if (!short && m.noise) {
    out.push('', `Noise: σ = ${fmtValue(m.noise.sigma)} (${m.noise.from === 'records' ? "the engine's estimate" : 'pooled over repeated runs'}, ${m.noise.n} runs).`);
  }
  if (!short && m.warnings.length) out.push('', '## Warnings', '', ...m.warnings.map((w) => `- ${cell(w)}`));
  return out.join('\n') + '\n';
}
