// `--session X --dashboard`: the supervisor serves the dashboard beside the session; its address is in the
// session's state, printed at start and by `status`, and it ends with the session.
import { afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { Tmux } from '../../src/adapters/tmux.js';
import { readSupervisorState } from '../../src/supervisor/state.js';
import { cleanupRepos, cli, jobRepo, requireBuild, ROOT } from '../helpers/repo.js';
import { get } from './helpers.js';

const FAKE = path.join(ROOT, 'test', 'fixtures', 'fake-agent.mjs');
const SOCKET = `artest-${process.pid}-dashsess`;
const tmux = new Tmux(SOCKET);
afterAll(async () => {
  await tmux.killServer();
  cleanupRepos();
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a dashboard beside a session', () => {
  it('is served by the supervisor, printed at start and by status, and ends with the session', async () => {
    requireBuild();
    const repo = jobRepo('summary.py', { agent: { command: 'node', args: [FAKE] } });
    const env = { AR_TMUX_SOCKET: SOCKET, FAKE_AGENT_TURN_MS: '600000' };
    const start = await cli(['--session', 'dd', '--no-baseline', '--dashboard', '--task', 'first task'], { cwd: repo, env });
    expect(start.exitCode, start.all).toBe(0);
    let st = readSupervisorState(repo, 'dd');
    for (let i = 0; i < 200 && !(st?.dashboard && st.state === 'busy'); i++) {
      await sleep(100);
      st = readSupervisorState(repo, 'dd');
    }
    const url = st?.dashboard;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(start.all).toContain(`dashboard: ${url}`);
    const status = await cli(['status'], { cwd: repo, env });
    expect(status.stdout).toContain(`dd: dashboard ${url}`);
    const snap = JSON.parse((await get(url + 'api/snapshot')).body);
    expect(snap.lanes).toMatchObject([{ tag: 'dd', state: 'busy', task: 'first task' }]);
    const kill = await cli(['kill', 'dd'], { cwd: repo, env, timeout: 40_000 });
    expect(kill.exitCode, kill.all).toBe(0);
    await expect(get(url + 'api/snapshot')).rejects.toThrow(/ECONNREFUSED/);
  }, 120_000);
});
