import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { UsageError, ToolError } from '../errors.js';
import { interruptOnSignals } from './init.js';
import { packageRoot } from '../package-root.js';

export const DEMO_TAG = 'demo';

/** The bundled example, in the package's examples/ folder. */
export function exampleDir(): string {
  return path.join(packageRoot(), 'examples', 'tiny-lm') + path.sep;
}

interface DemoFlags {
  dir?: string;
  budget: string;
  keep?: boolean;
}

/** Copies leave out what prepare.py and Python make, and any earlier results. */
const SKIP = new Set(['.cache', '__pycache__', '.autoresearch', 'results.tsv', 'run.log', '.git']);

/** Set `budget_seconds:` in the example's autoresearch.yaml (the repo says what the demo ran with). */
export function withBudget(yaml: string, budget: number): string {
  const line = `budget_seconds: ${budget}`;
  if (/^budget_seconds:.*$/m.test(yaml)) {
    return yaml.replace(/^budget_seconds:[^#\n]*?(\s*#.*)?$/m, (_m, comment: string | undefined) => line + (comment ?? ''));
  }
  return yaml.replace(/\n?$/, '\n') + line + '\n';
}

async function need(cmd: string, args: string[], missing: string, failing: string): Promise<void> {
  const { execa } = await import('execa');
  const r = await execa(cmd, args, { reject: false, timeout: 60_000 });
  if ((r as { code?: string }).code === 'ENOENT' || (r.failed && r.exitCode === undefined)) throw new UsageError(missing);
  if (r.exitCode !== 0) throw new UsageError(failing);
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('the whole loop on the bundled tiny-lm example: a git repo, a baseline, a short greedy sweep, the report (no account, GPU or network)')
    .option('--dir <dir>', 'where to put the demo repo (must not exist or be empty; default: a new temp folder)')
    .option('--budget <seconds>', 'training budget per run', '15')
    .option('--keep', 'keep the demo folder even when the demo fails (a successful or interrupted demo is always kept)')
    .action(async (flags: DemoFlags) => {
      const budget = Number(flags.budget);
      if (!Number.isFinite(budget) || budget <= 0) throw new UsageError(`--budget must be a positive number of seconds, not "${flags.budget}".`);
      const example = exampleDir();
      if (!existsSync(path.join(example, 'train.py'))) throw new ToolError(`the bundled example is missing (looked in ${example}); reinstall the package.`);

      let dir: string;
      let made = false;
      if (flags.dir !== undefined) {
        dir = path.resolve(process.cwd(), flags.dir);
        if (existsSync(dir)) {
          let entries: string[];
          try {
            entries = readdirSync(dir);
          } catch {
            throw new UsageError(`--dir ${flags.dir} exists and is not a folder; pick a new or empty folder.`);
          }
          if (entries.length) throw new UsageError(`--dir ${flags.dir} is not empty; pick a new or empty folder.`);
        }
      } else {
        dir = '';
      }
      // git through its adapter, like every git call; a start that fails means no git here.
      const { runGit } = await import('../adapters/git.js');
      const v = await runGit(process.cwd(), ['--version'], { timeoutMs: 60_000 }).catch(() => null);
      if (!v) throw new UsageError('the demo needs git, which was not found on PATH.');
      if (!v.ok) throw new UsageError('the demo needs a working git ("git --version" failed).');
      await need(
        'python3',
        ['-c', 'import numpy'],
        'the demo needs python3, which was not found on PATH.',
        'the demo needs numpy for python3 ("python3 -c \'import numpy\'" failed); install it with "python3 -m pip install numpy".',
      );
      if (!dir) {
        dir = mkdtempSync(path.join(tmpdir(), 'ar-demo-'));
        made = true;
      } else if (!existsSync(dir)) {
        mkdirSync(dir, { recursive: true });
        made = true;
      }

      const out = (s: string) => process.stdout.write(s + '\n');
      const ac = interruptOnSignals();
      let ok = false;
      try {
        await runDemo(example, dir, budget, out, ac.signal);
        ok = true;
        if (ac.signal.aborted) process.exitCode = 130;
      } finally {
        ac.dispose();
        if (!ok && !ac.signal.aborted && made && !flags.keep && flags.dir === undefined) {
          rmSync(dir, { recursive: true, force: true });
          process.stderr.write(`ar-supervise: the demo failed; removed ${dir} (pass --keep to keep it).\n`);
        }
      }
    });
}

async function runDemo(example: string, dir: string, budget: number, out: (s: string) => void, signal: AbortSignal): Promise<void> {
  const { execa } = await import('execa');
  const { loadConfig } = await import('../config.js');
  const { initTag } = await import('../engine/init.js');
  const { loadSweepSpec } = await import('../sweep/spec.js');
  const { runSweep, summaryLines } = await import('../sweep/runner.js');
  const { plainDisplay, ttyDisplay } = await import('../sweep/progress.js');
  const { liveLine } = await import('../term.js');
  const { createLogger } = await import('../log.js');
  const { ledgerPath, stateDir, branchFor } = await import('../paths.js');

  const t0 = Date.now();
  out(`autoresearch demo: the tiny-lm example (a character-level language model in numpy) in ${dir}`);
  cpSync(example, dir, { recursive: true, filter: (src) => !SKIP.has(path.basename(src)) && !src.endsWith('.pyc') });
  const cfgFile = path.join(dir, 'autoresearch.yaml');
  const yaml = existsSync(cfgFile) ? readFileSync(cfgFile, 'utf8') : 'command: python3 train.py\n';
  writeFileSync(cfgFile, withBudget(yaml, budget));
  const ignore = path.join(dir, '.gitignore');
  const have = existsSync(ignore) ? readFileSync(ignore, 'utf8') : '';
  const wanted = ['.cache/', '__pycache__/'].filter((l) => !have.split(/\r?\n/).includes(l));
  if (wanted.length) writeFileSync(ignore, have.replace(/\n?$/, have ? '\n' : '') + wanted.join('\n') + '\n');

  // A repo of its own; an identity only where git has none configured.
  const { runGit } = await import('../adapters/git.js');
  const git = async (args: string[]) => {
    const r = await runGit(dir, args, { timeoutMs: 60_000 });
    if (!r.ok) throw new ToolError(`git ${args.join(' ')} failed in ${dir}: ${String(r.stderr || r.stdout).trim().split('\n')[0]}`);
    return r.stdout.trim();
  };
  await git(['init', '-q']);
  await git(['symbolic-ref', 'HEAD', 'refs/heads/main']);
  const has = async (key: string) => (await runGit(dir, ['config', '--get', key])).ok;
  if (!(await has('user.name'))) await git(['config', 'user.name', 'autoresearch-demo']);
  if (!(await has('user.email'))) await git(['config', 'user.email', 'demo@localhost']);
  await git(['config', 'commit.gpgsign', 'false']); // a throwaway repo: never wait for a signing prompt
  await git(['add', '-A']);
  await git(['commit', '-q', '-m', 'tiny-lm example']);

  out('Preparing the data (python3 prepare.py)...');
  const prep = await execa('python3', ['prepare.py'], { cwd: dir, reject: false, all: true, timeout: 300_000 });
  if (prep.exitCode !== 0) throw new ToolError(`python3 prepare.py failed in ${dir}: ${String(prep.all ?? '').trim().split('\n').slice(-3).join(' | ')}`);

  // --budget wins over a TIME_BUDGET in the environment (the demo's yaml already says it).
  const env = { ...process.env };
  delete env.TIME_BUDGET;
  const config = loadConfig(dir, env);
  // A tiny --budget (tests): leave room for numpy's import and the evaluation before the kill.
  config.timeout_factor = Math.max(config.timeout_factor, (budget + 10) / budget);
  const live = liveLine('baseline');
  const base = await initTag(dir, DEMO_TAG, { baseline: true, config, out, onTick: live?.tick, signal });
  live?.done();
  if (base) {
    const r = base.record;
    out(`Baseline: ${r.metric} ${r.value === null ? `- (${r.status}${r.crashReason ? `: ${r.crashReason}` : ''})` : r.value.toFixed(6)}.`);
  }

  if (!signal.aborted) {
    const sweepFile = path.join(dir, 'sweep.yaml');
    if (!existsSync(sweepFile)) throw new ToolError(`the bundled example has no sweep.yaml (looked in ${sweepFile}); reinstall the package.`);
    const spec = loadSweepSpec(sweepFile);
    const names = spec.parameters.map((p) => p.name).join(', ');
    out(`Sweeping ${names} (${spec.strategy}, sweep.yaml) on a ${budget} s budget per run; each run is commit, train, parse, keep or revert:`);
    const display = process.stdout.isTTY ? ttyDisplay(process.stdout) : plainDisplay((s) => process.stdout.write(s));
    const summary = await runSweep({ repo: dir, tag: DEMO_TAG, config, spec, display, signal, log: createLogger(dir, DEMO_TAG) });
    for (const l of summaryLines(summary, spec, config.metric, config.goal)) out(l);
  }

  out('');
  const reportPaths = await printReport(dir, out);
  if (!reportPaths) printLedger(dir, out);
  const secs = Math.round((Date.now() - t0) / 1000);
  out('');
  out(`Everything the demo wrote (${secs} s) is in ${dir}:`);
  out(`  the repo:      ${dir} (branch ${branchFor(DEMO_TAG)}: one commit per kept run)`);
  out(`  the ledger:    ${ledgerPath(dir)}`);
  out(`  the state:     ${stateDir(dir, DEMO_TAG)}${path.sep} (runs.jsonl, logs/, ar.log)`);
  if (reportPaths) out(`  the report:    ${reportPaths.markdown} (chart: ${path.basename(reportPaths.png)}, ${path.basename(reportPaths.svg)})`);
  out(`Look around: cd ${dir} && git log --oneline ${branchFor(DEMO_TAG)}`);
}

/** The report's short Markdown, if the report module is there and works; null otherwise. */
async function printReport(dir: string, out: (s: string) => void): Promise<{ markdown: string; png: string; svg: string } | null> {
  try {
    const { buildReport } = await import('../report/index.js');
    const res = await buildReport({ repo: dir, tag: DEMO_TAG });
    let text: string;
    try {
      const { renderMarkdown } = await import('../report/markdown.js');
      text = renderMarkdown(res.model, { short: true });
    } catch {
      text = readFileSync(res.paths.markdown, 'utf8');
    }
    out(text.replace(/\n+$/, ''));
    return res.paths;
  } catch {
    return null;
  }
}

function printLedger(dir: string, out: (s: string) => void): void {
  let text = '';
  try {
    text = readFileSync(path.join(dir, 'results.tsv'), 'utf8');
  } catch {
    out('No ledger was written.');
    return;
  }
  out('results.tsv:');
  for (const l of text.replace(/\n+$/, '').split('\n')) out('  ' + l);
  const rows = text.split('\n').slice(1).filter(Boolean).map((l) => l.split('\t'));
  const kept = rows.filter((r) => r[3] === 'keep');
  const best = kept[kept.length - 1];
  if (best) out(`Best: ${best[1]} at ${best[0]} (${best[4]}).`);
}
