import { describe, it, expect, afterAll } from 'vitest';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { jobRepo, makeRepo, cli, git, cleanupRepos, ROOT } from '../helpers/repo.js';

// Off an autoresearch branch, results go to a temp folder of their own: remove those we made.
const resultDirs: string[] = [];
afterAll(() => {
  cleanupRepos();
  for (const d of resultDirs) if (path.basename(d).startsWith('ar-compare-')) rmSync(d, { recursive: true, force: true });
});

// A 1 s budget, but a generous kill limit: a loaded test machine must not turn runs into timeouts.
const CFG = { budget_seconds: 1, timeout_factor: 20 };

function setX(repo: string, x: string, message: string): void {
  const f = path.join(repo, 'train.py');
  writeFileSync(f, readFileSync(f, 'utf8').replace(/^X = .*$/m, `X = ${x}`));
  git(repo, ['commit', '-qam', message]);
}

function snapshot(repo: string) {
  return {
    branch: git(repo, ['branch', '--show-current']),
    head: git(repo, ['rev-parse', 'HEAD']),
    status: git(repo, ['status', '--porcelain', '--ignored']),
    trainPy: readFileSync(path.join(repo, 'train.py'), 'utf8'),
    worktrees: git(repo, ['worktree', 'list', '--porcelain']),
  };
}

function resultsFile(stdout: string): string {
  const m = /^results: (.+\.json)$/m.exec(stdout);
  expect(m, stdout).not.toBeNull();
  if (m![1]!.startsWith(tmpdir())) resultDirs.push(path.dirname(m![1]!));
  return m![1]!;
}

