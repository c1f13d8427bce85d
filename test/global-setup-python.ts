// The tests' training scripts run under the real interpreter, not a version manager's shim: pyenv's `python3`
// shim took 2-4 s to start at load 10-17 here, which turned 1 s budgets into timeouts.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export function setup(): void {
  let exe = '';
  try {
    exe = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8', timeout: 60_000 }).trim();
  } catch {
    return; // no python3: the tests that need it say so
  }
  const dir = path.dirname(exe);
  if (exe && !(process.env.PATH ?? '').split(':').includes(dir)) process.env.PATH = `${dir}:${process.env.PATH ?? ''}`;
}
