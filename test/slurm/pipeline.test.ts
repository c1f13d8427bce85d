// One agent with Slurm jobs in flight: a supervised session (real tmux, the fake agent) whose runner keeps
// executor.parallel jobs at once; the rendezvous fixture proves they overlap, kill leaves no job and no process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Tmux } from '../../src/adapters/tmux.js';
import { cleanupRepos, cli, jobRepo, processesIn, requireBuild, ROOT } from '../helpers/repo.js';
import { SLURM, jobState, slurm, useCluster, waitFor } from './helpers.js';

const FAKE = path.join(ROOT, 'test', 'fixtures', 'fake-agent.mjs');
const tmux = new Tmux(`artest-${process.pid}-slurm-pipe`);
const scratch = mkdtempSync(path.join(tmpdir(), 'ar-slurm-pipe-'));
beforeAll(() => {
  requireBuild();
  useCluster();
}, 240_000);
afterAll(async () => {
  await tmux.killServer();
  cleanupRepos();
  rmSync(scratch, { recursive: true, force: true });
});

describe('a session with Slurm parallel 2', () => {
  it('two jobs of one agent in flight at once (depth defaults to 3); kill cancels both, records each once, leaves nothing', async () => {
    const repo = jobRepo('rendezvous.py', { agent: { command: 'node', args: [FAKE] }, budget_seconds: 30, executor: { ...SLURM.executor, parallel: 2 } });
    expect((await cli(['init', '--tag', 'sp'], { cwd: repo, timeout: 120_000 })).exitCode).toBe(0); // the baseline trains alone
    const meet = path.join(scratch, 'meet');
    mkdirSync(meet);
    const count = path.join(scratch, 'n');
    // Each turn queues an idea (a comment); three must meet, so the two jobs in flight wait until kill.
    const turn = `n=$(( $(cat ${count} 2>/dev/null || echo 0) + 1 )); echo $n > ${count}; echo "# idea $n" >> train.py; ar-supervise submit -m "idea $n"`;
    const env = { RENDEZVOUS: meet, RENDEZVOUS_N: '3', AR_TMUX_SOCKET: tmux.socket, FAKE_AGENT_DIALOGS: '', FAKE_AGENT_TURN_MS: '50', FAKE_AGENT_RUN: turn, AR_SUPERVISOR_SESSION: undefined };
    const started = await cli(['--session', 'sp'], { cwd: repo, env });
    expect(started.exitCode, started.all).toBe(0);
    await waitFor(() => readdirSync(meet).length === 2, 120_000, 'two jobs in the rendezvous at once');
    const qdir = path.join(repo, '.autoresearch/sp/queue');
    const ids = await waitFor(() => {
      const r = readdirSync(qdir).filter((f) => /^\d+\.json$/.test(f)).map((f) => JSON.parse(readFileSync(path.join(qdir, f), 'utf8'))).filter((x) => x.job?.id);
      return r.length === 2 && r.map((x: { job: { id: string } }) => x.job.id);
    }, 30_000, 'both job ids in the queue');
    for (const id of ids) expect(jobState(id)).toBe('RUNNING');
    expect(readFileSync(path.join(repo, 'CLAUDE.md'), 'utf8')).toMatch(/a pipeline: 3 in flight/);
    const k = await cli(['kill', 'sp'], { cwd: repo, env, timeout: 60_000 });
    expect(k.exitCode, k.all).toBe(0);
    await waitFor(() => processesIn(repo).length === 0, 30_000, 'no process of ours left');
    await waitFor(() => ids.every((id) => ['CANCELLED', 'COMPLETED', 'FAILED'].includes(jobState(id))), 60_000, 'the jobs to end');
    for (const id of ids) expect(jobState(id)).toBe('CANCELLED');
    expect(slurm('squeue', ['-h', '-o', '%j']).split('\n').filter((l) => l.startsWith('ar-sp-'))).toEqual([]);
    const recs = readFileSync(path.join(repo, '.autoresearch/sp/runs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(recs.slice(1).map((r) => [r.experiment, r.status, r.crashReason]).sort()).toEqual([
      [2, 'crash', 'interrupted'],
      [3, 'crash', 'interrupted'],
    ]);
  }, 300_000);
});
