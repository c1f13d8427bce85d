// Failed turns with real tmux and the fake agent (its FAKE_AGENT_FAIL plays API errors as Claude Code shows them):
// back off and go on with the same agent, wait for a usage limit's reset, stop at once on a permanent failure,
// give up after the configured limit. The real Claude Code against scripted servers: test/e2e/failures-claude.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Tmux } from '../../src/adapters/tmux.js';
import { hookScript } from '../../src/supervisor/files.js';
import { runForeground } from '../../src/supervisor/session.js';
import { readSupervisorState, type SupervisorState } from '../../src/supervisor/state.js';
import { collectStatus, formatStatus } from '../../src/supervisor/status.js';
import type { LoopEvent } from '../../src/supervisor/loop.js';
import { readUnavailable } from '../../src/unavailable.js';
import { cleanupRepos, git, jobRepo, ROOT } from '../helpers/repo.js';
import { captureWebhook } from '../helpers/webhook.js';

const FAKE = path.join(ROOT, 'test', 'fixtures', 'fake-agent.mjs');
const SOCKET = `artest-${process.pid}-fail`;
const tmux = new Tmux(SOCKET);
const FAST = { pollMs: 20, screenMs: 50, submitPauseMs: 20, readyStableMs: 300, killGraceMs: 1000, dialogRepeatMs: 500 };
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'ar-fail-'));
  if (!existsSync(hookScript())) throw new Error(`${hookScript()} is missing: build first`);
});
afterAll(async () => {
  await tmux.killServer();
  cleanupRepos();
  rmSync(tmp, { recursive: true, force: true });
});

function prompts(file: string): { prompt: string; pid: number }[] {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
}

async function run(name: string, repo: string, vars: Record<string, string>, o: { maxIterations?: number; baseline?: boolean } = {}) {
  const lines: string[] = [];
  const events: LoopEvent[] = [];
  const env: NodeJS.ProcessEnv = { ...process.env, FAKE_AGENT_DIALOGS: '', ...vars };
  delete env.AR_SUPERVISOR_SESSION;
  const code = await runForeground(
    { name, repo, foreground: true, baseline: o.baseline ?? false, maxIterations: o.maxIterations ?? 1 },
    { tmux, env, out: (l) => lines.push(l), timing: FAST, onEvent: (e) => events.push(e) },
  );
  return { code, out: lines.join('\n'), events };
}

const repoWith = (supervisor: Record<string, number>, extra: Record<string, unknown> = {}) =>
  jobRepo('summary.py', { agent: { command: 'node', args: [FAKE] }, supervisor, notify: { bell: false, desktop: false }, ...extra });

