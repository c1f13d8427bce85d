/**
 * The real Codex CLI and Gemini CLI (pinned devDependencies) under `ar-supervise --session --foreground`, against
 * their scripted servers refusing the key (HTTP 401): the session fails at once with one sentence naming the cause
 * and the fix, one prompt is sent, and the ledger and the branch stay as they were. (Their other error screens are
 * read by the table tests in test/agents/<profile>/failures.test.ts; Claude Code's in failures-claude.test.ts.)
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { makeTempDir } from './claude-harness.js';
import { startMockOpenAI } from './mock-openai.js';
import { startMockGemini } from './mock-gemini.js';
import { cli, git, jobRepo, cleanupRepos, ROOT } from '../helpers/repo.js';

const SOCKET = `artest-agentfail-${process.pid}`;
const closers: Array<() => Promise<void>> = [];
const dirs: string[] = [];

afterAll(async () => {
  try {
    execFileSync('tmux', ['-L', SOCKET, 'kill-server'], { stdio: 'ignore' });
  } catch {
    /* already gone */
  }
  rmSync(path.join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, SOCKET), { force: true });
  for (const c of closers) await c();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  cleanupRepos();
});

function home(): string {
  const d = makeTempDir('ar-agentfail-home-');
  dirs.push(d);
  return d;
}

/** The session failed at once and left everything as it was. */
async function checkFailed(repo: string, name: string, r: { exitCode?: number; stdout: string; all?: string }, says: string, agent: string): Promise<void> {
  expect(r.exitCode, r.all).toBe(1);
  expect(r.stdout).toContain(`Session ${name} failed after 0 turns: ${says}`);
  const recs = readFileSync(path.join(repo, '.autoresearch', name, 'runs.jsonl'), 'utf8').trim().split('\n');
  expect(recs.map((l) => JSON.parse(l).description)).toEqual(['baseline']);
  expect(git(repo, ['rev-parse', '--short=7', `autoresearch/${name}`])).toBe(JSON.parse(recs[0]!).commit.slice(0, 7));
  expect(git(repo, ['status', '--porcelain'])).toBe('');
  const st = await cli(['status', '--json'], { cwd: repo, env: { AR_TMUX_SOCKET: SOCKET } });
  expect(JSON.parse(st.stdout)).toMatchObject([{ name, state: 'failed', iterations: 0, runs: 1, error: expect.stringContaining(says), agent }]);
  const table = await cli(['status'], { cwd: repo, env: { AR_TMUX_SOCKET: SOCKET } });
  expect(table.stdout).toMatch(new RegExp(`\\n${name}\\s+failed\\s+0\\s+1\\s.*\\s${agent}`));
}

const PATH = `${path.join(ROOT, 'node_modules', '.bin')}:${process.env.PATH}`;

describe('a key the API refuses (401), with the other agents', () => {
  it('Codex: the session fails at once, says why; one prompt; ledger and branch as they were', async () => {
    const mock = await startMockOpenAI({
      turns: () => ({ commands: [] }),
      refuse: { status: 401, body: { error: { message: 'Incorrect API key provided: sk-test***FAKE.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } } },
    });
    closers.push(() => mock.close());
    const repo = jobRepo('summary.py', { budget_seconds: 1, agent: { profile: 'codex' }, notify: { webhook: null, bell: false, desktop: false } });
    const codexHome = path.join(home(), '.codex');
    mkdirSync(codexHome, { recursive: true });
    const toml = ['model = "probe-model"', 'model_provider = "scripted"', 'check_for_update_on_startup = false', `[projects."${repo}"]`, 'trust_level = "trusted"'];
    toml.push('[model_providers.scripted]', 'name = "Scripted"', `base_url = "${mock.url}"`, 'wire_api = "responses"', 'env_key = "CODEX_TEST_API_KEY"', 'request_max_retries = 0', '');
    writeFileSync(path.join(codexHome, 'config.toml'), toml.join('\n'));
    const env = { HOME: path.dirname(codexHome), CODEX_HOME: codexHome, CODEX_TEST_API_KEY: 'sk-test-FAKE', OPENAI_API_KEY: undefined, AR_TMUX_SOCKET: SOCKET, AR_SUPERVISOR_SESSION: undefined, PATH };
    const r = await cli(['--session', 'refused', '--foreground', '--max-iterations', '1'], { cwd: repo, env, timeout: 150_000 });
    await checkFailed(repo, 'refused', r, "Codex's API key was refused (401)", 'codex');
    expect(mock.userPrompts).toHaveLength(1);
  }, 180_000);

  it('Gemini: the session fails at once, says why; one prompt; ledger and branch as they were', async () => {
    const mock = await startMockGemini({
      turns: () => ({ commands: [] }),
      refuse: { status: 401, body: { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } } },
    });
    closers.push(() => mock.close());
    const repo = jobRepo('summary.py', { budget_seconds: 1, agent: { profile: 'gemini' }, notify: { webhook: null, bell: false, desktop: false } });
    const h = home();
    mkdirSync(path.join(h, '.gemini'));
    // Sign-in pre-answered (the sign-in dialogs are passed on screen in supervise-gemini.test.ts).
    const settings = { general: { enableAutoUpdate: false, enableAutoUpdateNotification: false }, privacy: { usageStatisticsEnabled: false }, security: { auth: { selectedType: 'gemini-api-key' } } };
    writeFileSync(path.join(h, '.gemini', 'settings.json'), JSON.stringify(settings));
    const env = { HOME: h, GEMINI_API_KEY: 'AIza-test-FAKE', GOOGLE_API_KEY: undefined, GOOGLE_GEMINI_BASE_URL: mock.url, GEMINI_MODEL: 'gemini-2.5-pro', AR_TMUX_SOCKET: SOCKET, AR_SUPERVISOR_SESSION: undefined, PATH };
    const r = await cli(['--session', 'refused', '--foreground', '--max-iterations', '1'], { cwd: repo, env, timeout: 150_000 });
    await checkFailed(repo, 'refused', r, "Gemini CLI's API key was refused: set GEMINI_API_KEY", 'gemini');
    expect(mock.userPrompts).toHaveLength(1);
    expect(mock.calls).toBe(1);
  }, 180_000);
});
