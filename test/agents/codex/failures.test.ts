// Failed turns of the real Codex CLI (0.169.0), read from its `■` error lines (captured against the scripted server,
// test/fixtures/screens/codex/failed-*.txt), and its credentials checked before the night.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { classifyCodexFailure, codexCredentialProblem, codexFailureText, codexPreflight } from '../../../src/agents/codex/failures.js';

const SCREENS = path.join(import.meta.dirname, '..', '..', 'fixtures', 'screens', 'codex');
const screen = (f: string) => readFileSync(path.join(SCREENS, f), 'utf8');
const NOW = Date.parse('2026-12-02T10:00:00Z');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('Codex failure table', () => {
  it('reads the error line of the last turn from captured screens, word for word', () => {
    expect(codexFailureText(screen('failed-401.txt'))).toMatch(/^unexpected status 401 Unauthorized: Incorrect API key provided: sk-test\*\*\*FAKE\./);
    expect(codexFailureText(screen('failed-429.txt'))).toBe('exceeded retry limit, last status: 429 Too Many Requests');
    expect(codexFailureText(screen('failed-quota.txt'))).toBe('Quota exceeded. Check your plan and billing details.');
    expect(codexFailureText(screen('failed-nokey.txt'))).toBe('Missing environment variable: `CODEX_TEST_API_KEY`.');
    expect(codexFailureText(screen('turn-done.txt'))).toBeNull();
  });

  it("an earlier turn's error does not count once a later prompt went through", () => {
    const s = screen('failed-401.txt').replace('› Ask Codex to do anything', '› Try again please\n\n• Done: looked at it.\n\n› Ask Codex to do anything');
    expect(codexFailureText(s)).toBeNull();
  });

  it('permanent failures carry one sentence with the cause and the fix', () => {
    const f = classifyCodexFailure(codexFailureText(screen('failed-401.txt'))!)!;
    expect(f).toMatchObject({ kind: 'permanent', cause: 'API key refused' });
    expect(f.sentence).toMatch(/^Codex's API key was refused \(401\): set OPENAI_API_KEY/);
    expect(classifyCodexFailure('unexpected status 403 Forbidden: nope')).toMatchObject({ kind: 'permanent', cause: 'permission denied' });
    expect(classifyCodexFailure('unexpected status 404 Not Found: model gpt-9')).toMatchObject({ kind: 'permanent', cause: 'model not available' });
  });

  it('a usage limit waits for the time Codex names, a clock time or a duration; without one it backs off', () => {
    const at = classifyCodexFailure("You've hit your usage limit. Upgrade to Pro (https://chatgpt.com/explore/pro) or try again at 5:00 PM.", NOW)!;
    expect(at.kind).toBe('usage-limit');
    expect(new Date(at.resetAt!).getHours()).toBe(17);
    const dur = classifyCodexFailure("You've hit your usage limit. Try again in 2 hours 30 minutes.", NOW)!;
    expect(dur).toMatchObject({ kind: 'usage-limit', resetAt: NOW + 150 * 60_000 });
    expect(classifyCodexFailure("You've hit your usage limit.", NOW)).toMatchObject({ kind: 'transient', cause: 'usage limit' });
  });

  it('rate limits, overload, server and network errors are transient', () => {
    expect(classifyCodexFailure('unexpected status 500 Internal Server Error: boom')).toMatchObject({ kind: 'transient', cause: 'server error' });
    expect(classifyCodexFailure('exceeded retry limit, last status: 502 Bad Gateway')).toMatchObject({ kind: 'transient', cause: 'server error' });
    expect(classifyCodexFailure('stream disconnected before completion: error sending request')).toMatchObject({ kind: 'transient', cause: 'network' });
    expect(classifyCodexFailure('Codex ran out of room in the model\'s context window.')).toMatchObject({ kind: 'context' });
  });
});

describe('Codex credentials before the night', () => {
  const home = (config: string | null, auth = false) => {
    const d = mkdtempSync(path.join(tmpdir(), 'ar-codex-home-'));
    dirs.push(d);
    mkdirSync(path.join(d, '.codex'));
    if (config !== null) writeFileSync(path.join(d, '.codex', 'config.toml'), config);
    if (auth) writeFileSync(path.join(d, '.codex', 'auth.json'), '{}');
    return d;
  };
  const provider = 'model_provider = "mine"\n[model_providers.mine]\nbase_url = "http://x/v1"\nenv_key = "MINE_KEY"\n';

  it("the built-in provider needs OPENAI_API_KEY or a login; a custom provider needs its env_key", () => {
    expect(codexCredentialProblem([], { HOME: home(null) })).toMatch(/^Codex is not signed in: set OPENAI_API_KEY/);
    expect(codexCredentialProblem([], { HOME: home(null), OPENAI_API_KEY: 'k' })).toBeNull();
    expect(codexCredentialProblem([], { HOME: home(null, true) })).toBeNull();
    const h = home(provider);
    expect(codexCredentialProblem([], { HOME: h })).toMatch(/^Codex has no API key: set MINE_KEY \(the env_key of model provider "mine"/);
    expect(codexCredentialProblem([], { HOME: h, MINE_KEY: 'k' })).toBeNull();
    // The launch line picks the provider over the config's.
    expect(codexCredentialProblem(['-c', 'model_provider=openai'], { HOME: h, OPENAI_API_KEY: 'k' })).toBeNull();
    expect(codexCredentialProblem([], { CODEX_HOME: path.join(h, '.codex') })).toMatch(/MINE_KEY/);
  });

  it('checks credentials first (free), then that the CLI answers --version', () => {
    const calls: string[][] = [];
    const probe = (p: string, a: string[]) => (calls.push([p, ...a]), { ok: false, why: 'ENOENT' });
    expect(codexPreflight({ command: 'codex', args: [], env: { HOME: home(null) }, cwd: '/', probe })).toMatch(/not signed in/);
    expect(calls).toEqual([]);
    expect(codexPreflight({ command: 'codex', args: [], env: { HOME: home(null), OPENAI_API_KEY: 'k' }, cwd: '/', probe })).toMatch(/^the agent command "codex" does not run \(ENOENT\); reinstall it \(npm install -g @openai\/codex\)/);
    expect(calls).toEqual([['codex', '--version']]);
    // Slow to answer on a loaded machine is not broken.
    const slow = () => ({ ok: false, why: 'no answer to --version in 60 s' });
    expect(codexPreflight({ command: 'codex', args: [], env: { HOME: home(null), OPENAI_API_KEY: 'k' }, cwd: '/', probe: slow })).toBeNull();
  });
});
