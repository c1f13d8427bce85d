import { describe, it, expect, afterAll } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { jobRepo, makeRepo, cli, git, cleanupRepos, BIN } from '../helpers/repo.js';

afterAll(cleanupRepos);

const rows = (repo: string) => readFileSync(path.join(repo, 'results.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
const records = (repo: string, tag: string) =>
  readFileSync(path.join(repo, '.autoresearch', tag, 'runs.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { description: string; status: string; crashReason?: string; value: number | null });

async function initRepo(job: string, files: Record<string, string> = {}): Promise<string> {
  const repo = jobRepo(job, { budget_seconds: 1 }, files);
  const r = await cli(['init', '--tag', 't'], { cwd: repo });
  expect(r.exitCode, r.all).toBe(0);
  return repo;
}

function snapshot(repo: string) {
  const ar = path.join(repo, '.autoresearch', 't', 'runs.jsonl');
  return {
    head: git(repo, ['rev-parse', 'HEAD']),
    status: git(repo, ['status', '--porcelain']),
    train: readFileSync(path.join(repo, 'train.py'), 'utf8'),
    ledger: readFileSync(path.join(repo, 'results.tsv'), 'utf8'),
    records: existsSync(ar) ? readFileSync(ar, 'utf8') : '',
  };
}

describe('ar-supervise sweep', () => {
  it('runs a grid through the engine, leaves the branch on the best point, and resumes without rerunning', async () => {
    const repo = await initRepo('summary.py', { 'grid.yaml': 'strategy: grid\nparameters:\n  X: [2.0, 3.0, 5.0]  # optimum at 3\n' });
    const r = await cli(['sweep', 'grid.yaml'], { cwd: repo });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout.split('\n').slice(0, 3)).toEqual([
      '[1/3] X=2.0  keep  val_bpb 1.100000  best 1.100000',
      '[2/3] X=3.0  keep  val_bpb 1.000000  best 1.000000',
      '[3/3] X=5.0  discard  val_bpb 1.400000  best 1.000000',
    ]);
    expect(r.stdout).toMatch(/Best kept run: X=3\.0 {2}val_bpb 1\.000000 \(#3, [0-9a-f]{7}\); the branch is there\./);
    expect(rows(repo).map((x) => [x[3], x[4]])).toEqual([
      ['keep', 'baseline'],
      ['keep', 'X=2.0'],
      ['keep', 'X=3.0'],
      ['discard', 'X=5.0'],
    ]);
    // The branch sits on the best point; the discarded one was reverted.
    expect(readFileSync(path.join(repo, 'train.py'), 'utf8')).toMatch(/^X = 3\.0$/m);
    expect(git(repo, ['log', '-1', '--format=%s'])).toBe('keep: X=3.0 (val_bpb 1.0000, -0.1000)');
    expect(git(repo, ['status', '--porcelain'])).toBe('');
    // The report is written when the sweep ends.
    expect(r.stdout).toContain(`Report: ${path.join('.autoresearch', 't', 'report', 'report.md')}`);
    expect(readFileSync(path.join(repo, '.autoresearch', 't', 'report', 'report.md'), 'utf8')).toMatch(/X=3\.0/);

    const again = await cli(['sweep', 'grid.yaml'], { cwd: repo });
    expect(again.exitCode, again.all).toBe(0);
    expect(again.stdout).toMatch(/Skipped 3 of 3 runs already in the ledger/);
    expect(again.stdout).toMatch(/Done: 0 new runs, 3 already in the ledger\./);
    expect(rows(repo)).toHaveLength(4);
  });

  it('greedy converges on the quadratic to A=2, B=-1 and replays known results when run again', async () => {
    const repo = await initRepo('quadratic.py', {
      'greedy.yaml': 'strategy: greedy\nparameters:\n  A: [1.0, 2.0, 3.0]\n  B: [-1.0, 0.0]\n',
    });
    const r = await cli(['sweep', 'greedy.yaml'], { cwd: repo });
    expect(r.exitCode, r.all).toBe(0);
    const text = readFileSync(path.join(repo, 'train.py'), 'utf8');
    expect(text).toMatch(/^A = 2\.0$/m);
    expect(text).toMatch(/^B = -1\.0$/m);
    expect(r.stdout).toMatch(/converged after 2 passes/);
    expect(r.stdout).toMatch(/Best kept run: A=2\.0 B=-1\.0 {2}val_bpb 1\.000000/);
    // From A=0 B=0. Pass 1: A=1, 2, 3 (2 kept), then B=-1 (kept); pass 2: A=1, 3 with B=-1 are new, and
    // B=0 with A=2 is already known from pass 1, so it is not rerun.
    expect(rows(repo).map((x) => [x[3], x[4]])).toEqual([
      ['keep', 'baseline'],
      ['keep', 'A=1.0 B=0.0'],
      ['keep', 'A=2.0 B=0.0'],
      ['discard', 'A=3.0 B=0.0'],
      ['keep', 'A=2.0 B=-1.0'],
      ['discard', 'A=1.0 B=-1.0'],
      ['discard', 'A=3.0 B=-1.0'],
    ]);
    expect(r.stdout).toMatch(/^\[pass 1: 1\/4\] A=1\.0 B=0\.0 {2}keep {2}val_bpb 3\.000000 {2}best 3\.000000$/m);
    expect(r.stdout).toMatch(/^\[pass 2: 2\/3\] A=3\.0 B=-1\.0 {2}discard/m);
    expect(r.stdout).toMatch(/Done: 6 new runs, 1 already in the ledger; converged after 2 passes\./);

    const again = await cli(['sweep', 'greedy.yaml'], { cwd: repo });
    expect(again.exitCode, again.all).toBe(0);
    expect(again.stdout).toMatch(/Replayed 7 runs already in the ledger/);
    expect(again.stdout).toMatch(/Done: 0 new runs, 7 already in the ledger; converged after 2 passes\./);
    expect(rows(repo)).toHaveLength(7);
  });

  it('--dry-run lists the points and changes nothing; seeds repeat a point with SEED=i', async () => {
    const repo = await initRepo('quadratic.py', {
      'grid.yaml': 'strategy: grid\nparameters:\n  A: [1, 2]\n  B: [0.5, -1.0]\nseeds: 2\n',
      'greedy.yaml': 'parameters:\n  A: [0.0, 2.0]\n  B: [-1.0]\n',
    });
    const before = snapshot(repo);
    const g = await cli(['sweep', 'grid.yaml', '--dry-run'], { cwd: repo });
    expect(g.exitCode, g.all).toBe(0);
    expect(g.stdout).toContain('Grid sweep of train.py: 4 points x 2 seeds = 8 runs:');
    expect(g.stdout).toContain('  1. A=1 B=0.5\n  2. A=1 B=-1.0\n  3. A=2 B=0.5\n  4. A=2 B=-1.0\n');
    const j = await cli(['sweep', 'grid.yaml', '--dry-run', '--json'], { cwd: repo });
    expect(JSON.parse(j.stdout).runs[1]).toBe('A=1 B=0.5 seed=1');
    const gr = await cli(['sweep', 'greedy.yaml', '--dry-run'], { cwd: repo });
    expect(gr.exitCode, gr.all).toBe(0);
    expect(gr.stdout).toContain('Greedy sweep of train.py, first pass from A=0.0 B=0.0');
    expect(gr.stdout).toContain('  1. A=2.0 B=0.0\n  2. A=0.0 B=-1.0\n');
    expect(snapshot(repo)).toEqual(before);

    // One run per seed, seed=i in the description, SEED in the training environment.
    writeFileSync(path.join(repo, 's.yaml'), 'strategy: grid\nparameters:\n  A: [2.0]\n  B: [-1.0]\nseeds: 3\n');
    const r = await cli(['sweep', 's.yaml', '--json'], { cwd: repo });
    expect(r.exitCode, r.all).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.points).toHaveLength(1);
    expect(s.points[0].runs.map((x: { description: string; seed: number }) => [x.description, x.seed])).toEqual([
      ['A=2.0 B=-1.0 seed=0', 0],
      ['A=2.0 B=-1.0 seed=1', 1],
      ['A=2.0 B=-1.0 seed=2', 2],
    ]);
    const values = s.points[0].runs.map((x: { value: number }) => x.value);
    expect(new Set(values).size).toBe(3); // the seeds really differ
    expect(s.points[0].mean).toBeCloseTo(values.reduce((a: number, b: number) => a + b, 0) / 3, 9);
  });

  const bad: Array<[string, string | Buffer | null, RegExp]> = [
    ['an unknown key', 'parameters: {X: [2.0]}\nstrategi: grid\n', /unknown key "strategi" \(line 2\)/],
    ['an unknown strategy', 'strategy: annealing\nparameters: {X: [2.0]}\n', /"strategy" must be grid, random or greedy/],
    ['broken YAML', 'parameters:\n  X: [2.0\n', /broken YAML at line \d/],
    ['a name missing from the file', 'parameters: {Y: [2.0]}\n', /train\.py has no line "Y = \.\.\."/],
    ['empty values', 'parameters: {X: []}\n', /"parameters\.X" \(line 1\) has no values/],
    ['random without samples', 'strategy: random\nparameters: {X: [2.0]}\n', /strategy random needs "samples"/],
    ['a binary file', Buffer.from([0x00, 0xff, 0x10]), /is not a text file/],
    ['a missing file', null, /the sweep file .*sweep\.yaml does not exist/],
    ['a file that is not editable', 'parameters: {X: [2.0]}\nfile: prepare.py\n', /"file: prepare\.py" is not editable/],
    ['a name assigned twice', 'parameters: {DUP: [2]}\n', /train\.py assigns DUP 2 times \(lines \d+, \d+\)/],
  ];
  it('refuses bad sweep files and a dirty tree with exit 2, one sentence and no change', async () => {
    const repo = await initRepo('summary.py');
    // A second assignment, committed and kept, for the "assigned twice" case.
    writeFileSync(path.join(repo, 'train.py'), readFileSync(path.join(repo, 'train.py'), 'utf8') + 'DUP = 1\nDUP = 2\n');
    const k = await cli(['run', '-m', 'add DUP'], { cwd: repo, env: { FAKE_METRIC: '0.5' } });
    expect(k.stdout, k.all).toMatch(/status: +keep/);
    const before = snapshot(repo);
    for (const [name, content, msg] of bad) {
      const file = path.join(repo, 'sweep.yaml');
      if (content !== null) writeFileSync(file, content);
      const r = await cli(['sweep', 'sweep.yaml'], { cwd: repo });
      expect(r.exitCode, `${name}: ${r.all}`).toBe(2);
      expect(r.stderr, name).toMatch(msg);
      expect(r.stderr.trim().split('\n'), name).toHaveLength(1);
      expect(r.stdout, name).toBe('');
      if (content !== null) git(repo, ['clean', '-qf', 'sweep.yaml']);
      expect(snapshot(repo), name).toEqual(before);
    }
    // Uncommitted edits would be folded into the first point: refused.
    writeFileSync(path.join(repo, 'sweep.yaml'), 'parameters: {X: [2.0]}\n');
    writeFileSync(path.join(repo, 'train.py'), before.train.replace(/^X = 1\.0$/m, 'X = 7.0'));
    const dirty = await cli(['sweep', 'sweep.yaml'], { cwd: repo });
    expect(dirty.exitCode).toBe(2);
    expect(dirty.stderr).toMatch(/uncommitted changes to train\.py/);
    expect(rows(repo)).toHaveLength(2);
  });

  it('refuses off an autoresearch branch', async () => {
    const repo = jobRepo('summary.py', { budget_seconds: 1 }, { 's.yaml': 'parameters: {X: [2.0]}\n' });
    const off = await cli(['sweep', 's.yaml'], { cwd: repo });
    expect(off.exitCode).toBe(2);
    expect(off.stderr).toMatch(/not an autoresearch branch/);
    expect(git(repo, ['status', '--porcelain'])).toBe('');
  });


  it('stops after recording the run in progress on SIGINT, and resumes it later', async () => {
    const train = 'import os, time\nX = 1.0\ntime.sleep(float(os.environ.get("SLEEP_S", "0")))\nprint("---")\nprint(f"val_bpb: {1 + abs(X - 3):.6f}")\n';
    const repo = makeRepo({
      'train.py': train,
      'prepare.py': '# read-only\n',
      'autoresearch.yaml': 'command: python3 train.py\nbudget_seconds: 30\nkill_grace_seconds: 1\n',
      's.yaml': 'strategy: grid\nparameters:\n  X: [2.0, 3.0]\n',
    });
    expect((await cli(['init', '--tag', 't'], { cwd: repo, env: { SLEEP_S: '0' } })).exitCode).toBe(0);
    const p = execa('node', [BIN, 'sweep', 's.yaml'], { cwd: repo, env: { ...process.env, NO_COLOR: '1', SLEEP_S: '20' }, reject: false, all: true, timeout: 60_000 });
    const pending = path.join(repo, '.autoresearch', 't', 'pending.json');
    for (let i = 0; i < 100 && !(existsSync(pending) && JSON.parse(readFileSync(pending, 'utf8')).pid); i++) await new Promise((res) => setTimeout(res, 100));
    p.kill('SIGINT');
    const r = await p;
    expect(r.exitCode, r.all).toBe(130);
    expect(r.stdout).toMatch(/\[1\/2\] X=2\.0 {2}crash \(interrupted\)/);
    expect(r.stdout).toMatch(/Run the same command again to resume/);
    expect(records(repo, 't').map((x) => [x.description, x.crashReason ?? x.status])).toEqual([
      ['baseline', 'keep'],
      ['X=2.0', 'interrupted'],
    ]);
    expect(git(repo, ['status', '--porcelain'])).toBe('');
    const again = await cli(['sweep', 's.yaml'], { cwd: repo, env: { SLEEP_S: '0' } });
    expect(again.exitCode, again.all).toBe(0);
    expect(again.stdout).not.toMatch(/Skipped/);
    expect(records(repo, 't').map((x) => x.description)).toEqual(['baseline', 'X=2.0', 'X=2.0', 'X=3.0']);
    expect(readFileSync(path.join(repo, 'train.py'), 'utf8')).toMatch(/^X = 3\.0$/m);
  });

});
