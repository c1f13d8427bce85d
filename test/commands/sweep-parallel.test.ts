// `sweep --parallel K` and `--gpus`: runs side by side on the local executor (real processes, real git).
import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync, readdirSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { BIN, jobRepo, makeRepo, tempDir, cli, git, cleanupRepos } from '../helpers/repo.js';
import { stillRunning } from '../../src/adapters/procs.js';
import { rendezvous, rows } from '../helpers/experiments.js';
import { until } from '../helpers/until.js';

afterAll(cleanupRepos);

const records = (repo: string) =>
  readFileSync(path.join(repo, '.autoresearch', 't', 'runs.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: number; description: string; status: string; crashReason?: string; value: number | null; log: string; commit: string; parent: string });
async function initRepo(job: string, files: Record<string, string>): Promise<string> {
  const repo = jobRepo(job, { budget_seconds: 60 }, files);
  const r = await cli(['init', '--tag', 't'], { cwd: repo });
  expect(r.exitCode, r.all).toBe(0);
  return repo;
}

describe('sweep side by side', () => {
  it('--gpus 4,7: batches from the same parent, one run per device, every run recorded, at most one kept per batch, the branch on the best', async () => {
    const repo = await initRepo('rendezvous.py', { 'grid.yaml': 'strategy: grid\nparameters:\n  X: [2.0, 3.0, 5.0, 4.0]\n' });
    const r = await cli(['sweep', 'grid.yaml', '--gpus', '4,7'], { cwd: repo, env: rendezvous(2), timeout: 150_000 });
    expect(r.exitCode, r.all).toBe(0);
    // Batch 1 (X=2, X=3) from the baseline: X=3 is the best and kept, X=2 discarded though it beat the baseline.
    // Batch 2 (X=5, X=4) from X=3: neither beats it. Rows in the order their fate was known.
    const recs = records(repo);
    expect(recs.map((x) => x.id)).toEqual([1, 2, 3, 4, 5]);
    expect(recs.slice(1, 3).map((x) => [x.description, x.status])).toEqual([
      ['X=2.0', 'discard'],
      ['X=3.0', 'keep'],
    ]);
    expect(recs.slice(3).map((x) => [x.description, x.status]).sort()).toEqual([
      ['X=4.0', 'discard'],
      ['X=5.0', 'discard'],
    ]);
    // Each batch's runs share the parent: the kept state when the batch started.
    expect(recs[1]!.parent).toBe(recs[0]!.commit);
    expect(recs[2]!.parent).toBe(recs[0]!.commit);
    expect(recs[3]!.parent).toBe(recs[2]!.commit);
    expect(recs[4]!.parent).toBe(recs[2]!.commit);
    for (const x of recs.slice(1)) expect(readFileSync(path.join(repo, x.log), 'utf8')).toMatch(/met [2-9] of 2/);
    // Each run of a batch had its own device.
    const device = (x: { log: string }) => /^CUDA_VISIBLE_DEVICES=(.*)$/m.exec(readFileSync(path.join(repo, x.log), 'utf8'))?.[1];
    expect(recs.slice(1, 3).map(device).sort()).toEqual(['4', '7']);
    expect(recs.slice(3).map(device).sort()).toEqual(['4', '7']);
    expect(rows(repo).map((x) => x[3])).toEqual(['keep', 'discard', 'keep', 'discard', 'discard']);
    expect(readFileSync(path.join(repo, 'train.py'), 'utf8')).toMatch(/^X = 3\.0$/m);
    expect(git(repo, ['log', '-1', '--format=%s'])).toBe('keep: X=3.0 (val_bpb 1.0000, -0.4000)');
    expect(git(repo, ['rev-parse', 'HEAD'])).toBe(recs[2]!.commit);
    expect(git(repo, ['status', '--porcelain'])).toBe('');
    // The batch's worktrees are gone; every run has its ref.
    expect(git(repo, ['worktree', 'list']).split('\n')).toHaveLength(1);
    expect(git(repo, ['for-each-ref', '--format=%(refname)', 'refs/autoresearch/t/']).split('\n')).toHaveLength(5);

    const again = await cli(['sweep', 'grid.yaml', '--gpus', '4,7'], { cwd: repo });
    expect(again.exitCode, again.all).toBe(0);
    expect(again.stdout).toMatch(/Done: 0 new runs, 4 already in the ledger\./);
  }, 180_000);

  it('greedy --parallel 3: one coordinate side by side, converges as one at a time would', async () => {
    const repo = await initRepo('quadratic.py', { 'greedy.yaml': 'strategy: greedy\nparameters:\n  A: [1.0, 2.0, 3.0]\n  B: [-1.0, 0.0]\n' });
    const r = await cli(['sweep', 'greedy.yaml', '--parallel', '3'], { cwd: repo, timeout: 150_000 });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toMatch(/converged after 2 passes/);
    const text = readFileSync(path.join(repo, 'train.py'), 'utf8');
    expect(text).toMatch(/^A = 2\.0$/m);
    expect(text).toMatch(/^B = -1\.0$/m);
    const recs = records(repo);
    // Pass 1: A=1, 2, 3 at once (A=2 kept), then B=-1 (kept); pass 2: A=1 and 3 with B=-1 at once; B=0 is known.
    expect(recs.filter((x) => x.status === 'keep').map((x) => x.description)).toEqual(['baseline', 'A=2.0 B=0.0', 'A=2.0 B=-1.0']);
    expect(recs.map((x) => x.description).sort()).toEqual(['A=1.0 B=-1.0', 'A=1.0 B=0.0', 'A=2.0 B=-1.0', 'A=2.0 B=0.0', 'A=3.0 B=-1.0', 'A=3.0 B=0.0', 'baseline']);
    expect(git(repo, ['status', '--porcelain'])).toBe('');
  }, 180_000);

  it('greedy --parallel resumed after SIGINT replays the same path: no point measured twice, the start point never rerun', async () => {
    // B = -1 (the second coordinate) announces itself and waits, so SIGINT falls during it.
    const train = 'import os, time\nA = 0.0\nB = 0.0\nif B == -1.0 and os.environ.get("STARTED"):\n    open(os.environ["STARTED"], "w").close()\n    time.sleep(30)\nprint("---")\nprint(f"val_bpb: {1 + (A - 2) ** 2 + (B + 1) ** 2:.6f}")\n';
    const repo = makeRepo({
      'train.py': train,
      'prepare.py': '# read-only\n',
      'autoresearch.yaml': 'command: python3 train.py\nbudget_seconds: 60\nkill_grace_seconds: 1\n',
      'greedy.yaml': 'strategy: greedy\nparameters:\n  A: [0.0, 2.0, 3.0]\n  B: [0.0, -1.0]\n',
    });
    expect((await cli(['init', '--tag', 't'], { cwd: repo })).exitCode).toBe(0);
    const started = path.join(tempDir('ar-started-'), 'b');
    const p = execa('node', [BIN, 'sweep', 'greedy.yaml', '--parallel', '2'], { cwd: repo, env: { ...process.env, NO_COLOR: '1', STARTED: started }, reject: false, all: true, timeout: 120_000 });
    await until('B = -1 running', () => existsSync(started), 90_000);
    p.kill('SIGINT');
    const first = await p;
    expect(first.exitCode, first.all).toBe(130);
    expect(records(repo).map((x) => [x.description, x.crashReason ?? x.status]).sort()).toEqual([
      ['A=2.0 B=-1.0', 'interrupted'],
      ['A=2.0 B=0.0', 'keep'],
      ['A=3.0 B=0.0', 'discard'],
      ['baseline', 'keep'],
    ]);
    // Resumed from the saved start (A=0, B=0): pass 1's A batch is replayed (A=2 kept again), not measured from A=2.
    const again = await cli(['sweep', 'greedy.yaml', '--parallel', '2'], { cwd: repo, timeout: 150_000 });
    expect(again.exitCode, again.all).toBe(0);
    expect(again.stdout).toMatch(/Replayed 2 runs already in the ledger/);
    expect(again.stdout).toMatch(/converged after 2 passes/);
    const recs = records(repo);
    const measured = recs.filter((x) => x.crashReason !== 'interrupted').map((x) => x.description);
    expect(new Set(measured).size).toBe(measured.length);
    // The start point is the baseline: a pass that comes back to it (A=0, B=0) does not measure it again.
    expect(measured).not.toContain('A=0.0 B=0.0');
    expect(measured.sort()).toEqual(['A=0.0 B=-1.0', 'A=2.0 B=-1.0', 'A=2.0 B=0.0', 'A=3.0 B=-1.0', 'A=3.0 B=0.0', 'baseline']);
    const text = readFileSync(path.join(repo, 'train.py'), 'utf8');
    expect(text).toMatch(/^A = 2\.0$/m);
    expect(text).toMatch(/^B = -1\.0$/m);
    expect(git(repo, ['status', '--porcelain'])).toBe('');
  }, 240_000);

  it('the next batch is checked out and committed while one trains, used when nothing was kept, made again on a keep', async () => {
    const repo = await initRepo('rendezvous.py', { 'grid.yaml': 'strategy: grid\nparameters:\n  X: [0.0, -1.0, 3.0, 6.0, 4.0, 2.5]\n' });
    // Three must meet and a batch is two: batch 1 waits until the test is the third.
    const env = rendezvous(3);
    const child = execa('node', [BIN, 'sweep', 'grid.yaml', '--parallel', '2'], { cwd: repo, reject: false, all: true, env: { ...env, NO_COLOR: '1' } });
    const slots = path.join(repo, '.autoresearch', 't', 'slots');
    const head = (n: number) => {
      try {
        return git(path.join(slots, String(n)), ['log', '-1', '--format=%H %P %s']);
      } catch {
        return '';
      }
    };
    const baseline = git(repo, ['rev-parse', 'HEAD']);
    // While batch 1 (X=0, X=-1) waits, checkouts 2 and 3 hold batch 2's points committed on the same parent.
    await until('batch 2 made ahead', () => / X=6\.0$/.test(head(3)) && / X=3\.0$/.test(head(2)), 90_000);
    expect(readdirSync(env.RENDEZVOUS!)).toHaveLength(2);
    const ahead = [head(2), head(3)].map((l) => l.split(' '));
    for (const [, parent] of ahead) expect(parent).toBe(baseline);
    writeFileSync(path.join(env.RENDEZVOUS!, 'the-test'), '');
    const r = await child;
    expect(r.exitCode, r.all).toBe(0);
    const recs = records(repo);
    const by = (d: string) => recs.find((x) => x.description === d)!;
    // Batch 2 trained the commits made ahead (a kept one is reworded: same tree); it kept X=3, so batch 3 is made again on it.
    expect(by('X=6.0').commit).toBe(ahead[1]![0]);
    expect(git(repo, ['rev-parse', `${by('X=3.0').commit}^{tree}`])).toBe(git(repo, ['rev-parse', `${ahead[0]![0]}^{tree}`]));
    expect(by('X=3.0').status).toBe('keep');
    for (const d of ['X=4.0', 'X=2.5']) expect(by(d).parent).toBe(by('X=3.0').commit);
    expect([by('X=4.0').value, by('X=2.5').value]).toEqual([1.1, 1.025]);
    expect(recs.filter((x) => x.status === 'keep').map((x) => x.description)).toEqual(['baseline', 'X=3.0']);
    expect(git(repo, ['rev-parse', 'HEAD'])).toBe(by('X=3.0').commit);
    expect(git(repo, ['worktree', 'list']).split('\n')).toHaveLength(1);
  }, 180_000);

  it('a SIGKILLed parallel sweep: the next command stops its runs and records each once as interrupted', async () => {
    const repo = await initRepo('rendezvous.py', { 'grid.yaml': 'strategy: grid\nparameters:\n  X: [2.0, 3.0]\n' });
    // Three must meet and only two run: both wait until killed.
    const env = rendezvous(3);
    const child = execa('node', [BIN, 'sweep', 'grid.yaml', '--parallel', '2'], { cwd: repo, reject: false, env: { ...env, NO_COLOR: '1' } });
    const state = path.join(repo, '.autoresearch', 't');
    const start = Date.now();
    while (readdirSync(env.RENDEZVOUS!).length < 2) {
      if (Date.now() - start > 90_000) throw new Error('the two runs never started');
      await new Promise((res) => setTimeout(res, 100));
    }
    child.kill('SIGKILL');
    await child;
    const markers = readdirSync(state).filter((f) => /^pending-\d+\.json$/.test(f));
    expect(markers).toHaveLength(2);
    const groups = markers.map((f) => (JSON.parse(readFileSync(path.join(state, f), 'utf8')) as { pid: number }).pid);
    const next = await cli(['run', '-m', 'after'], { cwd: repo, env: { RENDEZVOUS_N: '1' } });
    expect(next.exitCode, next.all).toBe(0);
    const recs = records(repo);
    expect(recs.map((x) => [x.id, x.status, x.crashReason ?? null])).toEqual([
      [1, 'keep', null],
      [2, 'crash', 'interrupted'],
      [3, 'crash', 'interrupted'],
      [4, 'discard', null],
    ]);
    expect(recs.slice(1, 3).map((x) => x.description).sort()).toEqual(['X=2.0', 'X=3.0']);
    expect(readdirSync(state).filter((f) => /^pending-\d+\.json$/.test(f))).toEqual([]);
    // Their process groups were stopped (they would have waited for a third run for two minutes).
    for (let i = 0; i < 100 && (await stillRunning(groups)).length; i++) await new Promise((res) => setTimeout(res, 50));
    expect(await stillRunning(groups)).toEqual([]);
    expect(existsSync(path.join(repo, recs[1]!.log))).toBe(true);
  }, 180_000);

  it('bad --parallel and --gpus: exit 2 in one sentence, nothing run', async () => {
    // Refused before anything is read from the tag: no init needed.
    const repo = jobRepo('summary.py', {}, { 'grid.yaml': 'strategy: grid\nparameters:\n  X: [2.0]\n' });
    for (const [args, msg] of [
      [['--parallel', '0'], /--parallel must be a whole number from 1 to 64, not "0"/],
      [['--parallel', 'two'], /--parallel must be a whole number/],
      [['--gpus', '0,0'], /names GPU 0 twice/],
      [['--gpus', '0', '--parallel', '2'], /--parallel 2 is more than the 1 GPUs of --gpus/],
    ] as const) {
      const r = await cli(['sweep', 'grid.yaml', ...args], { cwd: repo });
      expect(r.exitCode, r.all).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    const slurm = jobRepo('summary.py', { executor: { kind: 'slurm' } }, { 'grid.yaml': 'strategy: grid\nparameters:\n  X: [2.0]\n' });
    const r = await cli(['sweep', 'grid.yaml', '--gpus', '0,1'], { cwd: slurm });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/the scheduler gives each run its GPU: use --parallel K, not --gpus/);
    expect(git(repo, ['status', '--porcelain'])).toBe('');
  }, 120_000);
});
