// Failed turns of the real Claude Code (2.1.197), classified from its StopFailure hook payloads and from its
// screens (both captured against the scripted server, test/fixtures/screens/claude/failed-*.txt).
import { readFileSync, mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { claudeCredentialProblem, claudePreflight, classifyTurnFailure, parseResetTime, turnFailureText } from '../../../src/agents/claude/failures.js';

const SCREENS = path.join(import.meta.dirname, '..', '..', 'fixtures', 'screens', 'claude');
const screen = (f: string) => readFileSync(path.join(SCREENS, f), 'utf8');

/** What the CLI sent to the StopFailure hook (error, last_assistant_message), per scripted server answer. */
const CAPTURED: Array<{ file: string; error: string; message: string; kind: string; cause: string }> = [
  { file: 'failed-nokey.txt', error: 'authentication_failed', message: 'Not logged in · Please run /login', kind: 'permanent', cause: 'not logged in' },
  { file: 'failed-401.txt', error: 'authentication_failed', message: 'Invalid API key · Fix external API key', kind: 'permanent', cause: 'API key refused' },
  {
    file: 'failed-403.txt',
    error: 'authentication_failed',
    message: 'Please run /login · API Error: 403 Your API key does not have permission to use the specified resource.',
    kind: 'permanent',
    cause: 'permission denied',
  },
  { file: 'failed-credit.txt', error: 'billing_error', message: 'Credit balance is too low', kind: 'permanent', cause: 'no credit' },
  {
    file: 'failed-model.txt',
    error: 'model_not_found',
    message: "There's an issue with the selected model (claude-opus-4-8[1m]). It may not exist or you may not have access to it. Run /model to pick a different model.",
    kind: 'permanent',
    cause: 'model not available',
  },
  {
    file: 'failed-orgdisabled.txt',
    error: 'invalid_request',
    message: 'Your ANTHROPIC_API_KEY belongs to a disabled organization · Update or unset the environment variable',
    kind: 'permanent',
    cause: 'organisation disabled',
  },
  {
    file: 'failed-429.txt',
    error: 'rate_limit',
    message: 'API Error: Request rejected (429) · Number of request tokens has exceeded your per-minute rate limit',
    kind: 'transient',
    cause: 'rate limited',
  },
  {
    file: 'failed-529.txt',
    error: 'server_error',
    message: 'API Error: 529 Overloaded. This is a server-side issue, usually temporary — try again in a moment. If it persists, check your inference gateway (127.0.0.1:34851).',
    kind: 'transient',
    cause: 'overloaded',
  },
  {
    file: 'failed-500.txt',
    error: 'server_error',
    message: 'API Error: 500 Internal server error. This is a server-side issue, usually temporary — try again in a moment. If it persists, check your inference gateway (127.0.0.1:44597).',
    kind: 'transient',
    cause: 'server error',
  },
];

describe('a failed turn, classified', () => {
  for (const c of CAPTURED) {
    it(`${c.file}: ${c.kind} (${c.cause}) from the hook and from the screen`, () => {
      const hook = classifyTurnFailure({ error: c.error, message: c.message });
      expect(hook).toMatchObject({ kind: c.kind, cause: c.cause });
      if (c.kind === 'permanent') expect(hook!.sentence).toMatch(/^Claude Code.*: .+\.$/);
      // Hooks silent: the same verdict from the line under the echoed prompt.
      const text = turnFailureText(screen(c.file));
      expect(text).not.toBeNull();
      expect(classifyTurnFailure({ message: text })).toMatchObject({ kind: c.kind, cause: c.cause });
    });
  }

  it('the not-logged-in sentence names the cause and the fix', () => {
    expect(classifyTurnFailure({ error: 'authentication_failed', message: 'Not logged in · Please run /login' })!.sentence).toBe(
      'Claude Code is not logged in: run `claude` once and log in, or set ANTHROPIC_API_KEY.',
    );
  });

  it('a finished turn or an earlier failure above a newer prompt is not a failure', () => {
    for (const f of ['turn-done.txt', 'ready.txt', 'busy.txt']) expect(turnFailureText(screen(f)), f).toBeNull();
    // api-error-400: the 400 is the last turn's line; interrupted-queued: a later prompt ran after it.
    expect(turnFailureText(screen('api-error-400.txt'))).toBe('API Error: 400 scripted bad request');
    expect(classifyTurnFailure({ error: 'max_output_tokens', message: 'x' })).toBeNull();
  });

  it('failed-usage-limit.txt: a usage limit with its reset time, from the hook and from the screen', () => {
    // Captured 07:18:50 UTC with a subscriber login (CLAUDE_CODE_OAUTH_TOKEN) and a 429 with anthropic-ratelimit-unified-* headers.
    const now = Date.UTC(2026, 11, 2, 7, 18, 50);
    const message = "You've hit your session limit · resets 7:19am (UTC)";
    for (const f of [classifyTurnFailure({ error: 'rate_limit', message, now }), classifyTurnFailure({ message: turnFailureText(screen('failed-usage-limit.txt')), now })]) {
      expect(f).toMatchObject({ kind: 'usage-limit', cause: 'usage limit', resetAt: Date.UTC(2026, 11, 2, 7, 19) });
    }
  });

  it('usage limits: with a reset time it waits, without one it backs off', () => {
    const now = new Date(2026, 11, 2, 3, 10).getTime(); // local 03:10
    const f = classifyTurnFailure({ error: 'rate_limit', message: "You've hit your session limit · resets 5am", now })!;
    expect(f.kind).toBe('usage-limit');
    expect(new Date(f.resetAt!).getHours()).toBe(5);
    expect(f.resetAt! - now).toBe((60 + 50) * 60_000);
    expect(classifyTurnFailure({ error: 'rate_limit', message: "You've hit your weekly limit", now })).toMatchObject({ kind: 'transient', cause: 'usage limit' });
    // Not a usage limit, despite the words.
    expect(classifyTurnFailure({ error: 'rate_limit', message: 'API Error: Server is temporarily limiting requests (not your usage limit) · slow down', now })).toMatchObject({
      kind: 'transient',
      cause: 'rate limited',
    });
    expect(classifyTurnFailure({ error: 'unknown', message: 'Prompt is too long' })).toMatchObject({ kind: 'context' });
    expect(classifyTurnFailure({ error: 'server_error', message: 'API Error: Connection to the API was lost (ECONNRESET). This is usually temporary — try again.' })).toMatchObject({
      kind: 'transient',
      cause: 'network',
    });
  });

  it('reset times in the forms the CLI has used', () => {
    const now = Date.UTC(2026, 11, 2, 3, 10);
    expect(new Date(parseResetTime('resets 5am (UTC)', now)!).toISOString()).toBe('2026-12-02T05:00:00.000Z');
    expect(new Date(parseResetTime('resets 5:30pm (UTC)', now)!).toISOString()).toBe('2026-12-02T17:30:00.000Z');
    expect(new Date(parseResetTime('resets 2am (UTC)', now)!).toISOString()).toBe('2026-12-03T02:00:00.000Z');
    // Just past (clocks differ): not a day away.
    expect(new Date(parseResetTime('resets 3am (UTC)', now)!).toISOString()).toBe('2026-12-02T03:00:00.000Z');
    expect(new Date(parseResetTime('resets 6am (Europe/Berlin)', now)!).toISOString()).toBe('2026-12-02T05:00:00.000Z');
    expect(new Date(parseResetTime("You've hit your weekly limit · resets Dec 5, 9am (UTC)", now)!).toISOString()).toBe('2026-12-05T09:00:00.000Z');
    expect(new Date(parseResetTime('Your limit will reset at 17:00 (UTC)', now)!).toISOString()).toBe('2026-12-02T17:00:00.000Z');
    expect(parseResetTime('Claude AI usage limit reached|1764651600', now)).toBe(1764651600 * 1000);
    expect(parseResetTime('resets soon', now)).toBeNull();
    expect(parseResetTime('resets 5 (UTC)', now)).toBeNull();
  });
});

describe('can Claude Code work at all (before the baseline)', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const home = () => {
    const d = mkdtempSync(path.join(tmpdir(), 'ar-creds-'));
    dirs.push(d);
    return d;
  };

  it('credentials: a key or token in the environment, or a login in the config home', () => {
    const h = home();
    const none = 'Claude Code is not logged in: run `claude` once and log in, or set ANTHROPIC_API_KEY.';
    expect(claudeCredentialProblem({ HOME: h }, 'linux')).toBe(none);
    expect(claudeCredentialProblem({ HOME: h, ANTHROPIC_API_KEY: '  ' }, 'linux')).toBe(none);
    expect(claudeCredentialProblem({ HOME: h, ANTHROPIC_API_KEY: 'sk-ant-x' }, 'linux')).toBeNull();
    expect(claudeCredentialProblem({ HOME: h, ANTHROPIC_AUTH_TOKEN: 't' }, 'linux')).toBeNull();
    expect(claudeCredentialProblem({ HOME: h, CLAUDE_CODE_USE_BEDROCK: '1' }, 'linux')).toBeNull();
    expect(claudeCredentialProblem({ HOME: h, CLAUDE_CODE_USE_BEDROCK: '0' }, 'linux')).toBe(none);
    // onboarding alone is no login
    writeFileSync(path.join(h, '.claude.json'), JSON.stringify({ hasCompletedOnboarding: true }));
    expect(claudeCredentialProblem({ HOME: h }, 'linux')).toBe(none);
    mkdirSync(path.join(h, '.claude'));
    writeFileSync(path.join(h, '.claude', '.credentials.json'), JSON.stringify({ claudeAiOauth: { accessToken: 'a', refreshToken: 'r' } }));
    expect(claudeCredentialProblem({ HOME: h }, 'linux')).toBeNull();
    const cfg = home();
    writeFileSync(path.join(cfg, 'settings.json'), JSON.stringify({ apiKeyHelper: '/bin/echo k' }));
    expect(claudeCredentialProblem({ HOME: home(), CLAUDE_CONFIG_DIR: cfg }, 'linux')).toBeNull();
    expect(claudeCredentialProblem({ HOME: h }, 'darwin')).toBeNull(); // the keychain is not read: no verdict
  });

  it('the CLI must answer --version; the credential check comes first and costs no process', () => {
    const calls: string[][] = [];
    const probe = (p: string, a: string[]) => (calls.push([p, ...a]), { ok: false, why: 'ENOENT' });
    expect(claudePreflight({ command: 'claude', env: { HOME: home() }, cwd: '/', probe })).toMatch(/not logged in/);
    expect(calls).toEqual([]);
    expect(claudePreflight({ command: 'claude', env: { ANTHROPIC_API_KEY: 'k' }, cwd: '/', probe })).toMatch(/^the agent command "claude" does not run \(ENOENT\)/);
    expect(calls).toEqual([['claude', '--version']]);
  });
});
