/**
 * End to end: `ar-supervise --session e2e --foreground` with `agent: {profile: codex}` drives the REAL Codex CLI
 * (pinned devDependency) in real tmux on the bundled example, with a fresh CODEX_HOME whose only model provider is
 * the scripted local Responses-API server. The folder-trust dialog is left for the supervisor; the agent edits
 * train.py and calls `ar-supervise run` by name through its exec_command tool.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeTempDir } from './claude-harness.js';
import { startMockOpenAI, type MockOpenAI } from './mock-openai.js';
import { checkNight, commandFor, endNight, exampleRepo, whyFailed } from './night.js';
import { cli, ROOT } from '../helpers/repo.js';

const SOCKET = `artest-codex-${process.pid}`;
const KEY = 'sk-test-codex-FAKE-0123456789';
let mock: MockOpenAI | undefined;
const dirs: string[] = [];

afterAll(() => endNight(SOCKET, dirs, mock?.close));

describe('the supervisor with the real Codex CLI', () => {
  it('passes the trust dialog, delivers two tasks in priority order, and the ledger, branch and AGENTS.md follow', async () => {
    const root = makeTempDir('ar-e2e-codex-');
    dirs.push(root);
    const { repo, tasks } = exampleRepo(root, 'agent: {profile: codex}\n');
    mock = await startMockOpenAI({ turns: (text) => ({ commands: [commandFor(text)].filter((c): c is string => !!c), final: 'Ran the experiment.' }) });
    const home = path.join(root, 'home');
    const codexHome = path.join(home, '.codex');
    mkdirSync(codexHome, { recursive: true });
    // The test's own provider; the repo's trust is NOT pre-answered: the supervisor passes that dialog.
    writeFileSync(
      path.join(codexHome, 'config.toml'),
      [
        'model = "probe-model"',
        'model_provider = "scripted"',
        'check_for_update_on_startup = false',
        '[model_providers.scripted]',
        'name = "Scripted"',
        `base_url = "${mock.url}"`,
        'wire_api = "responses"',
        'env_key = "CODEX_TEST_API_KEY"',
        'request_max_retries = 1',
        'stream_max_retries = 1',
        '',
      ].join('\n'),
    );
    const env: Record<string, string | undefined> = {
      HOME: home,
      CODEX_HOME: codexHome,
      CODEX_TEST_API_KEY: KEY,
      OPENAI_API_KEY: undefined,
      AR_TMUX_SOCKET: SOCKET,
      PATH: `${path.join(ROOT, 'node_modules', '.bin')}:${process.env.PATH}`,
    };
    const r = await cli(['--session', 'e2e', '--foreground', '--max-iterations', '2', '--tasks', tasks], { cwd: repo, env, timeout: 240_000 });
    expect(r.exitCode, whyFailed(repo, 'e2e', r.all)).toBe(0);

    // The trust dialog was answered on screen: Codex itself recorded it.
    expect(readFileSync(path.join(codexHome, 'config.toml'), 'utf8')).toContain(`[projects."${repo}"]`);
    await checkNight({ repo, root, prompts: mock.userPrompts, agent: 'codex', model: 'probe-model', memory: 'AGENTS.md', key: KEY, socket: SOCKET });
  }, 300_000);
});
