import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync, writeFileSync, existsSync, copyFileSync } from 'node:fs';
import path from 'node:path';
import { jobRepo, cli, git, cleanupRepos, JOBS, processesMatching, isLive } from '../helpers/repo.js';

afterAll(cleanupRepos);

const rows = (repo: string) => readFileSync(path.join(repo, 'results.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
const records = (repo: string, tag = 't1') =>
  readFileSync(path.join(repo, '.autoresearch', tag, 'runs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const setX = (repo: string, x: string) => {
  const f = path.join(repo, 'train.py');
  writeFileSync(f, readFileSync(f, 'utf8').replace(/^X = .*$/m, `X = ${x}`));
};
const useJob = (repo: string, job: string) => copyFileSync(path.join(JOBS, job), path.join(repo, 'train.py'));

async function initRepo(job = 'summary.py', cfg: Record<string, unknown> = {}) {
  const repo = jobRepo(job, cfg);
  const r = await cli(['init', '--tag', 't1'], { cwd: repo });
  expect(r.exitCode, r.all).toBe(0);
  return repo;
}

describe('init + run on a real repo', () => {
  it('better, worse, crash: 4 rows, the branch on the better commit, no stray process', async () => {
    const repo = await initRepo();
    setX(repo, '2.0');
    const better = await cli(['run', '-m', 'X=2'], { cwd: repo });
    expect(better.exitCode, better.all).toBe(0);
    expect(better.stdout).toMatch(/^status: +keep$/m);
    const kept = git(repo, ['rev-parse', 'HEAD']);
    setX(repo, '1.5');
    const worse = await cli(['run', '-m', 'X=1.5'], { cwd: repo });
    expect(worse.stdout).toMatch(/^status: +discard$/m);
    expect(worse.stdout).toMatch(/val_bpb: +1\.225000 \(\+0\.125000 vs best 1\.100000\)/);
    setX(repo, 'oops(');
    const crash = await cli(['run', '-m', 'syntax error'], { cwd: repo });
    expect(crash.exitCode).toBe(0);
    expect(crash.stdout).toMatch(/^status: +crash \(error\)$/m);
    expect(crash.stdout).toMatch(/SyntaxError/);

    const r = rows(repo);
    expect(r.map((x) => [x[1], x[2], x[3], x[4]])).toEqual([
      ['1.400000', '2.0', 'keep', 'baseline'],
      ['1.100000', '2.0', 'keep', 'X=2'],
      ['1.225000', '2.0', 'discard', 'X=1.5'],
      ['0.000000', '0.0', 'crash', 'syntax error'],
    ]);
    expect(r[1]![0]).toBe(kept.slice(0, 7));
    // The kept commit says what was found; the branch, its run's ref, runs.jsonl and results.tsv name the same commit.
    expect(git(repo, ['log', '-1', '--format=%s', kept])).toBe('keep: X=2 (val_bpb 1.1000, -0.3000)');
    expect(git(repo, ['rev-parse', 'refs/autoresearch/t1/2'])).toBe(kept);
    expect(git(repo, ['log', '-1', '--format=%s', 'refs/autoresearch/t1/3'])).toBe('X=1.5');
    expect(git(repo, ['rev-parse', 'HEAD'])).toBe(kept);
    expect(git(repo, ['status', '--porcelain', '--untracked-files=no'])).toBe('');
    expect(readFileSync(path.join(repo, 'train.py'), 'utf8')).toMatch(/^X = 2\.0$/m);
    // Every attempt stays reachable for the report and for compare.
    expect(git(repo, ['rev-parse', '--short=7', 'refs/autoresearch/t1/3'])).toBe(r[2]![0]);
    const recs = records(repo);
    expect(recs.map((x) => x.status)).toEqual(['keep', 'keep', 'discard', 'crash']);
    expect(recs[1].commit).toBe(kept);
    expect(recs[1]).toMatchObject({ linesAdded: 1, linesRemoved: 1, bestBefore: 1.4, metrics: { val_bpb: 1.1, peak_vram_mb: 2048 } });
    expect(recs[3].crashReason).toBe('error');
    expect(processesMatching(repo)).toEqual([]);
  });

  it('a rerun of the kept commit measures noise and never moves the best', async () => {
    const repo = await initRepo();
    const r = await cli(['run', '-m', 'seed 1', '--seed', '1'], { cwd: repo });
    expect(r.stdout).toMatch(/^status: +discard$/m);
    expect(records(repo)[1]).toMatchObject({ seed: 1, status: 'discard', linesAdded: 0 });
    expect(git(repo, ['rev-list', '--count', 'HEAD'])).toBe('1');
  });

  it('folds commits the agent made by hand into one experiment', async () => {
    const repo = await initRepo();
    setX(repo, '2.5');
    git(repo, ['commit', '-qam', 'agent commit 1']);
    setX(repo, '3.0');
    const r = await cli(['run', '-m', 'X=3'], { cwd: repo });
    expect(r.stdout).toMatch(/^status: +keep$/m);
    expect(git(repo, ['log', '--format=%s', '-2'])).toBe('keep: X=3 (val_bpb 1.0000, -0.4000)\ninitial');
  });
});

describe('crash classes', () => {
  const cases: Array<[string, string, Record<string, unknown>?]> = [
    ['oom.py', 'oom'],
    ['nan.py', 'nan'],
    ['fail.py', 'nan'],
    ['error.py', 'error'],
    ['no_metric.py', 'no-metric'],
  ];
  it.each(cases)('%s is a crash with reason %s', async (job, reason) => {
    const repo = await initRepo();
    useJob(repo, job);
    const r = await cli(['run', '-m', job], { cwd: repo });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toContain(`crash (${reason})`);
    const rec = records(repo)[1];
    expect(rec).toMatchObject({ status: 'crash', crashReason: reason, value: null });
    expect(rows(repo)[1]!.slice(1, 4)).toEqual(['0.000000', '0.0', 'crash']);
    expect(readFileSync(path.join(repo, 'train.py'), 'utf8')).toBe(readFileSync(path.join(JOBS, 'summary.py'), 'utf8'));
  });

  it('a job that hangs is killed at 2x the budget as a timeout', async () => {
    const repo = await initRepo('summary.py', { budget_seconds: 1 });
    useJob(repo, 'sleep_forever.py');
    const t0 = Date.now();
    const r = await cli(['run', '-m', 'hang'], { cwd: repo });
    expect(r.stdout).toContain('crash (timeout)');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2000);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(records(repo)[1]).toMatchObject({ crashReason: 'timeout', timedOut: true });
    expect(processesMatching(repo)).toEqual([]);
  });

  it('a job that ignores SIGTERM and forks a child loses its whole tree', async () => {
    const repo = await initRepo('summary.py', { budget_seconds: 1, kill_grace_seconds: 1 });
    useJob(repo, 'ignore_term.py');
    const pidFile = path.join(repo, '..', path.basename(repo) + '.child');
    const r = await cli(['run', '-m', 'stubborn'], { cwd: repo, env: { CHILD_PID_FILE: pidFile } });
    expect(r.stdout).toContain('crash (timeout)');
    expect(existsSync(pidFile)).toBe(true);
    const child = Number(readFileSync(pidFile, 'utf8').trim());
    expect(isLive(child)).toBe(false);
    expect(processesMatching(repo)).toEqual([]);
  });
});

describe('guards', () => {
  it('a change outside the editable files is refused before anything runs, and left alone', async () => {
    const repo = await initRepo();
    writeFileSync(path.join(repo, 'autoresearch.yaml'), readFileSync(path.join(repo, 'autoresearch.yaml'), 'utf8') + '# mine\n');
    setX(repo, '2.0');
    const r = await cli(['run', '-m', 'sneaky'], { cwd: repo });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/autoresearch\.yaml changed; nothing was run or reverted/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(rows(repo)).toHaveLength(1);
    expect(readFileSync(path.join(repo, 'autoresearch.yaml'), 'utf8')).toMatch(/# mine/);
    expect(readFileSync(path.join(repo, 'train.py'), 'utf8')).toMatch(/^X = 2\.0$/m);
  });

  it('editing the read-only file is a violation: recorded, reverted, never kept', async () => {
    const repo = await initRepo();
    writeFileSync(path.join(repo, 'prepare.py'), '# easier eval\n');
    setX(repo, '3.0');
    const r = await cli(['run', '-m', 'tweak eval'], { cwd: repo });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/violation: read-only prepare\.py changed/);
    expect(rows(repo)[1]!.slice(3)).toEqual(['discard', 'tweak eval [violation: read-only prepare.py changed]']);
    expect(readFileSync(path.join(repo, 'prepare.py'), 'utf8')).toBe('# read-only data preparation\n');
    expect(readFileSync(path.join(repo, 'train.py'), 'utf8')).toMatch(/^X = 1\.0$/m);
  });

  it('a new dependency manifest is a violation and is removed with the revert', async () => {
    const repo = await initRepo();
    writeFileSync(path.join(repo, 'requirements.txt'), 'torch\n');
    const r = await cli(['run', '-m', 'add torch'], { cwd: repo });
    expect(r.stdout).toMatch(/dependency manifest requirements\.txt changed/);
    expect(existsSync(path.join(repo, 'requirements.txt'))).toBe(false);
    expect(git(repo, ['show', 'refs/autoresearch/t1/2:requirements.txt'])).toBe('torch');
  });

  it('a run outside an autoresearch branch is refused', async () => {
    const repo = jobRepo('summary.py');
    const r = await cli(['run', '-m', 'x'], { cwd: repo });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/not an autoresearch branch/);
  });
});

describe('the ledger survives its editors', () => {
  it('a deleted or rewritten results.tsv is rebuilt from the records, the altered copy archived', async () => {
    const repo = await initRepo();
    writeFileSync(path.join(repo, 'results.tsv'), 'commit\tval_bpb\tmemory_gb\tstatus\tdescription\nabc1234\t0.100000\t0.0\tkeep\tfake\n');
    setX(repo, '2.0');
    await cli(['run', '-m', 'X=2'], { cwd: repo });
    expect(rows(repo).map((x) => x[4])).toEqual(['baseline', 'X=2']);
  });
});
