import { describe, it, expect, afterAll } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { jobRepo, cli, git, cleanupRepos, processesIn, requireBuild, tempDir } from '../helpers/repo.js';
import { queueEmpty, records, rows, runnerGone, set } from '../helpers/experiments.js';
import { until } from '../helpers/until.js';

// The queue on real git with the paced fixture: GATE/started-<X>_<Y> appears when a run starts, and the run
// waits for GATE/go-<X>_<Y>, so each test decides the finishing order.

requireBuild();
afterAll(cleanupRepos);

const go = (gate: string, key: string) => writeFileSync(path.join(gate, `go-${key}`), '');
async function setup(cfg: Record<string, unknown> = {}) {
  const gate = tempDir('ar-gate-');
  const repo = jobRepo('paced.py', { budget_seconds: 20, ...cfg });
  const init = await cli(['init', '--tag', 'q'], { cwd: repo });
  expect(init.exitCode, init.all).toBe(0);
  const env = { GATE: gate };
  go(gate, '1.0_1.0'); // the baseline's key, for re-runs
  return { repo, gate, env, sub: (m: string, extra: string[] = []) => cli(['submit', '-m', m, ...extra], { cwd: repo, env }) };
}

describe('submit, the runner and the decision rules', () => {
  it('one slot: results in order against the moving best; re-applied onto a moved best; a conflict is not measured; the tree is back at the best after each submit', async () => {
    const { repo, gate, sub } = await setup();
    writeFileSync(path.join(repo, 'notes.txt'), 'mine\n'); // the user's untracked file: never touched
    set(repo, 'X', '2.0');
    const a = await sub('X=2');
    expect(a.exitCode, a.all).toBe(0);
    expect(a.stdout).toMatch(/^submitted: +#2 X=2$/m);
    expect(a.stdout).toMatch(/^queue: +first in line$/m);
    expect(readFileSync(path.join(repo, 'train.py'), 'utf8')).toMatch(/^X = 1\.0$/m);
    expect(git(repo, ['status', '--porcelain', '--untracked-files=no'])).toBe('');
    set(repo, 'Y', '0.0');
    const b = await sub('Y=0');
    expect(b.stdout).toMatch(/^submitted: +#3 Y=0$/m);
    set(repo, 'X', '2.5'); // the same line as #2: cannot be re-applied once #2 is kept
    const c = await sub('X=2.5');
    expect(c.stdout).toMatch(/^queue: +place 3 \(2 ahead\)$/m);
    const q = await cli(['queue'], { cwd: repo });
    expect(q.stdout).toMatch(/^#2 +running/m);
    expect(q.stdout).toMatch(/^#4 +queued .*X=2\.5$/m);
    go(gate, '2.0_1.0');
    go(gate, '2.0_0.0');
    await until('the queue to empty', () => queueEmpty(repo, 'q') && runnerGone(repo, 'q'));
    expect(rows(repo).map((r) => [r[1], r[3], r[4]])).toEqual([
      ['1.500000', 'keep', 'baseline'],
      ['1.200000', 'keep', 'X=2'],
      ['1.100000', 'keep', 'Y=0'],
      ['0.000000', 'discard', 'X=2.5 [conflict with #2]'],
    ]);
    const recs = records(repo, 'q');
    expect(recs.map((r) => r.experiment)).toEqual([undefined, 2, 3, 4]);
    expect(recs[2].parent).toBe(recs[1].commit); // #3 was re-applied onto #2's keep before it started
    expect(recs[3]).toMatchObject({ conflict: 2, status: 'discard', value: null, log: '' });
    for (const r of recs.slice(1)) expect(Date.parse(r.queued)).toBeLessThanOrEqual(Date.parse(r.start));
    expect(git(repo, ['rev-parse', 'autoresearch/q'])).toBe(recs[2].commit);
    expect(git(repo, ['log', '-1', '--format=%s', recs[2].commit])).toBe('keep: Y=0 (val_bpb 1.1000, -0.1000)');
    expect(git(repo, ['for-each-ref', 'refs/autoresearch/q/queue'])).toBe('');
    // The agent's commands bring a clean tree along to the new best.
    const res = await cli(['results', '--since', '1'], { cwd: repo });
    expect(res.stdout).toMatch(/^status: +keep\nval_bpb: +1\.200000 \(-0\.300000 vs best 1\.500000\)/m);
    expect(res.stdout).toMatch(/^next: +ar-supervise results --since 4$/m);
    expect(readFileSync(path.join(repo, 'train.py'), 'utf8')).toMatch(/^X = 2\.0$/m);
    expect(readFileSync(path.join(repo, 'train.py'), 'utf8')).toMatch(/^Y = 0\.0$/m);
    expect(readFileSync(path.join(repo, 'notes.txt'), 'utf8')).toBe('mine\n');
    await until('no process of ours left', () => processesIn(repo).length === 0, 10_000);
  }, 90_000);

  it('two slots (--gpus 0,1): a result measured on a parent the best moved past is a [stale] discard, re-applied and measured again', async () => {
    const { repo, gate, sub } = await setup();
    set(repo, 'X', '2.0');
    expect((await sub('X=2', ['--gpus', '0,1'])).exitCode).toBe(0);
    set(repo, 'Y', '0.0');
    expect((await sub('Y=0')).exitCode).toBe(0);
    await until('both to start', () => existsSync(path.join(gate, 'started-2.0_1.0')) && existsSync(path.join(gate, 'started-1.0_0.0')));
    // queue names each run's GPU.
    const q = await cli(['queue'], { cwd: repo });
    expect(q.stdout).toMatch(/running +gpu 0 /);
    expect(q.stdout).toMatch(/running +gpu 1 /);
    go(gate, '2.0_1.0');
    await until('#2 to be recorded', () => rows(repo).length === 2);
    go(gate, '1.0_0.0');
    go(gate, '2.0_0.0');
    await until('the queue to empty', () => queueEmpty(repo, 'q') && runnerGone(repo, 'q'));
    expect(rows(repo).map((r) => [r[1], r[3], r[4]])).toEqual([
      ['1.500000', 'keep', 'baseline'],
      ['1.200000', 'keep', 'X=2'],
      ['1.400000', 'discard', 'Y=0 [stale]'],
      ['1.100000', 'keep', 'Y=0'],
    ]);
    const recs = records(repo, 'q');
    expect(recs[2]).toMatchObject({ experiment: 3, stale: true, parent: recs[0].commit, bestBefore: 1.2 });
    expect(recs[3]).toMatchObject({ experiment: 3, remeasured: true, parent: recs[1].commit });
    const gpus = [2, 3].map((i) => /gpu=(\d)/.exec(readFileSync(path.join(repo, recs[i - 1].log), 'utf8'))?.[1]);
    expect(gpus.sort()).toEqual(['0', '1']);
  }, 90_000);

  it('stale: discard: a result measured on a parent the best moved past is a [stale] discard and is not measured again; the runner submit starts trains on pipeline.gpus', async () => {
    // Two slots from the config, no --gpus: both experiments train at once.
    const { repo, gate, sub } = await setup({ pipeline: { depth: 2, stale: 'discard', gpus: [4, 7] } });
    set(repo, 'X', '2.0');
    expect((await sub('X=2')).exitCode).toBe(0);
    set(repo, 'Y', '0.0');
    expect((await sub('Y=0')).exitCode).toBe(0);
    await until('both to start', () => existsSync(path.join(gate, 'started-2.0_1.0')) && existsSync(path.join(gate, 'started-1.0_0.0')));
    const q = await cli(['queue'], { cwd: repo });
    expect(q.stdout).toMatch(/running +gpu 4 /);
    expect(q.stdout).toMatch(/running +gpu 7 /);
    go(gate, '2.0_1.0');
    await until('#2 to be recorded', () => rows(repo).length === 2);
    go(gate, '1.0_0.0');
    go(gate, '2.0_0.0'); // a re-measurement would not wait: only the ledger can show it did not run
    await until('the queue to empty', () => queueEmpty(repo, 'q') && runnerGone(repo, 'q'));
    expect(rows(repo).map((r) => [r[1], r[3], r[4]])).toEqual([
      ['1.500000', 'keep', 'baseline'],
      ['1.200000', 'keep', 'X=2'],
      ['1.400000', 'discard', 'Y=0 [stale]'],
    ]);
    expect(records(repo, 'q')[2]).toMatchObject({ experiment: 3, stale: true, status: 'discard' });
    expect(existsSync(path.join(gate, 'started-2.0_0.0'))).toBe(false);
    expect(git(repo, ['rev-parse', 'autoresearch/q'])).toBe(records(repo, 'q')[1].commit);
  }, 90_000);

  it('a runner SIGKILLed between the [stale] row and queueing its re-measurement: the next runner still measures it again', async () => {
    const { repo, gate, sub, env } = await setup();
    const paused = path.join(repo, '.autoresearch/q/paused-stale-recorded');
    set(repo, 'X', '2.0');
    // The runner this submit starts stops right after writing a [stale] row, before its re-measurement is queued.
    expect((await cli(['submit', '-m', 'X=2', '--gpus', '0,1'], { cwd: repo, env: { ...env, AR_TEST_PAUSE: 'stale-recorded' } })).exitCode).toBe(0);
    set(repo, 'Y', '0.0');
    expect((await sub('Y=0')).exitCode).toBe(0);
    await until('both to start', () => existsSync(path.join(gate, 'started-2.0_1.0')) && existsSync(path.join(gate, 'started-1.0_0.0')));
    go(gate, '2.0_1.0');
    await until('#2 to be recorded', () => rows(repo).length === 2);
    go(gate, '1.0_0.0');
    await until('the runner to stop after the [stale] row', () => existsSync(paused) && rows(repo).length === 3);
    expect(rows(repo)[2]![4]).toBe('Y=0 [stale]');
    const runner = Number(readFileSync(paused, 'utf8'));
    process.kill(runner, 'SIGKILL');
    await until('the runner to die', () => !existsSync(`/proc/${runner}`) || readFileSync(`/proc/${runner}/stat`, 'utf8').includes(') Z'));
    go(gate, '2.0_0.0');
    const again = await cli(['queue'], { cwd: repo, env: { GATE: gate } }); // a runner without the pause
    expect(again.exitCode, again.all).toBe(0);
    await until('the queue to empty', () => queueEmpty(repo, 'q') && runnerGone(repo, 'q') && rows(repo).length === 4);
    expect(rows(repo).map((r) => [r[1], r[3], r[4]])).toEqual([
      ['1.500000', 'keep', 'baseline'],
      ['1.200000', 'keep', 'X=2'],
      ['1.400000', 'discard', 'Y=0 [stale]'],
      ['1.100000', 'keep', 'Y=0'],
    ]);
    expect(records(repo, 'q')[3]).toMatchObject({ experiment: 3, remeasured: true });
  }, 90_000);

  it('the noise margin holds for queued results too', async () => {
    const { repo, gate, sub } = await setup();
    go(gate, '2.0_1.0');
    go(gate, '2.0_0.5'); // Y=0.5 re-applied onto X=2's keep
    const sf = path.join(repo, '.autoresearch/q/state.json');
    const st = JSON.parse(readFileSync(sf, 'utf8'));
    writeFileSync(sf, JSON.stringify({ ...st, noise: { sigma: 0.1, threshold: 0.2, values: [1.5, 1.5] } }));
    set(repo, 'X', '2.0'); // better by 0.3: beyond the margin
    await sub('X=2');
    set(repo, 'Y', '0.5'); // better by 0.075: inside it
    await sub('Y=0.5');
    await until('the queue to empty', () => queueEmpty(repo, 'q') && runnerGone(repo, 'q') && rows(repo).length === 3);
    expect(rows(repo).map((r) => r[3])).toEqual(['keep', 'keep', 'discard']);
    expect(records(repo, 'q')[2].noise.margin).toBeCloseTo(0.075, 6);
  }, 60_000);

  it('a SIGKILLed runner: the cut-off experiment is recorded once as interrupted, its training stopped, the queued one still runs', async () => {
    const { repo, gate, sub, env } = await setup();
    set(repo, 'X', '2.0');
    await sub('X=2');
    set(repo, 'Y', '0.0');
    await sub('Y=0');
    go(gate, '1.0_0.0');
    await until('#2 to start', () => existsSync(path.join(gate, 'started-2.0_1.0')));
    const runner = Number(readFileSync(path.join(repo, '.autoresearch/q/runner.lock'), 'utf8'));
    expect(processesIn(repo).length).toBeGreaterThan(0); // the training of #2, in its slot
    process.kill(runner, 'SIGKILL');
    await until('the runner to die', () => !existsSync(`/proc/${runner}`) || readFileSync(`/proc/${runner}/stat`, 'utf8').includes(') Z'));
    const again = await cli(['queue'], { cwd: repo, env }); // finds the queue without a runner: starts one
    expect(again.exitCode, again.all).toBe(0);
    await until('the queue to empty', () => queueEmpty(repo, 'q') && runnerGone(repo, 'q') && rows(repo).length === 3);
    expect(rows(repo).map((r) => [r[3], r[4]])).toEqual([
      ['keep', 'baseline'],
      ['crash', 'X=2'],
      ['keep', 'Y=0'],
    ]);
    expect(records(repo, 'q')[1]).toMatchObject({ experiment: 2, crashReason: 'interrupted' });
    await until('no process of ours left (the training of #2 was killed, not left waiting)', () => processesIn(repo).length === 0, 10_000);
    expect(existsSync(path.join(gate, 'started-2.0_0.0'))).toBe(false); // never run twice, nor re-applied
  }, 90_000);

  it('bad input and refusals: one sentence, exit 2, nothing touched', async () => {
    const { repo, gate, sub } = await setup();
    expect((await sub('  ')).exitCode).toBe(2);
    const g = await sub('x', ['--gpus', '0,a']);
    expect(g.exitCode).toBe(2);
    expect(g.stderr.trim().split('\n')).toHaveLength(1);
    expect((await cli(['queue', '--cancel', 'two'], { cwd: repo })).exitCode).toBe(2);
    expect((await cli(['queue', '--cancel', '9'], { cwd: repo })).stderr).toMatch(/no experiment #9 in the queue/);
    expect((await cli(['results', '--since', '-1'], { cwd: repo })).exitCode).toBe(2);
    writeFileSync(path.join(repo, 'autoresearch.yaml'), readFileSync(path.join(repo, 'autoresearch.yaml'), 'utf8') + '# mine\n');
    const foreign = await sub('cfg');
    expect(foreign.exitCode).toBe(2);
    expect(foreign.stderr).toMatch(/autoresearch\.yaml changed; nothing was submitted/);
    expect(readFileSync(path.join(repo, 'autoresearch.yaml'), 'utf8')).toMatch(/# mine/);
    git(repo, ['checkout', 'autoresearch.yaml']);
    set(repo, 'X', '2.0');
    await sub('X=2');
    await until('#2 to start', () => existsSync(path.join(gate, 'started-2.0_1.0')));
    const run = await cli(['run', '-m', 'now'], { cwd: repo });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/queued experiments are running/);
    const cancel = await cli(['queue', '--cancel', '2'], { cwd: repo });
    expect(cancel.stdout).toMatch(/#2 is being stopped/);
    await until('the queue to empty', () => queueEmpty(repo, 'q') && runnerGone(repo, 'q') && rows(repo).length === 2);
    expect(records(repo, 'q')[1]).toMatchObject({ experiment: 2, status: 'crash', crashReason: 'interrupted' });
  }, 60_000);
});
