/**
 * End to end: `ar-supervise --session e2e --foreground` with `agent: {profile: gemini}` drives the REAL Gemini CLI
 * (pinned devDependency) in real tmux on the bundled example, with a fresh HOME and its model calls answered by the
 * scripted local Gemini API (GOOGLE_GEMINI_BASE_URL). The sign-in dialogs are left for the supervisor; the agent
 * edits train.py and calls `ar-supervise run` by name through its run_shell_command tool.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeTempDir } from './claude-harness.js';
import { startMockGemini, type MockGemini } from './mock-gemini.js';
import { checkNight, commandFor, endNight, exampleRepo, whyFailed } from './night.js';
import { cli, ROOT } from '../helpers/repo.js';

const SOCKET = `artest-gemini-${process.pid}`;
const KEY = 'AIza-test-gemini-FAKE-0123456789';
let mock: MockGemini | undefined;
const dirs: string[] = [];

afterAll(() => endNight(SOCKET, dirs, mock?.close));

describe('the supervisor with the real Gemini CLI', () => {
  it('passes the sign-in dialogs, delivers two tasks in priority order, and the ledger, branch and GEMINI.md follow', async () => {
    const root = makeTempDir('ar-e2e-gemini-');
    dirs.push(root);
    const { repo, tasks } = exampleRepo(root, 'agent: {profile: gemini}\n');
    mock = await startMockGemini({ turns: (text) => ({ commands: [commandFor(text)].filter((c): c is string => !!c), final: 'Ran the experiment.' }) });
    const home = path.join(root, 'home');
    // The user's own settings: no update checks. Sign-in is NOT pre-answered: the supervisor passes those dialogs.
    mkdirSync(path.join(home, '.gemini'), { recursive: true });
    const userSettings = { general: { enableAutoUpdate: false, enableAutoUpdateNotification: false }, privacy: { usageStatisticsEnabled: false } };
    writeFileSync(path.join(home, '.gemini', 'settings.json'), JSON.stringify(userSettings));
    const env: Record<string, string | undefined> = {
      HOME: home,
      GEMINI_API_KEY: KEY,
      GOOGLE_API_KEY: undefined,
      GOOGLE_GEMINI_BASE_URL: mock.url,
      GEMINI_MODEL: 'gemini-2.5-pro',
      AR_TMUX_SOCKET: SOCKET,
      // As on a CI machine: the profile keeps the CLI interactive (it would go headless and exit 41).
      CI: 'true',
      AR_SUPERVISOR_SESSION: undefined,
      PATH: `${path.join(ROOT, 'node_modules', '.bin')}:${process.env.PATH}`,
    };
    const r = await cli(['--session', 'e2e', '--foreground', '--max-iterations', '2', '--tasks', tasks], { cwd: repo, env, timeout: 240_000 });
    expect(r.exitCode, whyFailed(repo, 'e2e', r.all)).toBe(0);

    // The supervisor answered the sign-in on screen (the CLI itself then records the choice in the user's settings,
    // as when a person answers it); our hooks went into the project's .gemini/ and came out again, folder and all.
    const log = readFileSync(path.join(repo, '.autoresearch', 'e2e', 'ar.log'), 'utf8');
    expect(log).toContain('"dialog":"auth"');
    const user = JSON.parse(readFileSync(path.join(home, '.gemini', 'settings.json'), 'utf8'));
    expect(user).toEqual({ ...userSettings, security: { auth: { selectedType: 'gemini-api-key' } } });
    expect(existsSync(path.join(repo, '.gemini'))).toBe(false);
    await checkNight({ repo, root, prompts: mock.userPrompts, agent: 'gemini', model: 'gemini-2.5-pro', memory: 'GEMINI.md', key: KEY, socket: SOCKET });
  }, 300_000);
});