describe('failed turns (real tmux, fake agent)', () => {
  it('backs off on a rate limit, waits for a usage limit to reset, then goes on with the same agent; failed turns are not turns', async () => {
    const repo = repoWith({ backoff_initial: 0.3, backoff_max: 0.5 });
    const pfile = path.join(tmp, 'p1.jsonl');
    // Poll what status shows while it runs.
    const seen: SupervisorState[] = [];
    let shown = '';
    const poll = setInterval(async () => {
      const s = readSupervisorState(repo, 'wait1');
      if (s) seen.push(s);
      if (s?.state === 'waiting' && s.waitReason === 'usage limit' && !shown) {
        shown = 'pending';
        shown = formatStatus(await collectStatus(tmux, { cwd: repo, isSupervisor: (pid) => pid === process.pid }));
      }
    }, 100);
    const t0 = Date.now();
    const r = await run('wait1', repo, {
      FAKE_AGENT_PROMPTS: pfile,
      FAKE_AGENT_FAIL: JSON.stringify([
        { error: 'rate_limit', message: 'API Error: Request rejected (429) · Number of request tokens has exceeded your per-minute rate limit' },
        { error: 'rate_limit', message: 'Claude AI usage limit reached|{{in:3}}' },
      ]),
    }).finally(() => clearInterval(poll));
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/Turn failed: rate limited; retrying in 1 s\./);
    expect(r.out).toMatch(/Turn failed: usage limit; waiting until \d\d:\d\d\./);
    expect(r.out).toMatch(/The agent works again after \d+ s \(rate limited, usage limit\)\./);
    expect(r.out).toMatch(/Stopped \(max-iterations\) after 1 turns/);
    // Three prompts for one turn, all to the same agent (its context kept); the reset was waited for.
    const p = prompts(pfile);
    expect(p).toHaveLength(3);
    expect(new Set(p.map((x) => x.pid)).size).toBe(1);
    expect(p[2]!.time - t0).toBeGreaterThanOrEqual(2000);
    expect(r.events.filter((e) => e.type === 'turn-failed').map((e) => (e as { action: string }).action)).toEqual(['wait', 'wait']);
    expect(r.events.filter((e) => e.type === 'launched')).toHaveLength(1);
    expect(seen.some((s) => s.state === 'waiting' && s.waitReason === 'rate limited')).toBe(true);
    expect(shown).toMatch(/\nwait1: waiting until \d\d:\d\d \(usage limit\)\n/);
    expect(shown).toMatch(/\nwait1\s+waiting\s+0\s/);
    expect(readSupervisorState(repo, 'wait1')).toMatchObject({ state: 'stopped', iterations: 1, stopReason: 'max-iterations' });
    // The stretch is on record for the report.
    const u = readUnavailable(repo, 'wait1');
    expect(u).toHaveLength(1);
    expect(u[0]).toMatchObject({ cause: 'rate limited, usage limit' });
    expect(Date.parse(u[0]!.to!) - Date.parse(u[0]!.from)).toBeGreaterThanOrEqual(2000);
  });

  it('a permanent failure (read from the screen, hooks silent) stops the session at once: failed, one sentence, notified', async () => {
    const hook = await captureWebhook();
    try {
      const repo = repoWith({ backoff_initial: 0.3 }, { notify: { webhook: hook.url, bell: false, desktop: false } });
      const pfile = path.join(tmp, 'p2.jsonl');
      const head = () => git(repo, ['rev-parse', 'HEAD']);
      const r = await run(
        'perm1',
        repo,
        {
          FAKE_AGENT_PROMPTS: pfile,
          FAKE_AGENT_NO_HOOKS: '1',
          FAKE_AGENT_FAIL: JSON.stringify(Array.from({ length: 5 }, () => ({ error: 'authentication_failed', message: 'Not logged in · Please run /login' }))),
        },
        { maxIterations: 3, baseline: true },
      );
      const sentence = 'Claude Code is not logged in: run `claude` once and log in, or set ANTHROPIC_API_KEY.';
      expect(r.code, r.out).toBe(1);
      expect(r.out).toContain(`Session perm1 failed after 0 turns: ${sentence}`);
      expect(prompts(pfile)).toHaveLength(1);
      expect(readSupervisorState(repo, 'perm1')).toMatchObject({ state: 'failed', iterations: 0, stopReason: 'agent-failed', error: sentence, exitCode: 1 });
      const rows = await collectStatus(tmux, { cwd: repo });
      expect(rows).toMatchObject([{ name: 'perm1', state: 'failed', error: sentence, iterations: 0, runs: 1 }]);
      expect(formatStatus(rows)).toContain(`\nperm1: failed at `);
      expect(formatStatus(rows)).toContain(`: ${sentence}\n`);
      expect(hook.bodies).toHaveLength(1);
      expect(hook.bodies[0]).toMatchObject({ kind: 'session-end', summary: { tag: 'perm1', reason: 'agent-failed', error: sentence, turns: 0, runs: 1 } });
      // Ledger and branch as the baseline left them; the report says why the night was short.
      expect(readFileSync(path.join(repo, '.autoresearch', 'perm1', 'runs.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
      expect(head()).toBe(git(repo, ['rev-parse', 'autoresearch/perm1']));
      expect(git(repo, ['status', '--porcelain'])).toBe('');
      const md = readFileSync(path.join(repo, '.autoresearch', 'perm1', 'report', 'report.md'), 'utf8');
      expect(md).toMatch(/Agent unavailable \d\d:\d\d-\d\d:\d\d UTC \(\d+ s\): not logged in\./);
      const json = JSON.parse(readFileSync(path.join(repo, '.autoresearch', 'perm1', 'report', 'report.json'), 'utf8'));
      expect(json.unavailable).toMatchObject([{ cause: 'not logged in' }]);
    } finally {
      hook.close();
    }
  });

  it('transient failures past unavailable_limit end the session as failed, with few prompts', async () => {
    const repo = repoWith({ backoff_initial: 0.2, backoff_max: 0.4, unavailable_limit: 2 });
    const pfile = path.join(tmp, 'p3.jsonl');
    const r = await run('limit1', repo, {
      FAKE_AGENT_PROMPTS: pfile,
      FAKE_AGENT_FAIL: JSON.stringify(Array.from({ length: 50 }, () => ({ error: 'overloaded', message: 'API Error: Repeated 529 Overloaded errors' }))),
    });
    expect(r.code, r.out).toBe(1);
    expect(r.out).toMatch(/Session limit1 failed after 0 turns: the agent could not work for \d+ s \(overloaded\); last error: API Error: Repeated 529 Overloaded errors/);
    const n = prompts(pfile).length;
    expect(n).toBeGreaterThanOrEqual(2);
    expect(n).toBeLessThanOrEqual(10);
    expect(readSupervisorState(repo, 'limit1')).toMatchObject({ state: 'failed', iterations: 0 });
  });
});
