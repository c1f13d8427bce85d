/**
 * The real Claude Code CLI (pinned devDependency) under `ar-supervise --session --foreground`, against scripted
 * servers that refuse it: no login at all, a key the API refuses (401, 403), and refusals for a while (429 with
 * retry-after, 529, 500) before it answers. The session stops or backs off as it should, the prompts stay few,
 * ledger and branch stay as they were, and status and the report say what happened.
 *
 * CLAUDE_CODE_MAX_RETRIES=0 keeps each refusal to one model call: the CLI itself retries 401/429/5xx up to 10
 * times with its own back-off (5 s and more) before it gives up on a turn; that is its business, not ours.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { claudeBin, claudeEnv, makeClaudeHome, makeTempDir } from './claude-harness.js';
import { mainCalls, startMockAnthropic, type MockAnthropic, type ScriptedTurn } from './mock-anthropic.js';
import { cli, git, jobRepo, cleanupRepos } from '../helpers/repo.js';
import { captureWebhook } from '../helpers/webhook.js';

const SOCKET = `artest-e2efail-${process.pid}`;
const mocks: MockAnthropic[] = [];
const dirs: string[] = [];

afterAll(async () => {
  try {
    execFileSync('tmux', ['-L', SOCKET, 'kill-server'], { stdio: 'ignore' });
  } catch {
    /* already gone */
  }
  // tmux 3.3a leaves the socket file behind after kill-server
  rmSync(path.join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, SOCKET), { force: true });
  for (const m of mocks) await m.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  cleanupRepos();
});

/** A repo with a 1 s fixture job, fast back-off, and notifications to `webhook` only. */
function repoFor(webhook: string | null): string {
  return jobRepo('summary.py', {
    budget_seconds: 1,
    supervisor: { backoff_initial: 0.5, backoff_max: 1, unavailable_limit: 60 },
    notify: { webhook, bell: false, desktop: false },
  });
}

/** The agent's environment: its own HOME (dialogs pre-answered), the scripted server, no retries of its own. */
function agentEnv(repo: string, mock: MockAnthropic | null, o: { key?: boolean } = {}): Record<string, string | undefined> {
  const root = makeTempDir('ar-e2efail-home-');
  dirs.push(root);
  const home = path.join(root, 'home');
  makeClaudeHome(home, { preseedTrust: [repo], preseedApiKey: true, preseedBypass: true });
  return {
    ...claudeEnv({ home, baseUrl: mock?.url ?? 'http://127.0.0.1:9' }),
    ANTHROPIC_API_KEY: o.key === false ? undefined : claudeEnv({ home, baseUrl: '' }).ANTHROPIC_API_KEY,
    CLAUDE_CODE_MAX_RETRIES: '0',
    AR_TMUX_SOCKET: SOCKET,
    AR_SUPERVISOR_SESSION: undefined,
    PATH: `${path.dirname(claudeBin())}:${process.env.PATH}`,
  };
}

async function session(repo: string, env: Record<string, string | undefined>, name: string, extra: string[] = []) {
  return cli(['--session', name, '--foreground', '--max-iterations', '1', ...extra], { cwd: repo, env, timeout: 150_000 });
}

