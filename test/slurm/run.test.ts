import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { BIN, JOBS, cleanupRepos, cli, git, jobRepo, requireBuild } from '../helpers/repo.js';
import { SLURM, jobState, slurm, useCluster, waitFor } from './helpers.js';

// `run` on a real one-node Slurm cluster (test/slurm/cluster.sh): every run is a job.

beforeAll(() => {
  requireBuild();
  useCluster();
}, 240_000);
afterAll(cleanupRepos);

const records = (repo: string) =>
  readFileSync(path.join(repo, '.autoresearch/t/runs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const last = (repo: string) => records(repo).at(-1);
const pending = (repo: string) => {
  const f = path.join(repo, '.autoresearch/t/pending.json');
  return existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : null;
};
const useJob = (repo: string, job: string) => copyFileSync(path.join(JOBS, job), path.join(repo, 'train.py'));

// The tests are independent (own repositories, at most one GPU each): they share the node side by side.
describe.concurrent('run on Slurm', () => {
  it('a kept run is a job: its log written by the node, the job in the record, results.tsv unchanged', async () => {
    const repo = jobRepo('summary.py', { ...SLURM, budget_seconds: 5 });
    const init = await cli(['init', '--tag', 't'], { cwd: repo });
    expect(init.exitCode, init.all).toBe(0);
    const r = last(repo);
    expect(r).toMatchObject({ status: 'keep', value: 1.4, job: { engine: 'slurm', state: 'COMPLETED' } });
    expect(r.job.id).toMatch(/^\d+$/);
    expect(r.job.node).toBeTruthy();
    expect(r.job.queuedSeconds).toBeGreaterThanOrEqual(0);
    expect(r.ended.cause).toBe('exit');
    expect(readFileSync(path.join(repo, r.log), 'utf8')).toContain('val_bpb:');
    expect(readFileSync(path.join(repo, 'run.log'), 'utf8')).toContain('val_bpb:');
    expect(slurm('scontrol', ['show', 'job', '-o', r.job.id])).toContain(`JobName=ar-t-1-`);
    // An improvement is kept; the table keeps karpathy's five columns.
    writeFileSync(path.join(repo, 'train.py'), readFileSync(path.join(repo, 'train.py'), 'utf8').replace('X = 1.0', 'X = 2.0'));
    const run = await cli(['run', '-m', 'x to 2'], { cwd: repo });
    expect(run.exitCode, run.all).toBe(0);
    expect(last(repo)).toMatchObject({ status: 'keep', value: 1.1, job: { engine: 'slurm' } });
    const tsv = readFileSync(path.join(repo, 'results.tsv'), 'utf8').trim().split('\n');
    expect(tsv).toHaveLength(3);
    expect(tsv.every((l) => l.split('\t').length === 5)).toBe(true);
  }, 240_000);

  it('a hang is cancelled at the limit of running time: a timeout crash, the job CANCELLED', async () => {
    const repo = jobRepo('sleep_forever.py', { ...SLURM, budget_seconds: 1, timeout_factor: 2 });
    expect((await cli(['init', '--tag', 't', '--no-baseline'], { cwd: repo })).exitCode).toBe(0);
    const run = await cli(['run', '-m', 'hang'], { cwd: repo });
    expect(run.exitCode, run.all).toBe(0);
    const r = last(repo);
    expect(r).toMatchObject({ status: 'crash', crashReason: 'timeout', timedOut: true, job: { state: 'CANCELLED' } });
    expect(r.ended).toMatchObject({ cause: 'timeout' });
    expect(r.ended.atSeconds).toBeGreaterThanOrEqual(2);
    expect(jobState(r.job.id)).toBe('CANCELLED'); // nothing left running
  }, 240_000);

  it('an error and an out-of-memory: FAILED jobs, crashes with their reasons, the traceback in the tail', async () => {
    const repo = jobRepo('error.py', { ...SLURM, budget_seconds: 30 });
    expect((await cli(['init', '--tag', 't', '--no-baseline'], { cwd: repo })).exitCode).toBe(0);
    let run = await cli(['run', '-m', 'error'], { cwd: repo });
    expect(run.exitCode, run.all).toBe(0);
    const r = last(repo);
    expect(r).toMatchObject({ status: 'crash', crashReason: 'error', exitCode: 1, job: { state: 'FAILED' } });
    expect(r.tail).toContain('Traceback');
    useJob(repo, 'oom.py');
    run = await cli(['run', '-m', 'oom'], { cwd: repo });
    expect(run.exitCode, run.all).toBe(0);
    expect(last(repo)).toMatchObject({ status: 'crash', crashReason: 'oom', job: { state: 'FAILED' } });
    expect(git(repo, ['status', '--porcelain', '--untracked-files=no'])).toBe('');
  }, 240_000);

  it('time in the queue is recorded and is not budget: a job held behind another for longer than its limit still keeps', async () => {
    // Both jobs take the cluster's one license: ours waits behind the blocker (Reason=Licenses), the GPUs stay free.
    const repo = jobRepo('summary.py', { executor: { ...SLURM.executor, args: ['--licenses=arhold:1'] }, budget_seconds: 3, timeout_factor: 2 });
    expect((await cli(['init', '--tag', 't', '--no-baseline'], { cwd: repo })).exitCode).toBe(0);
    const blocker = slurm('sbatch', ['--parsable', '--licenses=arhold:1', '--job-name=ar-test-blocker', '-o', '/dev/null', '--wrap', 'sleep 300']).split(';')[0]!;
    try {
      await waitFor(() => jobState(blocker) === 'RUNNING', 60_000);
      const child = execa('node', [BIN, 'run', '-m', 'queued first'], { cwd: repo, reject: false, all: true, env: { NO_COLOR: '1' } });
      // held in the queue for more than the run's whole limit of 6 s, then let go
      const p = await waitFor(() => pending(repo)?.job?.place?.state === 'queued' && pending(repo).job.place.queuedMs > 7000 && pending(repo), 90_000);
      expect(p.job.place.reason).toBe('Licenses');
      slurm('scancel', [blocker]);
      const run = await child;
      expect(run.exitCode, run.all).toBe(0);
      const r = last(repo);
      expect(r).toMatchObject({ status: 'keep', value: 1.4, job: { state: 'COMPLETED' } });
      expect(r.job.queuedSeconds).toBeGreaterThan(7);
      // The morning report says how the cluster treated the night.
      const rep = await cli(['report'], { cwd: repo });
      expect(rep.exitCode, rep.all).toBe(0);
      expect(readFileSync(path.join(repo, '.autoresearch/t/report/report.md'), 'utf8')).toMatch(/^Cluster \(slurm\): 1 run as a job on 1 node \([\w.-]+\); queued \d+ s in all, median \d+ s, longest \d+ s\.$/m);
    } finally {
      slurm('scancel', [blocker]);
    }
  }, 240_000);

  it('a job cancelled from outside is an interrupted crash', async () => {
    const repo = jobRepo('sleep_forever.py', { ...SLURM, budget_seconds: 60 });
    expect((await cli(['init', '--tag', 't', '--no-baseline'], { cwd: repo })).exitCode).toBe(0);
    const child = execa('node', [BIN, 'run', '-m', 'cancelled'], { cwd: repo, reject: false, env: { NO_COLOR: '1' } });
    const p = await waitFor(() => pending(repo)?.job?.place?.state === 'running' && pending(repo), 90_000);
    slurm('scancel', [p.job.id]);
    const res = await child;
    expect(res.exitCode, res.all).toBe(0);
    expect(last(repo)).toMatchObject({ status: 'crash', crashReason: 'interrupted', job: { state: 'CANCELLED', id: p.job.id } });
  }, 240_000);

  it('a SIGKILLed runner leaves its job id in the marker: the next command cancels the job and records the run once', async () => {
    const repo = jobRepo('summary.py', { ...SLURM, budget_seconds: 60 });
    expect((await cli(['init', '--tag', 't', '--no-baseline'], { cwd: repo })).exitCode).toBe(0);
    useJob(repo, 'sleep_forever.py');
    const child = execa('node', [BIN, 'run', '-m', 'cut off'], { cwd: repo, reject: false, env: { NO_COLOR: '1' } });
    const p = await waitFor(() => pending(repo)?.job?.place?.state === 'running' && pending(repo), 90_000);
    // The node reads train.py when python starts, which may be a while after RUNNING: wait until it has.
    await waitFor(() => readFileSync(path.join(repo, p.log), 'utf8').includes('starting training'), 90_000);
    child.kill('SIGKILL');
    await child;
    expect(jobState(p.job.id)).toBe('RUNNING'); // the job outlives its runner
    useJob(repo, 'summary.py');
    const next = await cli(['run', '-m', 'after'], { cwd: repo });
    expect(next.exitCode, next.all).toBe(0);
    await waitFor(() => jobState(p.job.id) === 'CANCELLED', 90_000).catch((e) => {
      throw new Error(`${e.message}\njob: ${slurm('scontrol', ['show', 'job', '-o', p.job.id])}\nnext: ${next.all}\nrecords: ${JSON.stringify(records(repo))}\nmarker: ${JSON.stringify(p)}`);
    });
    expect(records(repo).map((r) => [r.description, r.status, r.crashReason ?? null])).toEqual([
      ['cut off', 'crash', 'interrupted'],
      ['after', 'keep', null],
    ]);
  }, 240_000);

  it('a submission Slurm refuses: exit 2 with its message, no row, the edit still there; init refuses before making anything', async () => {
    const repo = jobRepo('summary.py', SLURM);
    expect((await cli(['init', '--tag', 't', '--no-baseline'], { cwd: repo })).exitCode).toBe(0);
    const head = git(repo, ['rev-parse', 'HEAD']);
    writeFileSync(path.join(repo, 'train.py'), readFileSync(path.join(repo, 'train.py'), 'utf8').replace('X = 1.0', 'X = 2.0'));
    // sbatch reads SBATCH_* from its environment: the cluster now refuses what init's probe could submit
    const run = await cli(['run', '-m', 'refused'], { cwd: repo, env: { SBATCH_PARTITION: 'nosuchpartition' } });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/Slurm refused the job: .*[Pp]artition/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(path.join(repo, '.autoresearch/t/runs.jsonl')) ? records(repo) : []).toEqual([]);
    expect(readFileSync(path.join(repo, 'results.tsv'), 'utf8').trim().split('\n')).toHaveLength(1);
    expect(git(repo, ['rev-parse', 'HEAD'])).toBe(head);
    expect(readFileSync(path.join(repo, 'train.py'), 'utf8')).toContain('X = 2.0');
    expect(pending(repo)).toBeNull();
    expect(git(repo, ['for-each-ref', 'refs/autoresearch/'])).toBe('');

    const bad = jobRepo('summary.py', { executor: { kind: 'slurm', partition: 'nosuchpartition' } });
    const init = await cli(['init', '--tag', 't'], { cwd: bad });
    expect(init.exitCode).toBe(2);
    expect(init.stderr).toMatch(/Slurm refused the job: .*[Pp]artition/);
    expect(git(bad, ['branch', '--list', 'autoresearch/*'])).toBe('');
    expect(git(bad, ['status', '--porcelain'])).toBe('');
  }, 240_000);

  it('init says in one sentence when the compute nodes do not see the repository', async () => {
    // The job runs as another user, who cannot enter the (private) repository: as a node without the file system.
    const repo = jobRepo('summary.py', { executor: { ...SLURM.executor, args: ['--uid=nobody'] } });
    const init = await cli(['init', '--tag', 't'], { cwd: repo });
    expect(init.exitCode).toBe(2);
    expect(init.stderr).toMatch(/compute node.* does not see .*put the repository on a file system the compute nodes share/);
    expect(init.stderr.trim().split('\n')).toHaveLength(1);
    expect(git(repo, ['branch', '--list', 'autoresearch/*'])).toBe('');
    expect(git(repo, ['status', '--porcelain'])).toBe('');
  }, 240_000);

  it('sbatch missing from PATH: exit 2 in one sentence, nothing committed', async () => {
    const repo = jobRepo('summary.py', SLURM);
    expect((await cli(['init', '--tag', 't', '--no-baseline'], { cwd: repo })).exitCode).toBe(0);
    const head = git(repo, ['rev-parse', 'HEAD']);
    writeFileSync(path.join(repo, 'train.py'), '# edited\n');
    // a PATH with node and git but no Slurm
    const bin = mkdtempSync(path.join(tmpdir(), 'ar-nosbatch-'));
    for (const p of [process.execPath, execFileSync('which', ['git'], { encoding: 'utf8' }).trim()]) symlinkSync(p, path.join(bin, path.basename(p)));
    const run = await cli(['run', '-m', 'no sbatch'], { cwd: repo, env: { PATH: bin } });
    rmSync(bin, { recursive: true, force: true });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/needs sbatch, which is not on PATH/);
    expect(git(repo, ['rev-parse', 'HEAD'])).toBe(head);
  }, 240_000);
});
