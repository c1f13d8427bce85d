// Checks of the machine itself: Node, git, tmux, free disk.
import { atLeast, fail, parseVersion, pass, warn, type Check } from './check.js';
import type { Probes } from './probes.js';

/** The supervisor starts the agent with `tmux new-session -e VAR=...`, new in tmux 3.2. */
export const TMUX_MIN = [3, 2];
export const NODE_MIN = [20, 19];
/** Below this a night's logs and records may not fit; below DISK_FAIL a run refuses to start. */
export const DISK_WARN = 5 * 2 ** 30;
export const DISK_FAIL = 2 ** 30;

const v = (n: readonly number[]) => n.join('.');

export function checkNode(version: string): Check {
  const n = parseVersion(version);
  if (n && atLeast(n, NODE_MIN)) return pass('node', `Node.js ${version.replace(/^v/, '')}`);
  return fail('node', `Node.js ${version.replace(/^v/, '')} is too old`, `install Node.js ${v(NODE_MIN)} or newer`);
}

export async function checkGit(p: Probes, cwd: string): Promise<Check> {
  if (!p.which('git', cwd)) return fail('git', 'git not found on PATH', 'install git (e.g. "apt install git" or "brew install git")');
  const r = await p.run('git', ['--version'], { cwd, timeoutMs: 15_000 });
  const n = parseVersion(r.output);
  if (r.code !== 0 || !n) return fail('git', `"git --version" failed${r.output.trim() ? `: ${firstLine(r.output)}` : ''}`, 'reinstall git');
  return pass('git', `git ${v(n)}`);
}

export async function checkTmux(p: Probes, cwd: string): Promise<Check> {
  const fix = `install tmux ${v(TMUX_MIN)} or newer (e.g. "apt install tmux" or "brew install tmux")`;
  if (!p.which('tmux', cwd)) return fail('tmux', 'tmux not found on PATH (the supervisor runs the agent in tmux)', fix);
  const r = await p.run('tmux', ['-V'], { cwd, timeoutMs: 15_000 });
  const n = parseVersion(r.output);
  if (r.code !== 0 || !n) return fail('tmux', `"tmux -V" failed${r.output.trim() ? `: ${firstLine(r.output)}` : ''}`, fix);
  const shown = firstLine(r.output).replace(/^tmux\s*/, '');
  if (!atLeast(n, TMUX_MIN)) return fail('tmux', `tmux ${shown} is too old (the supervisor needs new-session -e, from tmux ${v(TMUX_MIN)})`, fix);
  return pass('tmux', `tmux ${shown} (${v(TMUX_MIN)} or newer needed)`);
}

export function checkDisk(p: Probes, dir: string): Check {
  const free = p.freeBytes(dir);
  if (free === null) return warn('disk', `free space in ${dir} unknown`, 'check it with "df -h ."');
  const gb = (free / 2 ** 30).toFixed(1);
  if (free < DISK_FAIL) return fail('disk', `${gb} GB free in ${dir}`, 'free some space: a night needs room for its logs, records and the training\'s own files');
  if (free < DISK_WARN) return warn('disk', `${gb} GB free in ${dir}`, 'a night of logs fits, but checkpoints or data the training writes may not');
  return pass('disk', `${gb} GB free in ${dir}`);
}

export function firstLine(s: string): string {
  return s.trim().split('\n')[0]!.trim().slice(0, 200);
}