describe('the supervisor with the real Claude Code when the API refuses it', () => {
  it('no login at all: refused in seconds, before the baseline, with the fix', async () => {
    const repo = repoFor(null);
    const before = git(repo, ['rev-parse', 'HEAD']);
    const t0 = Date.now();
    const r = await session(repo, agentEnv(repo, null, { key: false }), 'nologin');
    expect(r.exitCode, r.all).toBe(2);
    expect(r.stderr).toContain('Claude Code is not logged in: run `claude` once and log in, or set ANTHROPIC_API_KEY.');
    expect(Date.now() - t0).toBeLessThan(20_000);
    // No baseline ran, no branch was made.
    expect(existsSync(path.join(repo, 'results.tsv'))).toBe(false);
    expect(git(repo, ['branch', '--list', 'autoresearch/nologin'])).toBe('');
    expect(git(repo, ['rev-parse', 'HEAD'])).toBe(before);
  }, 60_000);

  for (const c of [
    { status: 401, type: 'authentication_error', message: 'invalid x-api-key', says: "Claude Code's API key was refused (401)" },
    { status: 403, type: 'permission_error', message: 'Your API key does not have permission to use the specified resource.', says: "Claude Code's credentials were refused (403" },
  ]) {
    it(`a key the API refuses (${c.status}): the session fails at once, says why, notifies; ledger and branch as they were`, async () => {
      const hook = await captureWebhook();
      try {
        const mock = await startMockAnthropic({ turns: () => ({ steps: [{ error: { status: c.status, type: c.type, message: c.message } }] }) });
        mocks.push(mock);
        const repo = repoFor(hook.url);
        const name = `refused${c.status}`;
        const r = await session(repo, agentEnv(repo, mock), name);
        expect(r.exitCode, r.all).toBe(1);
        expect(r.stdout).toContain(`Session ${name} failed after 0 turns: ${c.says}`);
        // One prompt, one model call: no loop of prompts.
        expect(mock.userPrompts).toHaveLength(1);
        expect(mainCalls(mock)).toBe(1);
        // The ledger holds the baseline only; the branch sits on it; nothing dirty.
        const recs = readFileSync(path.join(repo, '.autoresearch', name, 'runs.jsonl'), 'utf8').trim().split('\n');
        expect(recs.map((l) => JSON.parse(l).description)).toEqual(['baseline']);
        expect(git(repo, ['rev-parse', '--short=7', `autoresearch/${name}`])).toBe(JSON.parse(recs[0]!).commit.slice(0, 7));
        expect(git(repo, ['status', '--porcelain'])).toBe('');
        // status says failed, with the reason and the turns; the notification went out; the report explains.
        const st = await cli(['status', '--json'], { cwd: repo, env: { AR_TMUX_SOCKET: SOCKET } });
        expect(JSON.parse(st.stdout)).toMatchObject([{ name, state: 'failed', iterations: 0, runs: 1, error: expect.stringContaining(c.says) }]);
        const table = await cli(['status'], { cwd: repo, env: { AR_TMUX_SOCKET: SOCKET } });
        expect(table.stdout).toMatch(new RegExp(`\\n${name}\\s+failed\\s+0\\s+1\\s`));
        expect(hook.bodies).toMatchObject([{ kind: 'session-end', summary: { tag: name, reason: 'agent-failed', error: expect.stringContaining(c.says) } }]);
        const md = readFileSync(path.join(repo, '.autoresearch', name, 'report', 'report.md'), 'utf8');
        expect(md).toMatch(/Agent unavailable \d\d:\d\d-\d\d:\d\d UTC \(\d+ s\): (API key refused|permission denied)\./);
      } finally {
        hook.close();
      }
    }, 180_000);
  }

  it('refused for a while (429 with retry-after, 529, 500), then answered: backs off, same agent, one turn counted', async () => {
    const refusals = [
      { status: 429, type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit', headers: { 'retry-after': '1' } },
      { status: 529, type: 'overloaded_error', message: 'Overloaded' },
      { status: 500, type: 'api_error', message: 'Internal server error' },
    ];
    const mock = await startMockAnthropic({ refuseFirst: refusals, turns: (): ScriptedTurn => ({ steps: [], final: 'Looked at it; nothing to run yet.' }) });
    mocks.push(mock);
    const repo = repoFor(null);
    const name = 'flaky';
    const r = await session(repo, agentEnv(repo, mock), name);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toMatch(/Turn failed: rate limited; retrying in 1 s\./);
    expect(r.stdout).toMatch(/Turn failed: overloaded; retrying in 1 s\./);
    expect(r.stdout).toMatch(/Turn failed: server error; retrying in 1 s\./);
    expect(r.stdout).toMatch(/The agent works again after \d+ s \(rate limited, overloaded, server error\)\./);
    expect(r.stdout).toMatch(/Stopped \(max-iterations\) after 1 turns\./);
    // Four prompts for the one turn, each one model call (the same prompt again: the mock sees one turn); no restart.
    expect(r.stdout.match(/Turn failed/g)).toHaveLength(3);
    expect(mainCalls(mock)).toBe(4);
    expect(mock.userPrompts).toHaveLength(1);
    expect(r.stdout).not.toMatch(/Restarting the agent/);
    const st = await cli(['status', '--json'], { cwd: repo, env: { AR_TMUX_SOCKET: SOCKET } });
    expect(JSON.parse(st.stdout)).toMatchObject([{ name, state: 'stopped', stopReason: 'max-iterations', iterations: 1, runs: 1 }]);
    const json = JSON.parse(readFileSync(path.join(repo, '.autoresearch', name, 'report', 'report.json'), 'utf8'));
    expect(json.unavailable).toMatchObject([{ cause: 'rate limited, overloaded, server error' }]);
  }, 180_000);
});

describe('the supervisor with the real Claude Code at its usage limit', () => {
  it('waits until the reset time the CLI names (a minute ahead), shows it in status, then goes on', async () => {
    // A subscriber login (any CLAUDE_CODE_OAUTH_TOKEN, no API key) is what makes the CLI turn a 429 with the
    // anthropic-ratelimit-unified-* headers into "You've hit your session limit · resets 7:19am (UTC)".
    // The reset is a minute after the refusal (the CLI names it to the minute).
    let reset = 0;
    const mock = await startMockAnthropic({
      refuseFirst: [
        {
          status: 429,
          type: 'rate_limit_error',
          message: 'rate limited',
          headers: () => {
            reset = Math.floor(Date.now() / 1000) + 60;
            return { 'anthropic-ratelimit-unified-representative-claim': 'five_hour', 'anthropic-ratelimit-unified-reset': String(reset), 'anthropic-ratelimit-unified-status': 'rejected' };
          },
        },
      ],
      turns: (): ScriptedTurn => ({ steps: [], final: 'Back at work.' }),
    });
    mocks.push(mock);
    const repo = repoFor(null);
    const name = 'usage';
    const env = { ...agentEnv(repo, mock, { key: false }), CLAUDE_CODE_OAUTH_TOKEN: 'sk-ant-oat01-scripted' };
    let done = false;
    const run = session(repo, env, name).finally(() => (done = true));
    // While it waits, status says until when and why.
    let waiting: { row: Record<string, unknown>; table: string } | null = null;
    while (!waiting && !done) {
      await new Promise((r) => setTimeout(r, 1000));
      const st = await cli(['status', '--json'], { cwd: repo, env: { AR_TMUX_SOCKET: SOCKET } });
      const row = (JSON.parse(st.stdout || '[]') as Array<Record<string, unknown>>).find((x) => x.name === name);
      if (row?.state === 'waiting') waiting = { row, table: (await cli(['status'], { cwd: repo, env: { AR_TMUX_SOCKET: SOCKET } })).stdout };
    }
    const r = await run;
    expect(r.exitCode, r.all).toBe(0);
    const shown = new Date(Math.floor(reset / 60) * 60_000);
    const hhmm = `${String(shown.getHours()).padStart(2, '0')}:${String(shown.getMinutes()).padStart(2, '0')}`;
    expect(waiting?.row).toMatchObject({ waitReason: 'usage limit' });
    expect(waiting?.table).toContain(`${name}: waiting until ${hhmm} (usage limit)`);
    expect(r.stdout).toContain(`Turn failed: usage limit; waiting until ${hhmm}.`);
    expect(r.stdout).toMatch(/Stopped \(max-iterations\) after 1 turns\./);
    // Two model calls: the refused one, and the one after the reset (not before it); the CLI's own
    // "/rate-limit-options" menu was answered on the way.
    expect(mainCalls(mock)).toBe(2);
    expect(Date.now()).toBeGreaterThanOrEqual(shown.getTime());
    const json = JSON.parse(readFileSync(path.join(repo, '.autoresearch', name, 'report', 'report.json'), 'utf8'));
    expect(json.unavailable).toMatchObject([{ cause: 'usage limit' }]);
  }, 240_000);
});
