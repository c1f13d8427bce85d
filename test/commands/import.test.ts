import { describe, it, expect, afterAll } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { resumeTag } from '../../src/engine/resume.js';
import { cleanupRepos, cli, git, jobRepo } from '../helpers/repo.js';

afterAll(cleanupRepos);

// A night kept by hand (karpathy's loop: branch autoresearch/<tag>, commits, resets, a results.tsv) becomes a tag's history.
const setX = (repo: string, x: string) => {
  const f = path.join(repo, 'train.py');
  writeFileSync(f, readFileSync(f, 'utf8').replace(/^X = .*$/m, `X = ${x}`));
};

/** The night as karpathy's loop leaves it: baseline and X=2 kept, X=1.5 discarded (reset away), a crash whose commit is gone. */
function handNight(layout: 'fork' | 'karpathy' = 'fork', onBranch = true) {
  const repo = jobRepo('summary.py', { budget_seconds: 10 });
  git(repo, ['checkout', '-q', '-b', 'autoresearch/mar5']);
  const base = git(repo, ['rev-parse', '--short=7', 'HEAD']);
  setX(repo, '2.0');
  git(repo, ['commit', '-qam', 'X=2']);
  const kept = git(repo, ['rev-parse', '--short=7', 'HEAD']);
  setX(repo, '1.5');
  git(repo, ['commit', '-qam', 'X=1.5']);
  const discarded = git(repo, ['rev-parse', '--short=7', 'HEAD']);
  git(repo, ['reset', '-q', '--hard', kept]);
  const rows =
    layout === 'fork'
      ? [
          'commit\tval_bpb\tartifact_mb\tmemory_gb\tstatus\tdescription',
          `${base}\t1.400000\t11.96\t2.0\tkeep\tbaseline`,
          `${kept}\t1.100000\t12.01\t2.0\tkeep\tX=2, closer → «3»`,
          `${discarded}\t1.225000\t12.02\t2.0\tdiscard\tX=1.5`,
          'abcdef1\t0.000000\t0.00\t0.0\tcrash\tdouble width (OOM)',
        ]
      : [`${base}\t1.400000\t2.0\tkeep\tbaseline`, `${kept}\t1.100000\t2.0\tkeep\tX=2`];
  writeFileSync(path.join(repo, 'results.tsv'), rows.join('\r\n') + '\r\n');
  if (!onBranch) {
    git(repo, ['checkout', '-q', 'main']);
    git(repo, ['branch', '-D', '-q', 'autoresearch/mar5']);
  }
  return { repo, base, kept, discarded };
}
const records = (repo: string, tag = 'mar5') =>
  readFileSync(path.join(repo, '.autoresearch', tag, 'runs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

describe('ar-supervise import', () => {
  it("a fork's ledger becomes the tag's history: report reads it, a run goes on from the last keep, the file is never changed", async () => {
    const { repo, base, kept, discarded } = handNight();
    const original = readFileSync(path.join(repo, 'results.tsv'));
    git(repo, ['checkout', '-q', 'main']); // imported from anywhere in the repo
    const r = await cli(['import', 'results.tsv', '--tag', 'mar5'], { cwd: repo });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('Imported 4 runs from results.tsv into tag mar5: 2 kept, 1 discarded, 1 crashed.');
    expect(r.stdout).toContain('3 of 4 commits are in this repository; not here: abcdef1.');
    expect(r.stdout).toContain('Branch autoresearch/mar5 was there already; go on with "ar-supervise --session mar5".');
    expect(readFileSync(path.join(repo, 'results.tsv'))).toEqual(original);
    expect(readFileSync(path.join(repo, '.autoresearch', 'mar5', 'imported', 'results.tsv'))).toEqual(original);

    const recs = records(repo);
    expect(recs.map((x) => [x.id, x.status, x.value, x.imported.inGit, x.imported.line])).toEqual([
      [1, 'keep', 1.4, true, 2],
      [2, 'keep', 1.1, true, 3],
      [3, 'discard', 1.225, true, 4],
      [4, 'crash', null, false, 5],
    ]);
    expect(recs[1]).toMatchObject({ commit: git(repo, ['rev-parse', kept]), parent: git(repo, ['rev-parse', base]), bestBefore: 1.4, linesAdded: 1, linesRemoved: 1, description: 'X=2, closer → «3»', metrics: { val_bpb: 1.1, artifact_mb: 12.01 } });
    expect(recs[3]).toMatchObject({ commit: 'abcdef1', metrics: {} });
    expect(git(repo, ['rev-parse', '--short=7', 'refs/autoresearch/mar5/3'])).toBe(discarded);

    const report = await cli(['report', '--tag', 'mar5', '--json'], { cwd: repo });
    expect(report.exitCode, report.all).toBe(0);
    expect(report.stderr).toBe(''); // the original results.tsv agrees with the records, read by its header
    expect(JSON.parse(report.stdout)).toMatchObject({ counts: { runs: 4, keep: 2, discard: 1, crash: 1 }, best: { value: 1.1 } });

    // What --session does for a tag whose branch exists: resume it (check out the branch, settle, rebuild
    // results.tsv from the records, the original archived); then runs go on from the last keep.
    const resumed = await resumeTag(repo, 'mar5');
    expect(resumed.interrupted).toBeNull();
    expect(git(repo, ['branch', '--show-current'])).toBe('autoresearch/mar5');
    expect(readFileSync(resumed.ledgerRepaired!)).toEqual(original);
    setX(repo, '3.0');
    const run = await cli(['run', '-m', 'X=3'], { cwd: repo });
    expect(run.exitCode, run.all).toBe(0);
    expect(run.stdout).toMatch(/^status: +keep$/m);
    expect(run.stdout).toMatch(/val_bpb: +1\.000000 \(-0\.100000 vs best 1\.100000\)/);
    expect(records(repo)[4]).toMatchObject({ id: 5, parent: git(repo, ['rev-parse', kept]), bestBefore: 1.1 });
    const rows = readFileSync(path.join(repo, 'results.tsv'), 'utf8').trim().split('\n');
    expect(rows[0]).toBe('commit\tval_bpb\tmemory_gb\tstatus\tdescription');
    expect(rows.slice(1).map((l) => l.split('\t')[3])).toEqual(['keep', 'keep', 'discard', 'crash', 'keep']);
    const archive = path.join(repo, '.autoresearch', 'mar5', 'archive');
    expect(readdirSync(archive).map((f) => readFileSync(path.join(archive, f)))).toEqual([original]);
  }, 150_000);

  it('without a branch: one is made at the last keep, and a missing results.tsv is written in our layout', async () => {
    const { repo, kept } = handNight('karpathy', false);
    const src = path.join(repo, '..', path.basename(repo) + '-night.tsv');
    writeFileSync(src, readFileSync(path.join(repo, 'results.tsv')));
    git(repo, ['clean', '-qfx']); // no results.tsv here
    const r = await cli(['import', src, '--tag', 'mar5', '--json'], { cwd: repo });
    expect(r.exitCode, r.all).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ runs: 2, keep: 2, missing: [], branch: 'created', lastKeep: { id: 2, value: 1.1, inGit: true } });
    expect(git(repo, ['rev-parse', '--short=7', 'autoresearch/mar5'])).toBe(kept);
    expect(git(repo, ['branch', '--show-current'])).toBe('main'); // the work tree is not touched
    expect(readFileSync(path.join(repo, 'results.tsv'), 'utf8').split('\n')[2]).toBe(`${kept}\t1.100000\t2.0\tkeep\tX=2`);
  }, 150_000);

  it('when the last keep is not in git: history for report, and a session that cannot go on says why', async () => {
    const repo = jobRepo('summary.py', { budget_seconds: 10 });
    writeFileSync(path.join(repo, 'night.tsv'), 'commit\tval_bpb\tmemory_gb\tstatus\tdescription\nabc1234\t1.0\t1.0\tkeep\tbaseline\nbcd2345\t0.9\t1.0\tkeep\tfaster\n');
    const r = await cli(['import', 'night.tsv', '--tag', 'gone'], { cwd: repo });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toContain('The last keep, bcd2345 (val_bpb 0.900000), is not in this repository');
    expect(git(repo, ['branch', '--list', 'autoresearch/gone'])).toBe('');
    expect((await cli(['report', '--tag', 'gone', '--json'], { cwd: repo })).exitCode).toBe(0);
    const init = await cli(['init', '--tag', 'gone', '--no-baseline'], { cwd: repo });
    expect(init.exitCode).toBe(2);
    expect(init.stderr.trim()).toBe(
      'ar-supervise: tag "gone" has an imported history but no branch autoresearch/gone; create it where the night left off ("git branch autoresearch/gone bcd2345", fetching bcd2345 first if this repository lacks it), or import into a new tag.',
    );
  }, 150_000);

  it('bad input: one sentence, exit 2, nothing written', async () => {
    const { repo } = handNight();
    mkdirSync(path.join(repo, 'dir'));
    writeFileSync(path.join(repo, 'bin.tsv'), Buffer.from([0, 1, 2, 255]));
    writeFileSync(path.join(repo, 'empty.tsv'), 'commit\tval_bpb\tmemory_gb\tstatus\tdescription\n');
    writeFileSync(path.join(repo, 'odd.tsv'), 'commit\tval_bpb\tmemory_gb\tstatus\tdescription\nabc1234\t1.0\t1.0\tmaybe\tx\n');
    writeFileSync(path.join(repo, 'loss.tsv'), 'commit\tval_loss\tmemory_gb\tstatus\tdescription\nabc1234\t1.0\t1.0\tkeep\tx\n');
    const cases: [string[], string][] = [
      [['import', 'nope.tsv', '--tag', 'a'], 'nope.tsv does not exist.'],
      [['import', 'dir', '--tag', 'a'], 'dir is a folder, not a results.tsv.'],
      [['import', 'bin.tsv', '--tag', 'a'], 'bin.tsv is not a text file.'],
      [['import', 'empty.tsv', '--tag', 'a'], 'nothing to import from empty.tsv (no rows).'],
      [['import', 'odd.tsv', '--tag', 'a'], 'nothing to import from odd.tsv (odd.tsv line 2 has an unknown status "maybe"; skipped).'],
      [['import', 'loss.tsv', '--tag', 'a'], 'loss.tsv scores runs by val_loss, but the metric here is val_bpb; set "metric: val_loss" in autoresearch.yaml to import it.'],
      [['import', 'results.tsv', '--tag', 'no/good'], '"no/good" is not a usable tag; use letters, digits, ".", "_" or "-" (for example apr5).'],
      [['import', 'results.tsv'], "required option '--tag <tag>' not specified."],
    ];
    for (const [args, msg] of cases) {
      const r = await cli(args, { cwd: repo });
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(r.stderr.trim(), args.join(' ')).toBe(`ar-supervise: ${msg}`);
    }
    expect(existsSync(path.join(repo, '.autoresearch'))).toBe(false);
    // A tag with a history is never imported into: no appending to runs made elsewhere or here.
    expect((await cli(['import', 'results.tsv', '--tag', 'mar5'], { cwd: repo })).exitCode).toBe(0);
    const before = readFileSync(path.join(repo, '.autoresearch', 'mar5', 'runs.jsonl'));
    const again = await cli(['import', 'results.tsv', '--tag', 'mar5'], { cwd: repo });
    expect(again.exitCode).toBe(2);
    expect(again.stderr.trim()).toBe('ar-supervise: tag "mar5" already has a history here (4 runs in .autoresearch/mar5/); import into a new tag.');
    expect(readFileSync(path.join(repo, '.autoresearch', 'mar5', 'runs.jsonl'))).toEqual(before);
  }, 90_000);
});
