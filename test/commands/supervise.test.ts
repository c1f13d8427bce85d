// `ar-supervise --session` (detached), `status`, `tail` and `kill` through the CLI, with real tmux and the fake agent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Tmux } from '../../src/adapters/tmux.js';
import { stillRunning } from '../../src/adapters/procs.js';
import { follow, killSessions, resolveAgentSession, snapshot } from '../../src/supervisor/control.js';
import { collectStatus, formatStatus } from '../../src/supervisor/status.js';
import { startDetached } from '../../src/supervisor/session.js';
import { readSupervisorState } from '../../src/supervisor/state.js';
import { cleanupRepos, cli, git, jobRepo, ROOT, requireBuild } from '../helpers/repo.js';

const SOCKET = `artest-${process.pid}-cmd`;
const tmux = new Tmux(SOCKET);
const FAKE = path.join(ROOT, 'test', 'fixtures', 'fake-agent.mjs');
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'ar-cmd-'));
  requireBuild();
});
afterAll(async () => {
  await tmux.killServer();
  cleanupRepos();
  rmSync(tmp, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('session commands (real tmux, fake agent)', () => {
  it('--session detaches into tmux; status and tail show it; kill ends supervisor, agent and its whole tree', async () => {
    const repo = jobRepo('summary.py', { agent: { command: 'node', args: [FAKE] } });
    const childFile = path.join(tmp, 'child.pid');
    const env = {
      AR_TMUX_SOCKET: SOCKET,
      FAKE_AGENT_TURN_MS: '600000', // stays busy
      FAKE_AGENT_CHILD: childFile, // a process in its own group, like a training run
    };
    const start = await cli(['--session', 'd1', '--no-baseline', '--task', 'first task'], { cwd: repo, env });
    expect(start.all).toContain('ar-supervise tail d1');
    expect(start.exitCode).toBe(0);

    // Wait for the agent to take the first task.
    let st = readSupervisorState(repo, 'd1');
    for (let i = 0; i < 100 && st?.state !== 'busy'; i++) {
      await sleep(100);
      st = readSupervisorState(repo, 'd1');
    }
    expect(st).toMatchObject({ state: 'busy', currentTask: 'first task', supervisorSession: 'ar-d1-sup' });
    const supPid = st!.pid;
    const agentPid = st!.agentPid!;
    const childPid = Number(readFileSync(childFile, 'utf8'));

    const status = await cli(['status', '--json'], { cwd: repo, env });
    expect(status.exitCode).toBe(0);
    const rows = JSON.parse(status.stdout);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ name: 'd1', state: 'busy', task: 'first task', supervisorPid: supPid, agentPid, iterations: 0 });
    const table = formatStatus(await collectStatus(tmux));
    expect(table).toMatch(/^SESSION\s+STATE/);
    expect(table).toMatch(/\nd1\s+busy\s+0\s+0\s+-\s+first task/);

    const tail = await cli(['tail', 'd1', '--lines', '3'], { cwd: '/', env });
    expect(tail.exitCode).toBe(0);
    expect(tail.stdout.trimEnd().split('\n')).toHaveLength(3);
    expect(tail.stdout).toContain('esc to interrupt');
    expect(tail.stdout).not.toContain('\x1b[');

    // A second start of the same session is refused.
    await expect(startDetached({ name: 'd1', repo, baseline: false }, { tmux, out: () => {} })).rejects.toThrow(/already running/);

    const kill = await cli(['kill', 'd1'], { cwd: '/', env, timeout: 40_000 });
    expect(kill.exitCode).toBe(0);
    expect(kill.stdout).toContain(`Ended d1: supervisor (pid ${supPid})`);
    expect(await stillRunning([supPid, agentPid, childPid])).toEqual([]);
    expect(await tmux.listSessions()).toEqual([]);
    // Ledger and branch are consistent: nothing dirty, the supervisor recorded why it stopped.
    expect(git(repo, ['status', '--porcelain'])).toBe('');
    expect(readSupervisorState(repo, 'd1')).toMatchObject({ state: 'stopped', stopReason: 'signal' });
    // status tells how it ended, with its turns, also after the end.
    const ended = await collectStatus(tmux, { cwd: repo });
    expect(ended).toMatchObject([{ name: 'd1', state: 'stopped', stopReason: 'signal', supervisorPid: null, agentPid: null, task: null }]);
    expect(formatStatus(ended)).toMatch(/\nd1: stopped at \d\d:\d\d \(ended by kill or a signal\)\n$/);
    await expect(killSessions(tmux, { name: 'd1', cwd: '/' })).rejects.toThrow(/no session named d1/);
  });

  it('names are exact (apr5 is not apr50), only our prefix counts, and kill --all ends the rest', async () => {
    const env = { AR_TMUX_SOCKET: SOCKET };
    await tmux.newSession({ name: 'ar-apr50', cwd: '/tmp', argv: ['sh', '-c', 'echo hello from apr50; sleep 300'] });
    await tmux.newSession({ name: 'someone-else', cwd: '/tmp', argv: ['sleep', '300'] });
    await expect(killSessions(tmux, { name: 'apr5' })).rejects.toThrow('there is no session named apr5 (running: apr50)');
    await expect(resolveAgentSession(tmux, 'apr5')).rejects.toThrow(/no agent session named apr5/);
    const only = await resolveAgentSession(tmux);
    expect(only).toBe('ar-apr50');
    expect(await snapshot(tmux, only, 5)).toContain('hello from apr50');
    const pid = (await tmux.paneInfo('ar-apr50'))!.pid;
    const all = await cli(['kill', '--all'], { cwd: '/', env });
    expect(all.exitCode).toBe(0);
    expect(all.stdout).toMatch(/Ended apr50: agent \(\d+ process/);
    expect(await stillRunning([pid])).toEqual([]);
    expect((await tmux.listSessions()).map((s) => s.name)).toEqual(['someone-else']);
    await tmux.killSession('someone-else');
    expect(await killSessions(tmux, { all: true })).toEqual(['No autoresearch sessions were running.']);
  });

  it('tail follows the pane, redrawing on change, until stopped or the session ends', async () => {
    // "two" is printed only once the first screen was drawn (a rendezvous, not a sleep: a loaded machine may be slow).
    const go = path.join(tmp, 'tail-go');
    await tmux.newSession({ name: 'ar-f1', cwd: '/tmp', argv: ['sh', '-c', 'echo one; while [ ! -e "$1" ]; do sleep 0.05; done; echo two; sleep 300', 'sh', go] });
    const out: string[] = [];
    const ac = new AbortController();
    const done = follow(tmux, 'ar-f1', { write: (s) => out.push(s), signal: ac.signal, intervalMs: 50, tty: true });
    for (let i = 0; i < 200 && !out.join('').includes('one'); i++) await sleep(50);
    writeFileSync(go, '');
    for (let i = 0; i < 200 && !out.join('').includes('two'); i++) await sleep(50);
    ac.abort();
    expect(await done).toBe('stopped');
    expect(out.length).toBeGreaterThanOrEqual(2);
    expect(out[0]).toMatch(/^\x1b\[H\x1b\[2Jone/);
    expect(out.at(-1)).toContain('two');
    const ended = follow(tmux, 'ar-f1', { write: () => {}, intervalMs: 50 });
    await tmux.killSession('ar-f1');
    expect(await ended).toBe('ended');
  });
});
