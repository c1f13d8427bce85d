// Lanes on the test Slurm cluster: two agents in tmux (fake agent, private socket), every run of each lane a job.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Tmux } from '../../src/adapters/tmux.js';
import { readManifest } from '../../src/lanes/manifest.js';
import { killSessionsAndLanes as killSessions } from '../../src/lanes/control.js';
import { collectStatusWithLanes as collectStatus, filterStatus, formatStatusWithLanes as formatStatus } from '../../src/lanes/status.js';
import type { RunRecord } from '../../src/engine/types.js';
import { cleanupRepos, cli, jobRepo, ROOT, requireBuild } from '../helpers/repo.js';
import { SLURM, slurm, useCluster } from './helpers.js';
import { until } from '../helpers/until.js';

const SOCKET = `artest-${process.pid}-slurmlanes`;
const tmux = new Tmux(SOCKET);
const FAKE = path.join(ROOT, 'test', 'fixtures', 'fake-agent.mjs');

beforeAll(() => {
  requireBuild();
  useCluster();
}, 150_000);
afterAll(async () => {
  await killSessions(tmux, { all: true, supervisorGraceMs: 10_000 }).catch(() => []);
  await tmux.killServer();
  cleanupRepos();
});

const records = (wt: string, tag: string): RunRecord[] => {
  const f = path.join(wt, '.autoresearch', tag, 'runs.jsonl');
  return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as RunRecord) : [];
};
describe('lanes on Slurm', () => {
  it('two lanes: every run is a job with the GPU Slurm gave it; status shows where each run is; kill cancels the jobs', async () => {
    const repo = jobRepo('env_dump.py', { ...SLURM, agent: { command: 'node', args: [FAKE] }, budget_seconds: 30 });
    const env = {
      AR_TMUX_SOCKET: SOCKET,
      SLEEP: '3',
      FAKE_AGENT_TURN_MS: '100',
      FAKE_AGENT_RUN: `echo "# idea $(date +%s%N)" >> train.py; ar-supervise run -m "idea"`,
    };
    const refused = await cli(['--session', 'sl', '--gpus', '0,1'], { cwd: repo, env });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/the scheduler gives each run its GPU: start the lanes with --lanes N, not --gpus/);

    const start = await cli(['--session', 'sl', '--lanes', '2'], { cwd: repo, env, timeout: 90_000 });
    expect(start.exitCode, start.all).toBe(0);
    const m = readManifest(repo, 'sl')!;
    expect(m.lanes.map((l) => l.tag)).toEqual(['sl-lane0', 'sl-lane1']);

    // While the lanes work, status says per lane where its run is.
    let table = '';
    await until(
      'a lane shown running on the node',
      async () => {
        table = formatStatus(filterStatus(await collectStatus(tmux, { cwd: repo }), 'sl'));
        return /\bsl\s+lane\d\s+\S+\s+running on \S+/.test(table);
      },
      60_000,
    );
    expect(table).toMatch(/^SESSION\s+LANE\s+STATE\s+JOB\s+TURNS/);

    await until('two runs in each lane', () => m.lanes.every((l) => records(l.worktree, l.tag).length >= 2), 90_000);
    for (const l of m.lanes) {
      for (const r of records(l.worktree, l.tag)) {
        expect(r.job).toMatchObject({ engine: 'slurm', state: expect.any(String) });
        if (r.status === 'crash') continue;
        // The device is Slurm's choice (a fake GPU of the test node), not ours.
        expect(readFileSync(path.join(l.worktree, r.log), 'utf8')).toMatch(/^CUDA_VISIBLE_DEVICES=[0-3]$/m);
      }
    }

    const k = await killSessions(tmux, { name: 'sl', cwd: repo });
    expect(k).toHaveLength(2);
    // No job of these lanes is left in the queue.
    const left = slurm('squeue', ['-h', '-o', '%j']).split('\n').filter((n) => n.startsWith('ar-sl-lane'));
    expect(left).toEqual([]);
    for (const l of m.lanes) expect(existsSync(path.join(l.worktree, '.autoresearch', l.tag, 'pending.json'))).toBe(false);
  }, 240_000);
});
