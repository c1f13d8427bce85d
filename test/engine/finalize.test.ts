import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { jobRepo, cli, git, cleanupRepos } from '../helpers/repo.js';

afterAll(cleanupRepos);

const setX = (repo: string, x: string) => {
  const f = path.join(repo, 'train.py');
  writeFileSync(f, readFileSync(f, 'utf8').replace(/^X = .*$/m, `X = ${x}`));
};

describe('finalize: a branch of what was learned', () => {
  it('one commit per kept run with its finding, or one squashed; the tag branch, index and working tree untouched', async () => {
    const repo = jobRepo('summary.py', { budget_seconds: 15 });
    expect((await cli(['init', '--tag', 't1'], { cwd: repo })).exitCode).toBe(0);
    const base = git(repo, ['rev-parse', 'HEAD']);
    for (const x of ['2.0', '0.0', '2.5', '3.0']) {
      setX(repo, x);
      expect((await cli(['run', '-m', `X=${x}`], { cwd: repo })).exitCode).toBe(0);
    }
    const tip = git(repo, ['rev-parse', 'HEAD']);
    // The user's own work in progress: an edit and an untracked file.
    writeFileSync(path.join(repo, 'train.py'), readFileSync(path.join(repo, 'train.py'), 'utf8') + '# my note\n');
    writeFileSync(path.join(repo, 'scratch.txt'), 'mine\n');
    const statusBefore = git(repo, ['status', '--porcelain']);
    const train = readFileSync(path.join(repo, 'train.py'), 'utf8');

    const r = await cli(['finalize', '--branch', 'findings'], { cwd: repo });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toMatch(/^Branch findings: 3 commits on \w{7} \(where t1 started\), from 3 kept runs:$/m);
    expect(git(repo, ['log', '--format=%s', `${base}..findings`]).split('\n')).toEqual([
      'keep: X=3.0 (val_bpb 1.0000, -0.0250)',
      'keep: X=2.5 (val_bpb 1.0250, -0.0750)',
      'keep: X=2.0 (val_bpb 1.1000, -0.3000)',
    ]);
    expect(git(repo, ['rev-list', '--count', `${base}..findings`])).toBe('3');
    expect(git(repo, ['merge-base', 'findings', base])).toBe(base);
    expect(git(repo, ['rev-parse', 'findings^{tree}'])).toBe(git(repo, ['rev-parse', `${tip}^{tree}`]));
    // Nothing else moved: the tag's branch, HEAD, the index and the working tree.
    expect(git(repo, ['rev-parse', 'autoresearch/t1'])).toBe(tip);
    expect(git(repo, ['symbolic-ref', 'HEAD'])).toBe('refs/heads/autoresearch/t1');
    expect(git(repo, ['status', '--porcelain'])).toBe(statusBefore);
    expect(readFileSync(path.join(repo, 'train.py'), 'utf8')).toBe(train);

    const sq = await cli(['finalize', '--branch', 'findings-squashed', '--squash', '--tag', 't1'], { cwd: repo });
    expect(sq.exitCode, sq.all).toBe(0);
    expect(git(repo, ['rev-list', '--count', `${base}..findings-squashed`])).toBe('1');
    expect(git(repo, ['log', '-1', '--format=%B', 'findings-squashed']).trim()).toBe(
      [
        't1: val_bpb 1.4000 -> 1.0000 in 3 kept runs',
        '',
        '- keep: X=2.0 (val_bpb 1.1000, -0.3000)',
        '- keep: X=2.5 (val_bpb 1.0250, -0.0750)',
        '- keep: X=3.0 (val_bpb 1.0000, -0.0250)',
      ].join('\n'),
    );
    expect(git(repo, ['rev-parse', 'findings-squashed^{tree}'])).toBe(git(repo, ['rev-parse', `${tip}^{tree}`]));

    // An existing branch is refused and left as it was.
    const again = await cli(['finalize', '--branch', 'findings', '--squash'], { cwd: repo });
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toMatch(/^ar-supervise: branch findings exists already; finalize only makes new branches, so pick another name\.$/);
    expect(git(repo, ['rev-list', '--count', `${base}..findings`])).toBe('3');
    const bad = await cli(['finalize', '--branch', 'no..good'], { cwd: repo });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/"no\.\.good" is not a valid branch name/);
    expect(git(repo, ['status', '--porcelain'])).toBe(statusBefore);
  }, 180_000);

  it('refuses a tag that kept nothing beyond its start', async () => {
    const repo = jobRepo('summary.py', { budget_seconds: 15 });
    expect((await cli(['init', '--tag', 't1'], { cwd: repo })).exitCode).toBe(0);
    const r = await cli(['finalize', '--branch', 'findings'], { cwd: repo });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/no run of t1 was kept beyond its starting point/);
    expect(git(repo, ['branch', '--list', 'findings'])).toBe('');
  });
});
