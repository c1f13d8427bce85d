// Checks of the research repo: a git repo with a commit, clean, its config, the training command and
// script, the files the config names, and the data the training needs.
import path from 'node:path';
import type { Config } from '../config-defaults.js';
import { BRANCH_PREFIX } from '../paths.js';
import { fail, pass, warn, type Check } from './check.js';
import { firstLine } from './machine.js';
import type { Probes } from './probes.js';

/** The repo's top folder, or the failed check saying why there is none (null also when git is missing: its own line says so). */
export async function locateRepo(p: Probes, cwd: string): Promise<{ top: string | null; check: Check | null }> {
  const top = await p.run('git', ['rev-parse', '--show-toplevel'], { cwd, timeoutMs: 15_000 });
  if (!top.started) return { top: null, check: null };
  if (top.code !== 0) return { top: null, check: fail('repo', `${cwd} is not inside a git repository`, 'cd into your research repo (or "git init" and commit your code)') };
  return { top: top.output.trim(), check: null };
}

/** A commit to start from, the branch, and no uncommitted work in tracked files. */
export async function checkRepo(p: Probes, dir: string, editable: readonly string[] | null): Promise<Check> {
  const head = await p.run('git', ['rev-parse', '--abbrev-ref', 'HEAD'], { cwd: dir, timeoutMs: 15_000 });
  if (head.code !== 0) return fail('repo', `${dir} has no commit yet`, 'commit your code first ("git add -A && git commit")');
  const branch = head.output.trim();
  const st = await p.run('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: dir, timeoutMs: 30_000 });
  const changed = st.output
    .split('\n')
    .filter((l) => l.length > 3)
    .map((l) => l.slice(3).replace(/^.* -> /, ''));
  const where = `${dir}, on ${branch === 'HEAD' ? 'a detached HEAD' : `branch ${branch}`}`;
  if (!changed.length) return pass('repo', `${where}, clean`);
  const list = changed.slice(0, 5).join(', ') + (changed.length > 5 ? `, and ${changed.length - 5} more` : '');
  // Mid-night, the agent's edit to an editable file is the next experiment, not a problem.
  if (branch.startsWith(BRANCH_PREFIX) && editable && changed.every((f) => editable.includes(f))) {
    return warn('repo', `${where}, with uncommitted edits (${list})`, 'the next "ar-supervise run" commits them as an experiment');
  }
  return fail('repo', `${where}, with uncommitted changes to tracked files (${list})`, 'commit or stash them: init and run refuse to start over your work');
}

/** The training program (found, and its version when it is an interpreter) and the script it runs. */
export async function checkTraining(p: Probes, top: string, config: Config): Promise<Check[]> {
  const [prog, ...args] = config.command;
  const shown = config.command.join(' ');
  const out: Check[] = [];
  const where = p.which(prog!, top);
  if (!where) {
    const hint = prog === 'uv' ? 'install uv (https://docs.astral.sh/uv/), or set "command" in autoresearch.yaml' : 'install it, or set "command" in autoresearch.yaml';
    out.push(fail('training', `"${prog}" (from the command "${shown}") not found on PATH`, hint));
  } else if (/^(python[\d.]*|uv|pypy[\d.]*)$/.test(path.basename(prog!))) {
    const r = await p.run(where, ['--version'], { cwd: top, timeoutMs: 30_000 });
    if (r.code === 0) out.push(pass('training', `${shown} (${firstLine(r.output)})`));
    else out.push(fail('training', `"${prog} --version" ${r.timedOut ? 'gave no answer in 30 s' : `failed${r.output.trim() ? `: ${firstLine(r.output)}` : ''}`}`, `repair ${prog}, or set "command" in autoresearch.yaml`));
  } else {
    out.push(pass('training', `${shown} (${where})`));
  }
  const script = scriptOf(prog!, args);
  if (script) {
    if (p.exists(path.resolve(top, script))) out.push(pass('script', `${script} found`));
    else out.push(fail('script', `${script} (from the command "${shown}") not found in ${top}`, 'add it, or set "command" in autoresearch.yaml'));
  }
  return out;
}

/** The file a training command runs: `uv run train.py` -> train.py, `python3 -u train.py` -> train.py; null for `-m module`. */
export function scriptOf(prog: string, args: readonly string[]): string | null {
  const rest = path.basename(prog) === 'uv' && args[0] === 'run' ? args.slice(1) : [...args];
  for (const a of rest) {
    if (a === '-m' || a === '-c') return null;
    if (a.startsWith('-')) continue;
    return /\.(py|sh|jl|lua|R|rb|js|mjs)$/.test(a) || a.includes('/') ? a : null;
  }
  return null;
}

/** The editable and read-only files the config names. */
export function checkFiles(p: Probes, top: string, config: Config): Check {
  const missing = [...config.editable.filter((f) => !/[*?]/.test(f)), ...config.readonly].filter((f) => !p.exists(path.join(top, f)));
  if (missing.length) return fail('files', `${missing.join(', ')} missing`, 'add them, or set "editable"/"readonly" in autoresearch.yaml');
  return pass('files', `editable ${config.editable.join(', ')}; read-only ${config.readonly.length ? config.readonly.join(', ') : 'none'}`);
}

/** karpathy/autoresearch's prepare.py keeps its data in ~/.cache/autoresearch (shards and a tokenizer). */
const KARPATHY_CACHE = /os\.path\.join\(os\.path\.expanduser\("~"\),\s*"\.cache",\s*"autoresearch"\)/;

/** The data: the config's `check` command, or karpathy's cache when the repo is his layout; else unchecked. */
export async function checkData(p: Probes, top: string, config: Config): Promise<Check> {
  if (config.check) {
    const shown = config.check.join(' ');
    const r = await p.run(config.check[0]!, config.check.slice(1), { cwd: top, timeoutMs: 120_000 });
    if (r.code === 0) return pass('data', `the check "${shown}" passed`);
    const said = r.output.trim().split('\n').slice(-2).join(' ').trim();
    const why = !r.started ? 'could not start' : r.timedOut ? 'gave no answer in 120 s' : `failed${said ? `: ${said.slice(0, 200)}` : ''}`;
    return fail('data', `the check "${shown}" ${why}`, 'prepare the data (see what the check says), or fix "check" in autoresearch.yaml');
  }
  const prepare = p.readText(path.join(top, 'prepare.py'));
  if (prepare && KARPATHY_CACHE.test(prepare)) {
    const cache = path.join(p.home, '.cache', 'autoresearch');
    const shards = (p.list(path.join(cache, 'data')) ?? []).filter((f) => f.endsWith('.parquet'));
    const tokenizer = p.exists(path.join(cache, 'tokenizer', 'tokenizer.pkl'));
    const prep = `run "${config.command[0] === 'uv' ? 'uv run' : config.command[0]} prepare.py"`;
    if (!shards.length || !tokenizer) return fail('data', `~/.cache/autoresearch has ${shards.length ? '' : 'no data shards'}${!shards.length && !tokenizer ? ' and ' : ''}${tokenizer ? '' : 'no tokenizer'}`, prep);
    return pass('data', `~/.cache/autoresearch: ${shards.length} data shard${shards.length === 1 ? '' : 's'} and a tokenizer`);
  }
  return warn('data', 'not checked (no "check" in autoresearch.yaml)', 'set "check" to a command that fails when the data is not ready, e.g. check: python3 prepare.py --check');
}
