/**
 * What every agent's end-to-end test shares: the bundled example as a fresh repo with two tasks of different
 * priorities, the scripted edits for them, and the checks of the night (ledger, branch, memory file, no key
 * written, nothing left running). The agent-specific parts (its CLI, its home, its scripted server) stay in the
 * test of each profile.
 */
import { expect } from 'vitest';
import { cpSync, existsSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { cli, git, processesIn, ROOT } from '../helpers/repo.js';

export const TASKS =
  '- {text: "Try a tiny learning rate of 0.00001 to see how sensitive it is.", priority: 1}\n- {text: "Raise the learning rate: the baseline LR looks too low.", priority: 5}\n';

/** The example as a git repo under root/tiny-lm (3 s budget), and the tasks file; returns both paths. */
export function exampleRepo(root: string, extraConfig = ''): { repo: string; tasks: string } {
  const repo = path.join(root, 'tiny-lm');
  cpSync(path.join(ROOT, 'examples', 'tiny-lm'), repo, { recursive: true, filter: (s) => !s.includes('.cache') && !s.includes('__pycache__') });
  const cfg = readFileSync(path.join(repo, 'autoresearch.yaml'), 'utf8').replace(/^budget_seconds: .*$/m, 'budget_seconds: 3\ntimeout_factor: 10');
  writeFileSync(path.join(repo, 'autoresearch.yaml'), cfg + extraConfig);
  execFileSync('python3', ['prepare.py'], { cwd: repo, stdio: 'ignore' });
  git(repo, ['init', '-q', '-b', 'main']);
  git(repo, ['add', '-A']);
  git(repo, ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'example']);
  const tasks = path.join(root, 'tasks.yaml');
  writeFileSync(tasks, TASKS);
  return { repo, tasks };
}

/** After a night: every session on the test's tmux socket ended, the server and its socket file gone, the scripted server closed, the temp folders removed. */
export async function endNight(socket: string, dirs: string[], close?: () => Promise<void>): Promise<void> {
  await cli(['kill', '--all'], { cwd: ROOT, env: { AR_TMUX_SOCKET: socket } });
  try {
    execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  } catch {
    /* already gone */
  }
  rmSync(path.join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, socket), { force: true });
  await close?.();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

/** The session's output and every screen the supervisor saved (the repo is deleted after the test): why it failed. */
export function whyFailed(repo: string, tag: string, output: string): string {
  const dir = path.join(repo, '.autoresearch', tag);
  const screens = existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith('screen-')) : [];
  return [output, ...screens.map((f) => `--- ${f}\n${readFileSync(path.join(dir, f), 'utf8')}`)].join('\n');
}

/** The shell command a scripted model sends for a prompt: edit train.py with sed, then run the experiment by name. */
export function commandFor(userText: string): string | null {
  const e = /tiny learning rate/i.test(userText)
    ? { old: '0.004', new: '0.00001', msg: 'tiny LR 0.00001' }
    : /raise the learning rate/i.test(userText)
      ? { old: '0.001', new: '0.004', msg: 'raise LR to 0.004' }
      : null;
  return e ? `sed -i 's/^LR = ${e.old}$/LR = ${e.new}/' train.py && ar-supervise run -m "${e.msg}"` : null;
}

/** Processes (other than ours) whose command line or environment names `text`: daemons that left the repo too. */
export function processesNaming(text: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      if (readlinkSync(`/proc/${e}/exe`).includes('(deleted)')) continue;
      const cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8');
      const env = readFileSync(`/proc/${e}/environ`, 'utf8');
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      if (cmd.includes(text) || env.includes(text)) out.push(Number(e));
    } catch {
      /* gone, or not ours to read */
    }
  }
  return out;
}

/**
 * The night went as planned: two prompts in priority order, the baseline and the agent's two runs in the ledger
 * (recorded as this agent's, with its model), the branch on the kept commit, the memory file showing the best,
 * git clean, no key in any file we wrote, and after `kill --all` no process in the repo or naming the test's root.
 */
export async function checkNight(o: {
  repo: string;
  root: string;
  prompts: string[];
  agent: string;
  model: string | null;
  memory: string;
  key: string;
  socket: string;
}): Promise<void> {
  const { repo } = o;
  expect(o.prompts.length).toBeGreaterThanOrEqual(2);
  expect(o.prompts[0]).toMatch(/Raise the learning rate/);
  expect(o.prompts[1]).toMatch(/tiny learning rate/);
  expect(o.prompts[0]).toContain(o.memory); // the prompt names the agent's own memory file

  const rows = readFileSync(path.join(repo, 'results.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
  const recs = readFileSync(path.join(repo, '.autoresearch/e2e/runs.jsonl'), 'utf8');
  expect(rows.map((x) => [x[3], x[4]]), recs).toEqual([
    ['keep', 'baseline'],
    ['keep', 'raise LR to 0.004'],
    ['discard', 'tiny LR 0.00001'],
  ]);
  const made = recs.trim().split('\n').map((l) => JSON.parse(l) as { agent?: string; model?: string });
  expect(made.map((r) => [r.agent ?? null, r.model ?? null])).toEqual([
    [null, null],
    [o.agent, o.model],
    [o.agent, o.model],
  ]);
  expect(git(repo, ['rev-parse', '--short=7', 'HEAD'])).toBe(rows[1]![0]);
  expect(readFileSync(path.join(repo, 'train.py'), 'utf8')).toMatch(/^LR = 0\.004$/m);
  const memory = readFileSync(path.join(repo, o.memory), 'utf8');
  expect(memory).toContain(rows[1]![0]);
  expect(memory).toContain(rows[1]![1]);
  expect(git(repo, ['status', '--porcelain'])).toBe(''); // memory file, hooks and ledger stay out of git
  // The report says who made the runs.
  const md = readFileSync(path.join(repo, '.autoresearch/e2e/report/report.md'), 'utf8');
  expect(md).toContain(`Agent: ${o.agent}${o.model ? ` (${o.model})` : ''}: 2 runs.`);

  // The key never reached a file the tool wrote.
  const ours = [o.memory, 'results.tsv', '.autoresearch/e2e/runs.jsonl', '.autoresearch/e2e/ar.log', '.autoresearch/e2e/supervisor.json', '.autoresearch/e2e/events.jsonl'];
  for (const f of ours) {
    let text = '';
    try {
      text = readFileSync(path.join(repo, f), 'utf8');
    } catch {
      continue;
    }
    expect(text, f).not.toContain(o.key);
  }

  const k = await cli(['kill', '--all'], { cwd: repo, env: { AR_TMUX_SOCKET: o.socket } });
  expect(k.exitCode, k.all).toBe(0);
  await new Promise((res) => setTimeout(res, 500));
  expect(processesIn(repo)).toEqual([]);
  expect(processesNaming(o.root)).toEqual([]);
}
