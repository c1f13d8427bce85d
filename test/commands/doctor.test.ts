// `ar-supervise doctor` through the real CLI: real git, tmux, python3 and the pinned Claude Code binary.
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { jobRepo, cli, cleanupRepos, requireBuild, ROOT } from '../helpers/repo.js';

requireBuild();
const CLAUDE = path.join(ROOT, 'node_modules', '.bin', 'claude');
const home = mkdtempSync(path.join(tmpdir(), 'ar-doctor-home-'));
afterAll(() => {
  cleanupRepos();
  rmSync(home, { recursive: true, force: true });
});

// A home with no Claude Code login, and no key from the environment running the tests.
const env = (extra: Record<string, string> = {}) => ({ HOME: home, ANTHROPIC_API_KEY: undefined, ANTHROPIC_AUTH_TOKEN: undefined, CLAUDE_CODE_OAUTH_TOKEN: undefined, CLAUDE_CONFIG_DIR: undefined, ...extra });

describe('ar-supervise doctor', () => {
  const repo = jobRepo('summary.py', { check: ['python3', '-c', 'print("data ready")'], agent: { command: CLAUDE, args: [] } });

  it('fails (exit 1) on an agent with no login, naming what to do; passes (exit 0) once a key is set, never printing it', async () => {
    const r = await cli(['doctor'], { cwd: repo, env: env() });
    expect(r.exitCode, r.all).toBe(1);
    expect(r.stdout).toMatch(/^ok +git +git \d+\.\d+/m);
    expect(r.stdout).toMatch(/^ok +tmux +tmux \d/m);
    expect(r.stdout).toMatch(/^ok +training +python3 train\.py \(Python 3\./m);
    expect(r.stdout).toMatch(/^ok +data +the check "python3 -c print\("data ready"\)" passed/m);
    expect(r.stdout).toMatch(/^ok +agent +\S*claude 2\.\d+\.\d+ \(Claude Code\)/m);
    expect(r.stdout).toMatch(/^FAIL +agent login +.* is not logged in and no key is set \(ANTHROPIC_API_KEY\): run "claude" once and log in/m);
    expect(r.stdout).toMatch(/1 problem would stop the night/);

    const secret = 'sk-ant-doctor-test-SECRET';
    const ok = await cli(['doctor', '--json'], { cwd: repo, env: env({ ANTHROPIC_API_KEY: secret }) });
    expect(ok.exitCode, ok.all).toBe(0);
    const j = JSON.parse(ok.stdout) as { ok: boolean; checks: Array<{ name: string; mark: string; detail: string }> };
    expect(j.ok).toBe(true);
    expect(j.checks.find((c) => c.name === 'agent login')).toMatchObject({ mark: 'pass', detail: 'ANTHROPIC_API_KEY is set' });
    expect(j.checks.filter((c) => c.mark === 'fail')).toEqual([]);
    expect(ok.all).not.toContain('SECRET');
  }, 180_000); // two doctors, each starting the real Claude Code binary: slow on a loaded machine

  it('outside a git repo says so and exits 1', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ar-doctor-nogit-'));
    try {
      const r = await cli(['doctor'], { cwd: dir, env: env({ ANTHROPIC_API_KEY: 'x' }) });
      expect(r.exitCode, r.all).toBe(1);
      expect(r.stdout).toMatch(/^FAIL +repo +.* is not inside a git repository: cd into your research repo/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it.each([[['doctor', 'extra']], [['doctor', '--bogus']]])('refuses %j with one sentence and exit 2', async (args) => {
    const r = await cli(args, { cwd: repo, env: env() });
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
  });
});