describe('ar-supervise compare', () => {
  it('--parallel 4: every run of both commits at once (they meet before reporting), results in the order A0 B0 A1 B1', async () => {
    const repo = jobRepo('rendezvous.py', CFG); // X = 1.0: val_bpb 1.4
    setX(repo, '3.0', 'X = 3'); // val_bpb 1.0
    const rv = mkdtempSync(path.join(tmpdir(), 'ar-rv-'));
    const r = await cli(['compare', 'HEAD~1', 'HEAD', '--seeds', '2', '--parallel', '4'], { cwd: repo, timeout: 150_000, env: { RENDEZVOUS: rv, RENDEZVOUS_N: '4' } });
    rmSync(rv, { recursive: true, force: true });
    expect(r.exitCode, r.all).toBe(0);
    const res = JSON.parse(readFileSync(resultsFile(r.stdout), 'utf8'));
    expect(res.runs.map((x: { arm: string; seed: number }) => `${x.arm}${x.seed}`)).toEqual(['A0', 'B0', 'A1', 'B1']);
    expect(res.runs.map((x: { value: number }) => x.value)).toEqual([1.4, 1, 1.4, 1]);
    for (const x of res.runs as Array<{ log: string }>) expect(readFileSync(x.log, 'utf8')).toMatch(/met 4 of 4/);
    const bad = await cli(['compare', 'HEAD~1', 'HEAD', '--parallel', '0'], { cwd: repo });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--parallel must be a whole number from 1 to 64, not "0"/);
  }, 180_000);

  it('says B better when B is better on every seed, and leaves the branch, work tree and worktrees as they were', async () => {
    const repo = jobRepo('summary.py', CFG); // X = 1.0: val_bpb 1.4
    setX(repo, '3.0', 'X = 3'); // val_bpb 1.0
    const before = snapshot(repo);
    const r = await cli(['compare', 'HEAD~1', 'HEAD', '--seeds', '3'], { cwd: repo, timeout: 120_000 });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toMatch(/^verdict: B better$/m);
    expect(r.stdout).toMatch(/^A {4}1\.400000 ± 0\.000000 +\(3 runs\)$/m);
    expect(r.stdout).toMatch(/^B-A {2}-0\.400000 ± 0\.000000 +\(3 pairs\)$/m);
    expect(r.stdout).toMatch(/^paired t-test +p < 0\.0001/m);
    expect(r.stdout).toMatch(/^Wilcoxon signed-rank +p = 0\.250/m);
    expect(snapshot(repo)).toEqual(before);
    expect(git(repo, ['worktree', 'list']).split('\n')).toHaveLength(1);

    const file = resultsFile(r.stdout);
    expect(file.startsWith(tmpdir())).toBe(true); // not on an autoresearch branch: a temp folder
    const res = JSON.parse(readFileSync(file, 'utf8'));
    expect(res.runs.map((x: { arm: string; seed: number }) => `${x.arm}${x.seed}`)).toEqual(['A0', 'B0', 'A1', 'B1', 'A2', 'B2']);
    expect(res.runs.map((x: { value: number }) => x.value)).toEqual([1.4, 1, 1.4, 1, 1.4, 1]);
    expect(res.a.sha).toBe(git(repo, ['rev-parse', 'HEAD~1']));
    expect(res.summary.verdict).toBe('B better');
    // Each run had its seed and the budget, and ran in a checkout of its own commit.
    const logB1 = readFileSync(res.runs[3].log, 'utf8');
    expect(logB1).toContain('budget 1.0s, seed 1');
    expect(existsSync(path.join(path.dirname(res.runs[0].log), '..', 'wt-a'))).toBe(false);
  });

  it('is inconclusive for equal commits; on an autoresearch branch it takes refs/autoresearch/<tag>/<n> and writes into the tag', async () => {
    const repo = jobRepo('summary.py', CFG);
    expect((await cli(['init', '--tag', 't', '--no-baseline'], { cwd: repo, timeout: 60_000 })).exitCode).toBe(0);
    const f = path.join(repo, 'train.py');
    writeFileSync(f, readFileSync(f, 'utf8') + '# a comment: same metric\n');
    const run = await cli(['run', '-m', 'a comment'], { cwd: repo, timeout: 60_000 });
    expect(run.exitCode, run.all).toBe(0);
    const ref = git(repo, ['for-each-ref', '--format=%(refname)', 'refs/autoresearch/t/']).split('\n').pop()!;
    expect(ref).toMatch(/^refs\/autoresearch\/t\/\d+$/);
    const before = snapshot(repo);
    const r = await cli(['compare', 'main', ref, '--seeds', '3', '--json'], { cwd: repo, timeout: 120_000 });
    expect(r.exitCode, r.all).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.summary.verdict).toBe('inconclusive');
    expect(res.summary.pairs).toBe(3);
    expect(res.file.startsWith(path.join(repo, '.autoresearch', 't', 'compare') + path.sep)).toBe(true);
    expect(JSON.parse(readFileSync(res.file, 'utf8')).runs).toHaveLength(6);
    expect(snapshot(repo)).toEqual(before);
  });

  it('counts crashed runs as missing and reports them', async () => {
    const repo = jobRepo('summary.py', CFG);
    writeFileSync(path.join(repo, 'train.py'), readFileSync(path.join(ROOT, 'test/fixtures/jobs/error.py'), 'utf8'));
    git(repo, ['commit', '-qam', 'broken']);
    const r = await cli(['compare', 'HEAD~1', 'HEAD', '--seeds', '3'], { cwd: repo, timeout: 120_000 });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toMatch(/^ {3}0 {2}1\.400000 {2}crash \(error\) {2}-$/m);
    expect(r.stdout).toMatch(/^B +n\/a ± n\/a +\(0 runs, 3 crashes\)$/m);
    expect(r.stdout).toMatch(/^verdict: inconclusive \(only 0 pairs, need 3\)$/m);
    expect(JSON.parse(readFileSync(resultsFile(r.stdout), 'utf8')).runs.filter((x: { value: null }) => x.value === null)).toHaveLength(3);
    expect(git(repo, ['worktree', 'list']).split('\n')).toHaveLength(1);
  });

  it('refuses bad input with one sentence and exit 2', async () => {
    const repo = jobRepo('summary.py', CFG);
    const cases: Array<[string[], string, RegExp]> = [
      [['compare', 'HEAD', 'nope'], repo, /^ar-supervise: "nope" is not a commit in this repository/],
      [['compare', 'HEAD', 'HEAD', '--seeds', '0'], repo, /--seeds must be a whole number >= 1, not "0"/],
      [['compare', 'HEAD', 'HEAD', '--seeds', '2.5'], repo, /--seeds must be a whole number >= 1, not "2\.5"/],
      [['compare', 'HEAD', 'HEAD', '--budget', '-1'], repo, /--budget must be a positive number/],
      [['compare', 'HEAD', 'HEAD'], mkdtempSync(path.join(tmpdir(), 'ar-nogit-')), /not inside a git repository/],
    ];
    for (const [args, cwd, msg] of cases) {
      const r = await cli(args, { cwd });
      expect(r.exitCode, r.all).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(git(repo, ['worktree', 'list']).split('\n')).toHaveLength(1);
  });

  it('says what is missing when a commit cannot run in a fresh checkout', async () => {
    const repo = jobRepo('summary.py', { ...CFG, check: 'test -f data/ready' });
    const r = await cli(['compare', 'HEAD', 'HEAD', '--seeds', '1'], { cwd: repo });
    expect(r.exitCode, r.all).toBe(2);
    expect(r.stderr).toMatch(/^ar-supervise: A \([0-9a-f]+\) cannot run in a fresh checkout of its commit: the check "test -f data\/ready" failed/);
    expect(git(repo, ['worktree', 'list']).split('\n')).toHaveLength(1);
  });

  it('links ignored data folders of the repo into the checkouts', async () => {
    const repo = jobRepo('summary.py', { ...CFG, check: 'test -f data/ready' }, { '.gitignore': 'data/\n' });
    execFileSync('mkdir', ['-p', path.join(repo, 'data')]);
    writeFileSync(path.join(repo, 'data', 'ready'), 'yes\n');
    const r = await cli(['compare', 'HEAD', 'HEAD', '--seeds', '1'], { cwd: repo, timeout: 60_000 });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toMatch(/^verdict: inconclusive/m);
    resultsFile(r.stdout);
    expect(readFileSync(path.join(repo, 'data', 'ready'), 'utf8')).toBe('yes\n'); // the data survives the clean-up
    expect(git(repo, ['worktree', 'list']).split('\n')).toHaveLength(1);
  });

  const example = path.join(ROOT, 'examples', 'tiny-lm');
  it(
    'compares two learning rates of the bundled example on a tiny budget',
    async () => {
      const repo = makeRepo({
        'autoresearch.yaml': 'command: python3 train.py\nbudget_seconds: 2\ncheck: python3 prepare.py --check\ntimeout_factor: 10\n',
        '.gitignore': '.cache/\n__pycache__/\n',
      });
      for (const f of ['prepare.py', 'train.py']) copyFileSync(path.join(example, f), path.join(repo, f));
      git(repo, ['add', '-A']);
      git(repo, ['commit', '-qm', 'tiny-lm']);
      execFileSync('python3', ['prepare.py'], { cwd: repo, stdio: 'ignore' });
      const f = path.join(repo, 'train.py');
      const text = readFileSync(f, 'utf8');
      expect(text).toMatch(/^LR = /m);
      writeFileSync(f, text.replace(/^LR = .*$/m, 'LR = 0.01'));
      git(repo, ['commit', '-qam', 'LR 0.01']);
      const r = await cli(['compare', 'HEAD~1', 'HEAD', '--budget', '2', '--seeds', '3'], { cwd: repo, timeout: 240_000 });
      expect(r.exitCode, r.all).toBe(0);
      expect(r.stdout).toMatch(/^verdict: (A better|B better|inconclusive)/m);
      const res = JSON.parse(readFileSync(resultsFile(r.stdout), 'utf8'));
      expect(res.runs).toHaveLength(6);
      expect(res.budgetSeconds).toBe(2);
      expect(git(repo, ['worktree', 'list']).split('\n')).toHaveLength(1);
    },
    300_000,
  );
});
