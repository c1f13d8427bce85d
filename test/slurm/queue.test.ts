import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupRepos, cli, jobRepo, requireBuild, tempDir } from '../helpers/repo.js';
import { queueEmpty, records, rows, runnerGone, set } from '../helpers/experiments.js';
import { SLURM, jobState, slurm, useCluster, waitFor } from './helpers.js';

// Experiments in flight as Slurm jobs (executor.parallel): the paced fixture writes GATE/started-<X>_<Y> when a job
// starts and waits for GATE/go-<X>_<Y>, so each test decides the finishing order; nothing depends on timing.

beforeAll(() => {
  requireBuild();
  useCluster();
}, 240_000);
afterAll(cleanupRepos);

const entries = (repo: string) => {
  const dir = path.join(repo, '.autoresearch/q/queue');
  return existsSync(dir) ? readdirSync(dir).filter((f) => /^\d+\.json$/.test(f)).map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8'))) : [];
};
const done = (repo: string) => queueEmpty(repo, 'q') && runnerGone(repo, 'q');
/** Our jobs the controller still has queued or running (squeue forgets ended ones). */
const liveJobs = (prefix: string) =>
  slurm('squeue', ['-h', '-o', '%j|%T'])
    .split('\n')
    .filter((l) => l.startsWith(prefix));

async function setup(parallel: number) {
  const gate = tempDir('ar-gate-');
  const repo = jobRepo('paced.py', { budget_seconds: 20, executor: { ...SLURM.executor, parallel } });
  const env = { GATE: gate };
  const go = (key: string) => writeFileSync(path.join(gate, `go-${key}`), '');
  const started = (key: string) => existsSync(path.join(gate, `started-${key}`));
  go('1.0_1.0'); // the baseline
  const init = await cli(['init', '--tag', 'q'], { cwd: repo, env });
  expect(init.exitCode, init.all).toBe(0);
  return { repo, gate, env, go, started, sub: (m: string, extra: string[] = []) => cli(['submit', '-m', m, ...extra], { cwd: repo, env }) };
}

