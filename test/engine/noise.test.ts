import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { jobRepo, cli, cleanupRepos } from '../helpers/repo.js';

afterAll(cleanupRepos);

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
});
