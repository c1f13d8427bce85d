import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { cleanupRepos, cli, git, jobRepo, requireBuild, tempDir } from '../helpers/repo.js';
import { records, rendezvous } from '../helpers/experiments.js';
import { SLURM, jobState, useCluster } from './helpers.js';

// Many runs at once on the one-node test cluster (four fake GPUs): each run its own job, side by side. The
// fixture test/fixtures/jobs/rendezvous.py fails a run that does not meet the others: proof of overlap, no timing.

beforeAll(() => {
  requireBuild();
  useCluster();
}, 240_000);
afterAll(cleanupRepos);

const CFG = { executor: { ...SLURM.executor }, budget_seconds: 60 };

describe.concurrent('many runs at once on Slurm', () => {
  it('sweep --parallel 2: the points of a batch are jobs at once, the best kept, the slots gone, nothing left running', async () => {
    const repo = jobRepo('rendezvous.py', CFG, { 'grid.yaml': 'strategy: grid\nparameters:\n  X: [2.0, 3.0]\n' });
    expect((await cli(['init', '--tag', 't', '--no-baseline'], { cwd: repo })).exitCode).toBe(0);
    const r = await cli(['sweep', 'grid.yaml', '--parallel', '2'], { cwd: repo, env: rendezvous(2), timeout: 200_000 });
    expect(r.exitCode, r.all).toBe(0);
    const recs = records(repo, 't');
    // X=2 ends first or second; either way it is recorded as a discard before X=3's keep.
    expect(recs.map((x) => [x.description, x.status])).toEqual([
      ['X=2.0', 'discard'],
      ['X=3.0', 'keep'],
    ]);
    expect(new Set(recs.map((x) => x.job.id)).size).toBe(2);
    for (const x of recs) {
      expect(x.job).toMatchObject({ engine: 'slurm', state: 'COMPLETED' });
      expect(jobState(x.job.id)).toBe('COMPLETED');
      const log = readFileSync(path.join(repo, x.log), 'utf8');
      expect(log).toMatch(/met 2 of 2/);
      // Slurm gave each job its GPU; we set none.
      expect(log).toMatch(/^CUDA_VISIBLE_DEVICES=\d+$/m);
    }
    expect(readFileSync(path.join(repo, 'train.py'), 'utf8')).toMatch(/^X = 3\.0$/m);
    expect(git(repo, ['status', '--porcelain'])).toBe('');
    expect(git(repo, ['worktree', 'list']).split('\n')).toHaveLength(1);
  }, 240_000);

  it('compare A B --seeds 2: all four runs are jobs at once by default, results in the order A0 B0 A1 B1, one squeue for all', async () => {
    const repo = jobRepo('rendezvous.py', CFG);
    writeFileSync(path.join(repo, 'train.py'), readFileSync(path.join(repo, 'train.py'), 'utf8').replace('X = 1.0', 'X = 3.0'));
    git(repo, ['commit', '-qam', 'X = 3']);
    // squeue on PATH writes down what it was asked, then is the real one.
    const shims = tempDir('ar-squeue-');
    const asked = path.join(shims, 'asked');
    const real = execFileSync('sh', ['-c', 'command -v squeue'], { encoding: 'utf8' }).trim();
    writeFileSync(path.join(shims, 'squeue'), `#!/bin/sh\necho "$*" >> '${asked}'\nexec '${real}' "$@"\n`, { mode: 0o755 });
    const env = { ...rendezvous(4), PATH: `${shims}${path.delimiter}${process.env.PATH}` };
    const r = await cli(['compare', 'HEAD~1', 'HEAD', '--seeds', '2', '--json'], { cwd: repo, env, timeout: 200_000 });
    expect(r.exitCode, r.all).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.runs.map((x: { arm: string; seed: number }) => `${x.arm}${x.seed}`)).toEqual(['A0', 'B0', 'A1', 'B1']);
    expect(res.runs.map((x: { value: number }) => x.value)).toEqual([1.4, 1, 1.4, 1]);
    for (const x of res.runs as Array<{ log: string }>) expect(readFileSync(x.log, 'utf8')).toMatch(/met 4 of 4/);
    // While the four wait for each other, one squeue asks about all of them (not one call per job).
    const lists = readFileSync(asked, 'utf8').trim().split('\n').map((l) => /-j (\S+)/.exec(l)?.[1]?.split(',') ?? []);
    expect(Math.max(...lists.map((l) => l.length))).toBe(4);
    expect(git(repo, ['worktree', 'list']).split('\n')).toHaveLength(1);
  }, 240_000);

  it('noise: {reruns: 3}: the two baseline reruns are jobs at once by default, each recorded once', async () => {
    const repo = jobRepo('rendezvous.py', { ...CFG, noise: { reruns: 3, sigma: 2 } });
    const init = await cli(['init', '--tag', 't'], { cwd: repo, env: rendezvous(2, '0'), timeout: 200_000 });
    expect(init.exitCode, init.all).toBe(0);
    expect(init.stdout).toMatch(/Noise estimate: 2 baseline reruns, 2 side by side/);
    const recs = records(repo, 't');
    expect(recs.map((x) => x.status)).toEqual(['keep', 'discard', 'discard']);
    for (const x of recs.slice(1)) {
      expect(x.job).toMatchObject({ engine: 'slurm', state: 'COMPLETED' });
      expect(readFileSync(path.join(repo, x.log), 'utf8')).toMatch(/met 2 of 2/);
    }
    expect(JSON.parse(readFileSync(path.join(repo, '.autoresearch/t/state.json'), 'utf8')).noise.values).toHaveLength(3);
  }, 240_000);
});
