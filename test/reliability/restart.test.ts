// Reliability: the supervisor itself dies (SIGKILL mid-run, a "reboot" that kills everything, the tmux server
// taking a detached supervisor with it), and `ar-supervise --session X` started again resumes: the cut-off run
// recorded once, the branch at the last keep, CLAUDE.md rebuilt. Real CLI processes, tmux, git and training.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { execa, type ResultPromise } from 'execa';
import { Tmux } from '../../src/adapters/tmux.js';
import { stillRunning } from '../../src/adapters/procs.js';
import { readSupervisorState } from '../../src/supervisor/state.js';
import { BIN, cleanupRepos, cli, git, isLive, jobRepo, ROOT, requireBuild } from '../helpers/repo.js';

const FAKE = path.join(ROOT, 'test', 'fixtures', 'fake-agent.mjs');
const SOCKET = `artest-${process.pid}-relrestart`;
const tmux = new Tmux(SOCKET);
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'ar-rel-restart-'));
  requireBuild();
});
afterAll(async () => {
  await tmux.killServer();
  cleanupRepos();
  rmSync(tmp, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(fn: () => T | null | undefined | false | Promise<T | null | undefined | false>, ms = 30_000, what = 'a condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const recordsOf = (repo: string, tag: string) => {
  const f = path.join(repo, '.autoresearch', tag, 'runs.jsonl');
  return existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
};
const pendingOf = (repo: string, tag: string) => {
  try {
    return JSON.parse(readFileSync(path.join(repo, '.autoresearch', tag, 'pending.json'), 'utf8')) as {
      id: number;
      pid: number | null;
      runner: number;
      commit: string;
      description: string;
    };
  } catch {
    return null;
  }
};

/** A repo whose first experiment trains for a minute (SLEEP=60) and the others at once. */
function slowFirstRepo(tag: string) {
  const repo = jobRepo('env_dump.py', { agent: { command: 'node', args: [FAKE] }, budget_seconds: 30 });
  const mark = path.join(tmp, `${tag}-slow-done`);
  const env = {
    AR_TMUX_SOCKET: SOCKET,
    FAKE_AGENT_DIALOGS: '',
    FAKE_AGENT_TURN_MS: '50',
    FAKE_AGENT_PROMPTS: path.join(tmp, `${tag}-prompts.jsonl`),
    FAKE_AGENT_RUN: `if [ ! -e ${mark} ]; then touch ${mark}; echo 'X = 2' >> train.py; SLEEP=60 ar-supervise run -m slow; else ar-supervise run -m fast; fi`,
  };
  return { repo, env };
}

function foreground(repo: string, tag: string, env: Record<string, string>, max: number): ResultPromise {
  return execa('node', [BIN, '--session', tag, '--foreground', '--no-baseline', '--max-iterations', String(max)], {
    cwd: repo,
    env: { ...process.env, NO_COLOR: '1', ...env },
    reject: false,
    all: true,
    timeout: 60_000,
  });
}

/** After the restart: the slow run recorded once as interrupted, nothing left running, branch and ledger agree, CLAUDE.md rebuilt. */
async function expectResumed(repo: string, tag: string, cut: { commit: string; pid: number; runner: number }, agentPid: number) {
  const recs = recordsOf(repo, tag);
  expect(recs.filter((r) => r.description === 'slow')).toEqual([expect.objectContaining({ status: 'crash', crashReason: 'interrupted', commit: cut.commit })]);
  expect(recs.filter((r) => r.description === 'fast').length).toBeGreaterThanOrEqual(1);
  expect(recs.map((r) => r.id)).toEqual(recs.map((_, i) => i + 1));
  expect(readFileSync(path.join(repo, 'results.tsv'), 'utf8').trim().split('\n')).toHaveLength(recs.length + 1);
  expect(pendingOf(repo, tag)).toBeNull();
  expect(isLive(cut.pid) || isLive(cut.runner) || isLive(agentPid)).toBe(false);
  // The branch sits on the last keep (the slow edit is gone), the tree clean.
  const keeps = recs.filter((r) => r.status === 'keep');
  const base = git(repo, ['rev-parse', 'main']);
  expect(git(repo, ['rev-parse', 'HEAD'])).toBe(keeps.length ? keeps.at(-1).commit : base);
  expect(readFileSync(path.join(repo, 'train.py'), 'utf8')).not.toContain('X = 2');
  expect(git(repo, ['status', '--porcelain'])).toBe('');
  const slow = recs.find((r) => r.description === 'slow');
  expect(readFileSync(path.join(repo, 'CLAUDE.md'), 'utf8')).toMatch(new RegExp(`\\| ${slow.id} \\| ${cut.commit.slice(0, 7)} \\| - \\| crash \\(interrupted\\) \\| slow \\|`));
  expect(await tmux.hasSession(`ar-${tag}`)).toBe(false);
}

describe('the supervisor dies; the same command resumes', () => {
  it('SIGKILL of a foreground supervisor while the agent trains: the restart ends the orphaned agent and its run, records the run once', async () => {
    const tag = 'sk';
    const { repo, env } = slowFirstRepo(tag);
    const first = foreground(repo, tag, env, 3);
    const cut = await waitFor(() => {
      const p = pendingOf(repo, tag);
      return p && p.pid ? p : null;
    }, 30_000, 'the slow run to train');
    const agentPid = readSupervisorState(repo, tag)!.agentPid!;
    first.kill('SIGKILL');
    await first;
    // The agent and its run outlive the supervisor.
    expect(isLive(agentPid) && isLive(cut.runner) && isLive(cut.pid!)).toBe(true);

    const second = await foreground(repo, tag, env, 1);
    expect(second.exitCode, String(second.all)).toBe(0);
    expect(String(second.all)).toMatch(/Stopped \(max-iterations\)/);
    await expectResumed(repo, tag, { commit: cut.commit, pid: cut.pid!, runner: cut.runner }, agentPid);
  });

  it('a reboot (supervisor, agent, run, training and tmux server all killed at once): the restart records the run once as interrupted', async () => {
    const tag = 'boot';
    const { repo, env } = slowFirstRepo(tag);
    const first = foreground(repo, tag, env, 3);
    const cut = await waitFor(() => {
      const p = pendingOf(repo, tag);
      return p && p.pid ? p : null;
    }, 30_000, 'the slow run to train');
    const agentPid = readSupervisorState(repo, tag)!.agentPid!;
    first.kill('SIGKILL');
    for (const pid of [agentPid, cut.runner]) process.kill(pid, 'SIGKILL');
    process.kill(-cut.pid!, 'SIGKILL');
    execFileSync('tmux', ['-L', SOCKET, 'kill-server']);
    await first;
    await waitFor(async () => (await stillRunning([agentPid, cut.runner, cut.pid!])).length === 0, 5000, 'everything to die');

    const second = await foreground(repo, tag, env, 1);
    expect(second.exitCode, String(second.all)).toBe(0);
    expect(String(second.all)).toContain(`Run ${cut.id} had been cut off; it is recorded as an interrupted crash.`);
    await expectResumed(repo, tag, { commit: cut.commit, pid: cut.pid!, runner: cut.runner }, agentPid);
  });

  it('the tmux server killed under a detached supervisor (it dies with it): starting it again resumes the session', async () => {
    const tag = 'det';
    const repo = jobRepo('summary.py', { agent: { command: 'node', args: [FAKE] } });
    const pfile = path.join(tmp, 'det-prompts.jsonl');
    const env = { AR_TMUX_SOCKET: SOCKET, FAKE_AGENT_DIALOGS: '', FAKE_AGENT_TURN_MS: '300', FAKE_AGENT_PROMPTS: pfile, FAKE_AGENT_RUN: 'ar-supervise run -m "turn"' };
    const a = await cli(['--session', tag, '--no-baseline', '--task', 'first task'], { cwd: repo, env });
    expect(a.exitCode, a.all).toBe(0);
    const st1 = await waitFor(() => {
      const s = readSupervisorState(repo, tag);
      return s && s.iterations >= 1 && s;
    }, 30_000, 'a first turn');
    execFileSync('tmux', ['-L', SOCKET, 'kill-server']);
    await waitFor(async () => (await stillRunning([st1.pid])).length === 0, 10_000, 'the supervisor to die with its server');

    const b = await cli(['--session', tag, '--no-baseline'], { cwd: repo, env });
    expect(b.exitCode, b.all).toBe(0);
    const st2 = await waitFor(() => {
      const s = readSupervisorState(repo, tag);
      return s && s.pid !== st1.pid && s.iterations >= st1.iterations + 1 && s;
    }, 30_000, 'turns under the new supervisor');
    expect(st2.doneTasks).toContain('first task');
    const k = await cli(['kill', tag], { cwd: repo, env, timeout: 40_000 });
    expect(k.exitCode, k.all).toBe(0);
    expect(await stillRunning([st2.pid])).toEqual([]);
    // The task went out once; every numbered run has its one record.
    const prompts = readFileSync(pfile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { prompt: string });
    expect(prompts.filter((p) => p.prompt.includes('first task'))).toHaveLength(1);
    const recs = recordsOf(repo, tag);
    expect(recs.map((r) => r.id)).toEqual(recs.map((_, i) => i + 1));
    const refs = git(repo, ['for-each-ref', '--format=%(refname)', `refs/autoresearch/${tag}/`]).split('\n').filter(Boolean);
    expect(refs).toHaveLength(recs.length);
    expect(pendingOf(repo, tag)).toBeNull();
    expect(git(repo, ['status', '--porcelain'])).toBe('');
    expect(await tmux.listSessions()).toEqual([]);
  });
});
