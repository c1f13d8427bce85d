// CLAUDE.md: the agent's memory across restarts. Rendered from CLAUDE.md.template and the ledger.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config, TaskSpec } from '../config.js';
import { writeAtomic } from '../fs/atomic.js';
import { lastKeep } from '../engine/kept.js';
import type { RunRecord } from '../engine/types.js';
import { fmtValue } from '../format.js';
import { branchFor } from '../paths.js';
import { cliScript, promptPath, templatePath } from './files.js';
import { renderTemplate } from './template.js';
import { shellQuote } from '../agents/json-hooks.js';

/** The command the agent runs, by absolute path so it works whatever the agent's PATH. */
export function runCommand(nodePath = process.execPath, sub = 'run'): string {
  return `${shellQuote(nodePath)} ${shellQuote(cliScript())} ${sub}`;
}

export { shellQuote } from '../agents/json-hooks.js';

/** The best kept run: with keep-if-better, the last keep is the best (and the branch tip); null without a value. */
export function bestRun(records: RunRecord[]): RunRecord | null {
  const k = lastKeep(records);
  return k && k.value !== null ? k : null;
}

export function bestText(records: RunRecord[], metric: string): string {
  const b = bestRun(records);
  if (!b) return records.length ? `no kept run yet (${records.length} runs so far)` : 'no runs yet';
  return `${metric} ${fmtValue(b.value)} at commit ${b.commit.slice(0, 7)} (run ${b.id}: ${b.description})`;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();

/** The last n runs as a markdown table, newest last. */
export function resultsTable(records: RunRecord[], metric: string, n = 10): string {
  if (records.length === 0) return 'No runs yet.';
  const rows = records.slice(-n).map((r) => {
    const status = r.violation ? `${r.status} (violation)` : r.status === 'crash' && r.crashReason ? `crash (${r.crashReason})` : r.status;
    return `| ${r.id} | ${r.commit.slice(0, 7)} | ${fmtValue(r.value)} | ${status} | ${cell(r.description)} |`;
  });
  const head = records.length > n ? `Last ${n} of ${records.length} runs:\n\n` : '';
  return `${head}| run | commit | ${metric} | status | description |\n|---|---|---|---|---|\n${rows.join('\n')}`;
}

export function planText(tasks: TaskSpec[], current: string | null): string {
  const lines: string[] = [];
  if (current) lines.push(`Now: ${current}`, '');
  if (tasks.length === 0) {
    lines.push('No queued tasks: continue with your own best ideas to improve the metric.');
  } else {
    lines.push('Next, in order:');
    tasks.forEach((t, i) => lines.push(`${i + 1}. ${t.text}`));
  }
  return lines.join('\n');
}

export function directionText(goal: 'min' | 'max'): string {
  return goal === 'min' ? 'lower is better' : 'higher is better';
}

export interface ClaudeMdInput {
  tag: string;
  config: Config;
  /** `--goal` or config `objective`. */
  goal: string;
  records: RunRecord[];
  tasks: TaskSpec[];
  currentTask: string | null;
  run?: string;
  /** The memory file's name as the agent knows it (CLAUDE.md, AGENTS.md, GEMINI.md). */
  memory?: string;
  /** Experiments in flight (pipeline depth > 1): what finished since the last prompt, and what is queued or running. */
  pipeline?: { finished: string[]; inflight: number };
}

/** Depth above 1: the agent queues ideas (submit) and reads results later, instead of `run`. */
export function pipelined(i: Pick<ClaudeMdInput, 'config'>): boolean {
  return (i.config.pipeline?.depth ?? 1) > 1;
}

const list = (xs: string[]) => (xs.length ? xs.map((x) => `\`${x}\``).join(', ') : '(none)');

export function claudeMdVars(i: ClaudeMdInput): Record<string, string | number> {
  return {
    tag: i.tag,
    branch: branchFor(i.tag),
    goal: i.goal,
    metric: i.config.metric,
    direction: directionText(i.config.goal),
    budget: i.config.budget_seconds,
    editable: list(i.config.editable),
    readonly: list(i.config.readonly),
    run: i.run ?? runCommand(),
    best: bestText(i.records, i.config.metric),
    results: resultsTable(i.records, i.config.metric),
    plan: planText(i.tasks, i.currentTask),
    memory: i.memory ?? path.basename(templatePath(), '.template'),
  };
}

/** The variables above, plus how to run experiments (`run`, or submit/results with a pipeline) and the pipeline's news. */
function allVars(i: ClaudeMdInput): Record<string, string | number> {
  const vars = claudeMdVars(i);
  const on = pipelined(i);
  const submit = i.run ? i.run.replace(/ run$/, ' submit') : runCommand(undefined, 'submit');
  const more: Record<string, string | number> = {
    ...vars,
    depth: i.config.pipeline?.depth ?? 1,
    submit,
    results_cmd: submit.replace(/ submit$/, ' results'),
    queue_cmd: submit.replace(/ submit$/, ' queue'),
    finished: i.pipeline?.finished.length ? i.pipeline.finished.join('\n') + '\n\n' : '',
    inflight: i.pipeline ? `${i.pipeline.inflight} experiment${i.pipeline.inflight === 1 ? ' is' : 's are'} queued or running.` : '',
  };
  more.howto = renderTemplate(readFileSync(promptPath(on ? 'howto-pipeline.md' : 'howto-run.md'), 'utf8'), more).trimEnd();
  return more;
}

export function renderClaudeMd(i: ClaudeMdInput, template = readFileSync(templatePath(), 'utf8')): string {
  return renderTemplate(template, allVars(i));
}

/** Sections appended to a CLAUDE.md after the template, by the file's path (a lane's view of the other lanes). */
const extraSections = new Map<string, () => string>();

/** Register (or, with null, remove) a provider of extra text for the CLAUDE.md at `file`; called on every rewrite. */
export function setClaudeMdExtra(file: string, provider: (() => string) | null): void {
  if (provider) extraSections.set(path.resolve(file), provider);
  else extraSections.delete(path.resolve(file));
}

export function writeClaudeMd(file: string, i: ClaudeMdInput): void {
  let text = renderClaudeMd(i);
  const extra = extraSections.get(path.resolve(file));
  if (extra) {
    try {
      const more = extra();
      if (more.trim()) text = text.replace(/\n*$/, '\n\n') + more.replace(/\n*$/, '\n');
    } catch {
      // the extra section is a courtesy: the agent's own instructions are written regardless
    }
  }
  writeAtomic(file, text);
}

/** The prompt for the next turn: a task, or the standing "continue" prompt. */
export function renderPrompt(i: ClaudeMdInput, task: TaskSpec | null): string {
  const vars = { ...allVars(i), task: task?.text ?? '', priority: task?.priority ?? 0 };
  const on = pipelined(i);
  const file = promptPath(task ? (on ? 'task-pipeline.md' : 'task.md') : on ? 'continue-pipeline.md' : 'continue.md');
  return renderTemplate(readFileSync(file, 'utf8'), vars).trim();
}

export function relativeTo(repo: string, file: string): string {
  return path.relative(repo, file) || file;
}
