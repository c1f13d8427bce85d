import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { jobRepo, cli, cleanupRepos, git } from '../helpers/repo.js';

const dirs: string[] = [];
afterAll(() => {
  cleanupRepos();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('noise-aware keeping', () => {
  it('estimates sigma from baseline reruns and keeps only improvements beyond S x sigma', async () => {
    const repo = jobRepo('quadratic.py', { budget_seconds: 2, noise: { reruns: 3, sigma: 2 } });
    const init = await cli(['init', '--tag', 'n'], { cwd: repo });
    expect(init.exitCode, init.all).toBe(0);
    expect(init.stdout).toMatch(/Noise: sigma 0\.000\d+ over 3 baseline runs/);
    const state = JSON.parse(readFileSync(path.join(repo, '.autoresearch/n/state.json'), 'utf8'));
    expect(state.noise.values).toHaveLength(3);
    expect(state.noise.threshold).toBeCloseTo(2 * state.noise.sigma, 12);
    const setA = (a: string) => {
      const f = path.join(repo, 'train.py');
      writeFileSync(f, readFileSync(f, 'utf8').replace(/^A = .*$/m, `A = ${a}`));
    };
    setA('0.00005'); // better by ~0.0002: inside the noise
    const small = await cli(['run', '-m', 'tiny step'], { cwd: repo });
    expect(small.stdout).toMatch(/^status: +discard$/m);
    setA('1.0'); // better by 3: far outside
    const big = await cli(['run', '-m', 'big step'], { cwd: repo });
    expect(big.stdout, big.all).toMatch(/^status: +keep$/m);
    const recs = readFileSync(path.join(repo, '.autoresearch/n/runs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(recs.map((r) => r.status)).toEqual(['keep', 'discard', 'discard', 'discard', 'keep']);
    expect(recs[3].noise.margin).toBeGreaterThan(0);
    expect(recs[3].noise.margin).toBeLessThan(recs[3].noise.threshold);
    expect(recs[4].noise.margin).toBeCloseTo(3, 3);
  });

  it('init --parallel 2: the baseline reruns train side by side (they meet before reporting), each recorded once, then sigma', async () => {
    const repo = jobRepo('rendezvous.py', { budget_seconds: 60, noise: { reruns: 3, sigma: 2 } });
    const rv = mkdtempSync(path.join(tmpdir(), 'ar-rv-'));
    dirs.push(rv);
    // The baseline (seed 0) runs alone; its two reruns each wait until the other has started.
    const init = await cli(['init', '--tag', 'n', '--parallel', '2'], { cwd: repo, env: { RENDEZVOUS: rv, RENDEZVOUS_N: '2', RENDEZVOUS_ALONE: '0' }, timeout: 150_000 });
    expect(init.exitCode, init.all).toBe(0);
    expect(init.stdout).toMatch(/Noise estimate: 2 baseline reruns, 2 side by side/);
    expect(init.stdout).toMatch(/Noise: sigma 0\.000000 over 3 baseline runs/);
    const recs = readFileSync(path.join(repo, '.autoresearch/n/runs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(recs.map((r) => [r.id, r.status])).toEqual([
      [1, 'keep'],
      [2, 'discard'],
      [3, 'discard'],
    ]);
    expect(recs.slice(1).map((r) => r.seed).sort()).toEqual([1, 2]);
    for (const r of recs.slice(1)) {
      expect(r.commit).toBe(recs[0].commit);
      expect(readFileSync(path.join(repo, r.log), 'utf8')).toMatch(/met 2 of 2/);
    }
    const state = JSON.parse(readFileSync(path.join(repo, '.autoresearch/n/state.json'), 'utf8'));
    expect(state.noise.values).toHaveLength(3);
    expect(git(repo, ['status', '--porcelain'])).toBe('');
    expect(git(repo, ['worktree', 'list']).split('\n')).toHaveLength(1);
    const bad = await cli(['init', '--tag', 'm', '--parallel', '0'], { cwd: repo });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--parallel must be a whole number from 1 to 64, not "0"/);
  }, 180_000);
});
