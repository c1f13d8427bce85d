import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync, readdirSync, existsSync, copyFileSync, writeFileSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { jobRepo, cli, git, cleanupRepos, JOBS, BIN, isLive } from '../helpers/repo.js';

afterAll(cleanupRepos);

const records = (repo: string) =>
  readFileSync(path.join(repo, '.autoresearch/t/runs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

async function waitFor<T>(fn: () => T | null | undefined | false, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function startSlowRun(repo: string) {
  copyFileSync(path.join(JOBS, 'sleep_forever.py'), path.join(repo, 'train.py'));
  const child = execa('node', [BIN, 'run', '-m', 'slow one'], { cwd: repo, reject: false, env: { NO_COLOR: '1' } });
  const pending = path.join(repo, '.autoresearch/t/pending.json');
  const p = await waitFor(() => {
    if (!existsSync(pending)) return null;
    const j = JSON.parse(readFileSync(pending, 'utf8'));
    return j.pid ? j : null;
  });
  return { child, trainingPid: p.pid as number, commit: p.commit as string };
}

describe('a runner that dies while committing the edit', () => {
  // The marker is written before the commit (commit still ""): the commit, if it was made, is no run yet.
  async function cutOff(committed: boolean) {
    const repo = jobRepo('summary.py', { budget_seconds: 30 });
    expect((await cli(['init', '--tag', 't'], { cwd: repo })).exitCode).toBe(0);
    const base = git(repo, ['rev-parse', 'HEAD']);
    const f = path.join(repo, 'train.py');
    writeFileSync(f, readFileSync(f, 'utf8').replace(/^X = .*$/m, 'X = 2.0'));
    if (committed) git(repo, ['commit', '-qam', 'X=2']);
    const gone = execa('true');
    await gone;
    const dead = gone.pid!; // a runner that has exited
    const pending = { id: 2, pid: null, runner: dead, commit: '', parent: base, description: 'X=2', start: new Date().toISOString(), log: '.autoresearch/t/logs/2.log' };
    writeFileSync(path.join(repo, '.autoresearch/t/pending.json'), JSON.stringify(pending));
    const next = await cli(['run', '-m', 'next'], { cwd: repo });
    expect(next.exitCode, next.all).toBe(0);
    return { repo, base };
  }

  for (const committed of [true, false]) {
    it(`${committed ? 'after' : 'before'} the commit: no row for it, the edit measured as the next run, the branch one run long`, async () => {
      const { repo, base } = await cutOff(committed);
      expect(records(repo).map((r) => [r.id, r.description])).toEqual([
        [1, 'baseline'],
        [2, 'next'],
      ]);
      expect(git(repo, ['log', '--format=%s', `${base}..autoresearch/t`])).toMatch(/^keep: next \(val_bpb [^\n]*\)$/);
      expect(git(repo, ['show', '--format=', records(repo)[1].commit])).toMatch(/^\+X = 2\.0$/m);
      expect(existsSync(path.join(repo, '.autoresearch/t/pending.json'))).toBe(false);
    });
  }
});

describe('a runner that dies while naming a kept commit', () => {
  // The kept commit is replaced by a renamed copy (same tree) just before its row is written: both are in pending.json.
  async function cutOff(recorded: boolean) {
    const repo = jobRepo('summary.py', { budget_seconds: 30 });
    expect((await cli(['init', '--tag', 't'], { cwd: repo })).exitCode).toBe(0);
    const base = git(repo, ['rev-parse', 'HEAD']);
    const f = path.join(repo, 'train.py');
    writeFileSync(f, readFileSync(f, 'utf8').replace(/^X = .*$/m, 'X = 2.0'));
    git(repo, ['commit', '-qam', 'X=2']);
    const commit = git(repo, ['rev-parse', 'HEAD']);
    const kept = git(repo, ['commit-tree', `${commit}^{tree}`, '-p', base, '-m', 'keep: X=2 (val_bpb 1.1000, -0.3000)']);
    git(repo, ['update-ref', 'refs/heads/autoresearch/t', kept, commit]);
    const gone = execa('true');
    await gone;
    const dead = gone.pid!; // a runner that has exited
    const pending = { id: 2, pid: null, runner: dead, commit, parent: base, description: 'X=2', start: new Date().toISOString(), log: '.autoresearch/t/logs/2.log', kept };
    writeFileSync(path.join(repo, '.autoresearch/t/pending.json'), JSON.stringify(pending));
    if (recorded) {
      const rec = { ...records(repo)[0], id: 2, commit: kept, parent: base, description: 'X=2', value: 1.1, bestBefore: 1.4 };
      appendFileSync(path.join(repo, '.autoresearch/t/runs.jsonl'), JSON.stringify(rec) + '\n');
      appendFileSync(path.join(repo, 'results.tsv'), `${kept.slice(0, 7)}\t1.100000\t2.0\tkeep\tX=2\n`);
    }
    const next = await cli(['run', '-m', 'next'], { cwd: repo });
    expect(next.exitCode, next.all).toBe(0);
    return { repo, base, commit, kept };
  }

  it('after the branch moved, before the row: recorded once as interrupted, the branch back on the last keep', async () => {
    const { repo, base, commit } = await cutOff(false);
    const recs = records(repo);
    expect(recs.map((r) => [r.id, r.description, r.status, r.crashReason ?? null])).toEqual([
      [1, 'baseline', 'keep', null],
      [2, 'X=2', 'crash', 'interrupted'],
      [3, 'next', 'discard', null],
    ]);
    expect(recs[1].commit).toBe(commit);
    expect(git(repo, ['rev-parse', 'HEAD'])).toBe(base);
  });

  it('after the row: the renamed commit stays kept, nothing recorded twice', async () => {
    const { repo, kept } = await cutOff(true);
    const recs = records(repo);
    expect(recs.map((r) => [r.id, r.status])).toEqual([
      [1, 'keep'],
      [2, 'keep'],
      [3, 'discard'],
    ]);
    expect(git(repo, ['rev-parse', 'HEAD'])).toBe(kept);
  });
});

describe('a runner that dies mid-run', () => {
  it('SIGKILLed: the next run records it once as interrupted, kills its training, and resets the branch', async () => {
    const repo = jobRepo('summary.py', { budget_seconds: 30 });
    expect((await cli(['init', '--tag', 't'], { cwd: repo })).exitCode).toBe(0);
    const base = git(repo, ['rev-parse', 'HEAD']);
    const { child, trainingPid, commit } = await startSlowRun(repo);
    child.kill('SIGKILL');
    await child;
    expect(isLive(trainingPid)).toBe(true); // its own process group outlives the runner
    expect(git(repo, ['rev-parse', 'HEAD'])).toBe(commit);

    const next = await cli(['run', '-m', 'after the crash'], { cwd: repo });
    expect(next.exitCode, next.all).toBe(0);
    expect(isLive(trainingPid)).toBe(false);
    const recs = records(repo);
    expect(recs.map((r) => [r.description, r.status, r.crashReason ?? null])).toEqual([
      ['baseline', 'keep', null],
      ['slow one', 'crash', 'interrupted'],
      ['after the crash', 'discard', null], // a rerun of the baseline: nothing changed after the reset
    ]);
    expect(git(repo, ['rev-parse', 'HEAD'])).toBe(base);
    expect(readFileSync(path.join(repo, 'results.tsv'), 'utf8').trim().split('\n')).toHaveLength(4);
    // And once only: a further run adds exactly one row.
    await cli(['run', '-m', 'again'], { cwd: repo });
    expect(records(repo)).toHaveLength(4);
  });

  it('SIGINT: the run is recorded as interrupted, the branch reset, exit 130', async () => {
    const repo = jobRepo('summary.py', { budget_seconds: 30 });
    expect((await cli(['init', '--tag', 't'], { cwd: repo })).exitCode).toBe(0);
    const base = git(repo, ['rev-parse', 'HEAD']);
    const { child, trainingPid } = await startSlowRun(repo);
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect(r.stdout).toContain('crash (interrupted)');
    expect(isLive(trainingPid)).toBe(false);
    expect(records(repo).map((x) => x.crashReason ?? x.status)).toEqual(['keep', 'interrupted']);
    expect(git(repo, ['rev-parse', 'HEAD'])).toBe(base);
  });

  it('a second run while one is in progress is refused, not queued', async () => {
    const repo = jobRepo('summary.py', { budget_seconds: 30 });
    expect((await cli(['init', '--tag', 't'], { cwd: repo })).exitCode).toBe(0);
    const { child } = await startSlowRun(repo);
    const second = await cli(['run', '-m', 'concurrent'], { cwd: repo });
    expect(second.exitCode).toBe(2);
    expect(second.stderr).toMatch(/another experiment is running in this checkout \(pid \d+\)/);
    child.kill('SIGINT');
    await child;
  });
});

describe('a damaged pending marker', () => {
  it('is set aside for a person, not deleted, and the next run goes on', async () => {
    const repo = jobRepo('summary.py', { budget_seconds: 30 });
    expect((await cli(['init', '--tag', 't'], { cwd: repo })).exitCode).toBe(0);
    writeFileSync(path.join(repo, '.autoresearch/t/pending.json'), '{"id": 2, "commit": ');
    const next = await cli(['run', '-m', 'next'], { cwd: repo });
    expect(next.exitCode, next.all).toBe(0);
    expect(records(repo).map((r) => r.description)).toEqual(['baseline', 'next']);
    const aside = readdirSync(path.join(repo, '.autoresearch/t')).filter((f) => f.startsWith('pending.json.damaged-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(path.join(repo, '.autoresearch/t', aside[0]!), 'utf8')).toBe('{"id": 2, "commit": ');
  });
});
