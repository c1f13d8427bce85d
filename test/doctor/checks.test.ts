// The doctor's checks on a scripted machine: every probe answered by a table, nothing run.
import { describe, it, expect } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultConfig, type Config } from '../../src/config-defaults.js';
import { UsageError } from '../../src/errors.js';
import { atLeast, exitCodeFor, formatChecks, parseVersion, type Check } from '../../src/doctor/check.js';
import { runDoctor } from '../../src/doctor/index.js';
import { checkTmux } from '../../src/doctor/machine.js';
import { loginCheck } from '../../src/doctor/agent.js';
import { scriptOf } from '../../src/doctor/repo.js';
import { checkExecutor } from '../../src/doctor/executor.js';
import type { ProgramResult, Probes } from '../../src/doctor/probes.js';

const ok = (output: string): ProgramResult => ({ started: true, code: 0, timedOut: false, output });
const GIB = 2 ** 30;

/** A healthy machine for karpathy's layout; each test changes one thing. */
function machine(over: { programs?: Record<string, ProgramResult | null>; files?: Record<string, string | null>; dirs?: Record<string, string[]>; env?: NodeJS.ProcessEnv; free?: number | null } = {}) {
  const programs: Record<string, ProgramResult | null> = {
    'git --version': ok('git version 2.43.0\n'),
    'git rev-parse --show-toplevel': ok('/r\n'),
    'git rev-parse --abbrev-ref HEAD': ok('main\n'),
    'git status --porcelain --untracked-files=no': ok(''),
    'tmux -V': ok('tmux 3.4\n'),
    'claude --version': ok('2.1.197 (Claude Code)\n'),
    'uv --version': ok('uv 0.5.11\n'),
    ...over.programs,
  };
  const files: Record<string, string | null> = {
    '/r/train.py': '',
    '/r/prepare.py': 'CACHE_DIR = os.path.join(os.path.expanduser("~"), ".cache", "autoresearch")\n',
    '/nonexistent-home-u/.cache/autoresearch/tokenizer/tokenizer.pkl': '',
    ...over.files,
  };
  const dirs: Record<string, string[]> = { '/nonexistent-home-u/.cache/autoresearch/data': ['shard_00000.parquet', 'shard_06542.parquet'], ...over.dirs };
  const ran: string[] = [];
  const p: Probes = {
    env: { PATH: '/bin', ANTHROPIC_API_KEY: 'sk-test', ...over.env },
    home: '/nonexistent-home-u',
    platform: 'linux',
    which: (cmd) => (Object.keys(programs).some((k) => k.startsWith(cmd + ' ') && programs[k] !== null) ? `/bin/${cmd}` : null),
    run: async (cmd, args) => {
      const key = [cmd.replace(/^\/bin\//, ''), ...args].join(' ');
      ran.push(key);
      const r = programs[key];
      return r ?? { started: false, code: null, timedOut: false, output: `spawn ${cmd} ENOENT` };
    },
    exists: (f) => typeof files[f] === 'string' || f in dirs,
    readText: (f) => files[f] ?? null,
    list: (d) => dirs[d] ?? null,
    freeBytes: () => (over.free === undefined ? 100 * GIB : over.free),
  };
  return { p, ran };
}

const doctor = (p: Probes, config: Config | (() => Config) = defaultConfig()) =>
  runDoctor('/r/sub', { probes: p, nodeVersion: 'v20.19.1', loadConfig: () => (typeof config === 'function' ? config() : config) });
const byName = (checks: Check[], name: string) => checks.find((c) => c.name === name);

describe('doctor checks', () => {
  it('passes a ready machine and karpathy layout with no config, one line per check, exit 0', async () => {
    const { p } = machine();
    const checks = await doctor(p);
    expect(checks.map((c) => `${c.mark} ${c.name}`)).toEqual([
      'pass node', 'pass git', 'pass tmux', 'pass disk', 'pass repo', 'pass config', 'pass training', 'pass script', 'pass files', 'pass data', 'pass agent', 'pass agent login', 'pass executor',
    ]);
    expect(byName(checks, 'data')!.detail).toMatch(/2 data shards and a tokenizer/);
    expect(byName(checks, 'agent login')!.detail).toBe('ANTHROPIC_API_KEY is set');
    expect(byName(checks, 'training')!.detail).toBe('uv run train.py (uv 0.5.11)');
    expect(exitCodeFor(checks)).toBe(0);
    expect(formatChecks(checks)).toMatch(/^ok {4}node +Node\.js 20\.19\.1\n/);
    expect(formatChecks(checks).trim().split('\n').pop()).toBe('Ready for a night.');
  });

  it.each<[string, Parameters<typeof machine>[0], string, RegExp]>([
    ['git missing', { programs: { 'git --version': null } }, 'git', /install git/],
    ['tmux missing', { programs: { 'tmux -V': null } }, 'tmux', /install tmux 3\.2 or newer/],
    ['tmux too old', { programs: { 'tmux -V': ok('tmux 3.1c') } }, 'tmux', /3\.1c is too old/],
    ['claude missing', { programs: { 'claude --version': null } }, 'agent', /npm install -g @anthropic-ai\/claude-code/],
    ['claude not logged in', { env: { ANTHROPIC_API_KEY: '' } }, 'agent login', /log in \(\/login\), or set ANTHROPIC_API_KEY/],
    ['uv missing', { programs: { 'uv --version': null } }, 'training', /install uv/],
    ['train.py missing', { files: { '/r/train.py': null } }, 'script', /train\.py .* not found/],
    ['no data prepared', { dirs: { '/nonexistent-home-u/.cache/autoresearch/data': [] } }, 'data', /no data shards.*run "uv run prepare\.py"/],
    ['a full disk', { free: 200 * 2 ** 20 }, 'disk', /0\.2 GB free/],
    ['uncommitted work', { programs: { 'git status --porcelain --untracked-files=no': ok(' M prepare.py\n M notes.md\n') } }, 'repo', /uncommitted changes to tracked files \(prepare\.py, notes\.md\).*commit or stash/],
    ['not a repo', { programs: { 'git rev-parse --show-toplevel': { started: true, code: 128, timedOut: false, output: 'fatal: not a git repository' } } }, 'repo', /not inside a git repository/],
    ['no commit', { programs: { 'git rev-parse --abbrev-ref HEAD': { started: true, code: 128, timedOut: false, output: 'fatal' } } }, 'repo', /no commit yet/],
  ])('fails on %s, saying what to do, exit 1', async (_what, over, name, said) => {
    const { p } = machine(over);
    const checks = await doctor(p);
    const c = byName(checks, name)!;
    expect(c.mark, JSON.stringify(checks)).toBe('fail');
    expect(`${c.detail}: ${c.fix}`).toMatch(said);
    expect(exitCodeFor(checks)).toBe(1);
    expect(formatChecks(checks)).toMatch(/would stop the night/);
  });

  it('warns (exit 0) on little disk, unchecked data and editable edits mid-night', async () => {
    const cfg = { ...defaultConfig(), command: ['python3', 'train.py'] };
    const { p } = machine({
      free: 3 * GIB,
      files: { '/r/prepare.py': '# my own\n' },
      programs: {
        'python3 --version': ok('Python 3.11.7'),
        'git rev-parse --abbrev-ref HEAD': ok('autoresearch/dec2\n'),
        'git status --porcelain --untracked-files=no': ok(' M train.py\n'),
      },
    });
    const checks = await doctor(p, cfg);
    expect(checks.filter((c) => c.mark !== 'pass').map((c) => c.name)).toEqual(['disk', 'repo', 'data']);
    expect(byName(checks, 'training')!.detail).toBe('python3 train.py (Python 3.11.7)');
    expect(byName(checks, 'repo')!.fix).toMatch(/next "ar-supervise run" commits them/);
    expect(exitCodeFor(checks)).toBe(0);
    expect(formatChecks(checks)).toMatch(/Ready for a night, with 3 warnings\.\n$/);
  });

  it('runs the configured data check and reports its last words on failure', async () => {
    const cfg = { ...defaultConfig(), check: ['python3', 'prepare.py', '--check'] };
    const { p, ran } = machine({ programs: { 'python3 prepare.py --check': { started: true, code: 1, timedOut: false, output: 'data missing: run python3 prepare.py\n' } } });
    const c = byName(await doctor(p, cfg), 'data')!;
    expect(ran).toContain('python3 prepare.py --check');
    expect(c).toMatchObject({ mark: 'fail', detail: 'the check "python3 prepare.py --check" failed: data missing: run python3 prepare.py' });
  });

  it('a broken config is one failing line; the machine checks still run', async () => {
    const { p } = machine();
    const checks = await doctor(p, () => {
      throw new UsageError('autoresearch.yaml: "budget_seconds" must be a positive number, not "x".');
    });
    expect(byName(checks, 'config')).toMatchObject({ mark: 'fail', detail: 'autoresearch.yaml: "budget_seconds" must be a positive number, not "x"' });
    expect(byName(checks, 'training')).toBeUndefined();
    expect(byName(checks, 'tmux')!.mark).toBe('pass');
  });

  it('a login is shown by the variable name or the file, never by a key value', () => {
    const secret = 'sk-ant-api03-SECRET-VALUE';
    const { p } = machine({ env: { ANTHROPIC_API_KEY: secret } });
    p.readText = () => null;
    const c = loginCheck(p, 'claude');
    expect(c).toMatchObject({ mark: 'pass', detail: 'ANTHROPIC_API_KEY is set' });
    expect(JSON.stringify(c)).not.toContain('SECRET');
    // A login Claude Code left in its config folder (read by agents/claude/failures.ts, the check --session makes too).
    const home = mkdtempSync(path.join(tmpdir(), 'ar-doctor-login-'));
    try {
      mkdirSync(path.join(home, '.claude'));
      writeFileSync(path.join(home, '.claude', '.credentials.json'), JSON.stringify({ claudeAiOauth: { accessToken: 'SECRET-TOKEN' } }));
      const viaLogin = machine({ env: { ANTHROPIC_API_KEY: '' } });
      viaLogin.p.home = home;
      const c2 = loginCheck(viaLogin.p, '/opt/bin/claude');
      expect(c2).toMatchObject({ mark: 'pass', detail: 'logged in, or a cloud provider or key helper is set' });
      expect(JSON.stringify(c2)).not.toContain('SECRET');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
    expect(loginCheck(machine().p, 'my-agent')).toMatchObject({ mark: 'warn' });
    const codex = machine({ env: { OPENAI_API_KEY: 'x' } });
    expect(loginCheck(codex.p, 'codex').detail).toBe('OPENAI_API_KEY is set');
  });

  it('checks Slurm client commands and the controller for executor kind slurm', async () => {
    const slurm = { executor: { kind: 'slurm' } };
    const none = machine();
    expect((await checkExecutor(none.p, '/r', slurm))[0]).toMatchObject({ mark: 'fail', detail: 'slurm: sbatch, squeue, scancel not found on PATH' });
    const up = machine({ env: { USER: 'u' }, programs: { 'sbatch --version': ok(''), 'scancel --version': ok(''), 'squeue --noheader --format=%i --user u': ok('') } });
    expect((await checkExecutor(up.p, '/r', slurm))[0]).toMatchObject({ mark: 'pass' });
    const down = machine({ env: { USER: 'u' }, programs: { 'sbatch --version': ok(''), 'scancel --version': ok(''), 'squeue --noheader --format=%i --user u': { started: true, code: 1, timedOut: false, output: 'slurm_load_jobs error: Unable to contact slurm controller' } } });
    expect((await checkExecutor(down.p, '/r', slurm))[0]!.detail).toMatch(/Unable to contact slurm controller/);
    expect((await checkExecutor(none.p, '/r', {}))[0]).toMatchObject({ mark: 'pass', detail: 'local: training runs on this machine' });
  });

  it('reads versions and script names', () => {
    expect(parseVersion('tmux 3.3a')).toEqual([3, 3]);
    expect(parseVersion('tmux next-3.6')).toEqual([3, 6]);
    expect(parseVersion('git version 2.39.5')).toEqual([2, 39, 5]);
    expect(atLeast([3, 2], [3, 2])).toBe(true);
    expect(atLeast([2, 9], [3, 2])).toBe(false);
    expect(atLeast([20, 20, 2], [20, 19])).toBe(true);
    expect(scriptOf('uv', ['run', 'train.py'])).toBe('train.py');
    expect(scriptOf('python3', ['-u', 'src/train.py', '--lr', '3'])).toBe('src/train.py');
    expect(scriptOf('python3', ['-m', 'pkg.train'])).toBeNull();
    expect(scriptOf('./run.sh', [])).toBeNull();
  });

  it('tmux: a failing -V is a failure, not a crash', async () => {
    const { p } = machine({ programs: { 'tmux -V': { started: true, code: 1, timedOut: false, output: 'tmux: need UTF-8 locale' } } });
    expect(await checkTmux(p, '/r')).toMatchObject({ mark: 'fail', detail: '"tmux -V" failed: tmux: need UTF-8 locale' });
  });
});