// One test at a time: both use the tag q, so their jobs share the name prefix that "no job left" checks.
describe('experiments in flight on Slurm', () => {
  it('two jobs in flight (parallel 2), a third waits; queue says where each is; finishing order decides: a conflict is not measured, a stale result is measured again', async () => {
    const { repo, env, go, started, sub } = await setup(2);
    set(repo, 'X', '2.0');
    expect((await sub('X=2')).exitCode).toBe(0);
    set(repo, 'Y', '0.0');
    expect((await sub('Y=0')).exitCode).toBe(0);
    set(repo, 'X', '2.5');
    expect((await sub('X=2.5')).exitCode).toBe(0);
    await waitFor(() => started('2.0_1.0') && started('1.0_0.0'), 90_000, 'two jobs running at once');
    // Two jobs of this repo's runner at once, the third experiment still waiting for a slot.
    const e = await waitFor(() => {
      const es = entries(repo);
      return es.filter((x) => x.job?.place?.state === 'running').length === 2 && es;
    }, 30_000, 'both entries to say where their jobs run');
    const host = slurm('hostname', ['-s']);
    const q = await cli(['queue'], { cwd: repo, env });
    expect(q.exitCode, q.all).toBe(0);
    for (const x of e.filter((x: { state: string }) => x.state === 'running')) {
      expect(q.stdout).toMatch(new RegExp(`#${x.n} +running +job ${x.job.id} on ${host} `));
      expect(jobState(x.job.id)).toBe('RUNNING');
    }
    expect(q.stdout).toMatch(/#4 +queued /);
    expect(started('2.5_1.0')).toBe(false);

    go('2.0_1.0'); // #2 ends first: kept; #4 gets its slot and no longer applies onto the new best
    await waitFor(() => rows(repo).length >= 3, 90_000, '#2 and #4 to be recorded');
    go('1.0_0.0'); // #3 ends on the old best and beat it: stale, measured again on the new best
    go('2.0_0.0');
    await waitFor(() => done(repo), 120_000, 'the queue to empty');
    expect(rows(repo).map((r) => [r[1], r[3], r[4]])).toEqual([
      ['1.500000', 'keep', 'baseline'],
      ['1.200000', 'keep', 'X=2'],
      ['0.000000', 'discard', 'X=2.5 [conflict with #2]'],
      ['1.400000', 'discard', 'Y=0 [stale]'],
      ['1.100000', 'keep', 'Y=0'],
    ]);
    const recs = records(repo, 'q');
    expect(recs[3]).toMatchObject({ experiment: 3, stale: true, parent: recs[0].commit, job: { engine: 'slurm', state: 'COMPLETED' } });
    expect(recs[4]).toMatchObject({ experiment: 3, remeasured: true, parent: recs[1].commit, job: { engine: 'slurm', state: 'COMPLETED' } });
    expect(recs[2].job).toBeUndefined(); // the conflict never became a job
    expect(new Set([recs[1].job.id, recs[3].job.id, recs[4].job.id]).size).toBe(3);
    expect(started('2.5_1.0') || started('2.5_0.0')).toBe(false);
  }, 300_000);

  it('a SIGKILLed runner leaves no job and loses nothing: its two jobs are cancelled and recorded once, the queued one still runs', async () => {
    const { repo, env, go, started, sub } = await setup(2);
    set(repo, 'X', '2.0');
    await sub('X=2');
    set(repo, 'Y', '0.0');
    await sub('Y=0');
    set(repo, 'X', '2.5');
    await sub('X=2.5');
    await waitFor(() => started('2.0_1.0') && started('1.0_0.0'), 90_000, 'two jobs running');
    const running = await waitFor(() => {
      const r = entries(repo).filter((x) => x.job?.id);
      return r.length === 2 && r;
    }, 30_000, 'both job ids in the queue');
    const ids: string[] = running.map((x: { job: { id: string } }) => x.job.id);
    const runner = Number(readFileSync(path.join(repo, '.autoresearch/q/runner.lock'), 'utf8'));
    process.kill(runner, 'SIGKILL');
    await waitFor(() => !existsSync(`/proc/${runner}`) || readFileSync(`/proc/${runner}/stat`, 'utf8').includes(') Z'), 10_000, 'the runner to die');
    for (const id of ids) expect(jobState(id)).toBe('RUNNING'); // cut off: nobody watches them now
    go('2.5_1.0');
    const again = await cli(['queue'], { cwd: repo, env }); // finds the queue without a runner: starts one
    expect(again.exitCode, again.all).toBe(0);
    await waitFor(() => done(repo), 120_000, 'the queue to empty');
    await waitFor(() => ids.every((id) => ['CANCELLED', 'COMPLETED', 'FAILED'].includes(jobState(id))), 60_000, 'the cut-off jobs to end');
    for (const id of ids) expect(jobState(id)).toBe('CANCELLED');
    expect(liveJobs('ar-q-')).toEqual([]);
    const recs = records(repo, 'q');
    expect(recs.map((r) => [r.experiment ?? null, r.status, r.crashReason ?? null])).toEqual([
      [null, 'keep', null],
      [2, 'crash', 'interrupted'],
      [3, 'crash', 'interrupted'],
      [4, 'keep', null],
    ]);
    expect(recs[3].job).toMatchObject({ engine: 'slurm', state: 'COMPLETED' });
  }, 300_000);

  it('--gpus is refused on a scheduler: one sentence, exit 2, nothing queued', async () => {
    const repo = jobRepo('paced.py', { budget_seconds: 20, executor: { ...SLURM.executor, parallel: 2 } });
    expect((await cli(['init', '--tag', 'q', '--no-baseline'], { cwd: repo })).exitCode).toBe(0);
    set(repo, 'X', '2.0');
    const r = await cli(['submit', '-m', 'X=2', '--gpus', '0,1'], { cwd: repo });
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toBe('ar-supervise: with executor kind slurm the scheduler gives each run its GPU: set executor.parallel for jobs in flight, not --gpus.');
    expect(entries(repo)).toEqual([]);
  }, 60_000);
});
