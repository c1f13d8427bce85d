import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { jobRepo, cli, git, cleanupRepos } from '../helpers/repo.js';

afterAll(cleanupRepos);

describe('ar-supervise init', () => {
  it('creates the branch, an excluded header-only ledger and state, and no baseline with --no-baseline', async () => {
    const repo = jobRepo('summary.py');
    writeFileSync(path.join(repo, 'notes.txt'), 'untracked, mine\n');
    const r = await cli(['init', '--tag', 'apr5', '--no-baseline'], { cwd: repo });
    expect(r.exitCode, r.all).toBe(0);
    expect(git(repo, ['branch', '--show-current'])).toBe('autoresearch/apr5');
    expect(readFileSync(path.join(repo, 'results.tsv'), 'utf8')).toBe('commit\tval_bpb\tmemory_gb\tstatus\tdescription\n');
    expect(git(repo, ['status', '--porcelain'])).toBe('?? notes.txt');
    const state = JSON.parse(readFileSync(path.join(repo, '.autoresearch/apr5/state.json'), 'utf8'));
    expect(state.readonly['prepare.py']).toMatch(/^[0-9a-f]{64}$/);
    expect(git(repo, ['branch', '--list', 'main'])).toContain('main');
  });

  it('runs the baseline as the first row', async () => {
    const repo = jobRepo('summary.py');
    const r = await cli(['init', '--tag', 't'], { cwd: repo });
    expect(r.exitCode, r.all).toBe(0);
    expect(readFileSync(path.join(repo, 'results.tsv'), 'utf8').split('\n')[1]).toMatch(/^[0-9a-f]{7}\t1\.400000\t2\.0\tkeep\tbaseline$/);
  });

  const refusals: Array<[string, (repo: string) => string[] | void, RegExp]> = [
    ['outside a git repo', () => undefined, /not inside a git repository/],
    ['with uncommitted changes', (repo) => void writeFileSync(path.join(repo, 'train.py'), 'X = 9\n'), /uncommitted changes to tracked files \(train\.py\)/],
    ['when the branch exists', (repo) => void git(repo, ['branch', 'autoresearch/t']), /branch autoresearch\/t already exists/],
    ['with a bad tag', () => ['init', '--tag', 'a b'], /not a usable tag/],
    ['without the read-only file', (repo) => void (git(repo, ['rm', '-q', 'prepare.py']), git(repo, ['commit', '-qm', 'rm'])), /read-only file prepare\.py is missing/],
  ];
  it.each(refusals)('refuses %s with one sentence and exit 2', async (name, setup, msg) => {
    const repo = name === 'outside a git repo' ? mkdtempSync(path.join(tmpdir(), 'ar-nogit-')) : jobRepo('summary.py');
    const args = setup(repo) ?? ['init', '--tag', 't'];
    const r = await cli(args, { cwd: repo });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(msg);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(path.join(repo, 'results.tsv'))).toBe(false);
  });

  it('names the missing program and a failing check', async () => {
    const a = jobRepo('summary.py', { command: 'no-such-trainer train.py' });
    const r1 = await cli(['init', '--tag', 't'], { cwd: a });
    expect(r1.exitCode).toBe(2);
    expect(r1.stderr).toMatch(/program "no-such-trainer" was not found/);
    const b = jobRepo('summary.py', { check: 'python3 -c "import sys; print(\'data not prepared: run python3 prepare.py\'); sys.exit(1)"' });
    // A check is argv, not a shell string: write it as a list.
    writeFileSync(path.join(b, 'autoresearch.yaml'), 'command: python3 train.py\ncheck: [python3, -c, "import sys; print(\'data not prepared: run python3 prepare.py\'); sys.exit(1)"]\n');
    git(b, ['commit', '-qam', 'cfg']);
    const r2 = await cli(['init', '--tag', 't'], { cwd: b });
    expect(r2.exitCode).toBe(2);
    expect(r2.stderr).toMatch(/check .* failed: data not prepared: run python3 prepare\.py/);
    expect(git(b, ['branch', '--show-current'])).toBe('main');
  });
});
