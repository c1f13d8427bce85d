import { existsSync, mkdtempSync, writeFileSync, mkdirSync, rmSync, copyFileSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'bin', 'ar-supervise.js');
export const JOBS = path.join(ROOT, 'test', 'fixtures', 'jobs');

/** Tests that run the CLI need the build it runs from (bin/ar-supervise.js loads dist/bundle/). */
export function requireBuild(): void {
  if (!existsSync(path.join(ROOT, 'dist', 'bundle', 'cli.js'))) throw new Error('dist/bundle/ is missing: build first (npm run build)');
}

export function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
}

const made: string[] = [];

/** A temp git repo holding `files`, committed on main, with an identity of its own. */
export function makeRepo(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ar-test-'));
  made.push(dir);
  git(dir, ['init', '-q', '-b', 'main']);
  git(dir, ['config', 'user.name', 'Test']);
  git(dir, ['config', 'user.email', 'test@example.com']);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'initial']);
  return dir;
}

/** A repo whose train.py is a copy of a fixture job, with a config for a short budget. */
export function jobRepo(job: string, config: Record<string, unknown> = {}, extra: Record<string, string> = {}): string {
  const cfg = { command: 'python3 train.py', budget_seconds: 2, kill_grace_seconds: 1, ...config };
  const yaml = Object.entries(cfg)
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join('\n');
  return makeRepo({
    'train.py': readFileSync(path.join(JOBS, job), 'utf8'),
    'prepare.py': '# read-only data preparation\n',
    'autoresearch.yaml': yaml + '\n',
    ...extra,
  });
}

/** A temp folder removed with the repos by cleanupRepos(). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function cleanupRepos(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

export async function cli(args: string[], opts: { cwd: string; env?: Record<string, string | undefined>; timeout?: number }) {
  return execa('node', [BIN, ...args], {
    cwd: opts.cwd,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    reject: false,
    timeout: opts.timeout ?? 60_000,
    all: true,
  });
}

export function copyFixture(job: string, dest: string): void {
  copyFileSync(path.join(JOBS, job), dest);
}

/** Pids of live processes whose command line contains `needle`. */
export function processesMatching(needle: string): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((l) => l.includes(needle) && !l.includes('ps -eo'))
    .map((l) => Number(l.trim().split(/\s+/)[0]))
    .filter((n) => Number.isInteger(n));
}

/** True while `pid` is a live process (a zombie waiting to be reaped counts as dead). */
export function isLive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Live processes whose working folder is inside `dir` (an agent, its tools, a training run). */
export function processesIn(dir: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const cwd = readlinkSync(`/proc/${e}/cwd`);
      if ((cwd === dir || cwd.startsWith(dir + '/')) && isLive(Number(e))) out.push(Number(e));
    } catch {
      /* gone, or not ours to read */
    }
  }
  return out;
}
