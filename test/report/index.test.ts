import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { buildReport, knownTags, resolveTag } from '../../src/report/index.js';
import { fixture, makeRepo } from './helpers.js';

async function gitRepo(repo: string, branch: string, commit = true): Promise<void> {
  const git = (...args: string[]) => execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: repo });
  await git('init', '-q');
  await git('checkout', '-q', '-b', branch);
  if (commit) await git('commit', '-q', '--allow-empty', '-m', 'init');
}

describe('buildReport', () => {
  it('writes every file for the normal night and returns the model', async () => {
    const repo = makeRepo({ jsonl: 'normal/runs.jsonl', tsv: 'normal/results.tsv' });
    const res = await buildReport({ repo, export: true });
    expect(res.tag).toBe('mar5');
    expect(res.warnings).toEqual([]);
    expect(res.paths.dir).toBe(path.join(repo, '.autoresearch', 'mar5', 'report'));
    for (const f of ['report.md', 'progress.svg', 'progress.png', 'runs.csv', 'runs.tsv', 'report.json']) {
      expect(existsSync(path.join(res.paths.dir, f))).toBe(true);
    }
    const json = readFileSync(res.paths.json, 'utf8');
    expect(JSON.parse(json)).toEqual(res.model);
    await expect(json).toMatchFileSnapshot('../fixtures/ledgers/normal/report.expected.json');
    expect(readFileSync(res.paths.markdown, 'utf8')).toBe(readFileSync(fixture('normal/report.expected.md'), 'utf8'));
    expect(readFileSync(res.paths.png).subarray(1, 4).toString()).toBe('PNG');
    expect(res.chart.points).toHaveLength(13);
  });

  it('writes the CSV/TSV tables only when asked, and links only what it wrote', async () => {
    const repo = makeRepo({ jsonl: 'normal/runs.jsonl', tsv: 'normal/results.tsv' });
    const res = await buildReport({ repo });
    expect(res.paths.csv).toBeUndefined();
    expect(res.paths.tsv).toBeUndefined();
    expect(existsSync(path.join(res.paths.dir, 'runs.csv'))).toBe(false);
    expect(existsSync(path.join(res.paths.dir, 'runs.tsv'))).toBe(false);
    const md = readFileSync(res.paths.markdown, 'utf8');
    expect(md).toContain('Files: [SVG](progress.svg) · [JSON](report.json)\n');
    // Otherwise the same report as with the tables.
    const withTables = readFileSync(fixture('normal/report.expected.md'), 'utf8');
    expect(md).toBe(withTables.replace(' · [CSV](runs.csv) · [TSV](runs.tsv)', ''));
    const again = await buildReport({ repo, export: true });
    expect(readFileSync(again.paths.csv!, 'utf8').split('\r\n')).toHaveLength(15);
    expect(readFileSync(again.paths.tsv!, 'utf8').split('\n')).toHaveLength(15);
  });

  it('writes into --out, relative to the repo', async () => {
    const repo = makeRepo({ jsonl: 'normal/runs.jsonl' });
    const res = await buildReport({ repo, outDir: 'morning' });
    expect(res.paths.dir).toBe(path.join(repo, 'morning'));
    expect(existsSync(path.join(repo, 'morning', 'report.md'))).toBe(true);
  });

  it('reports tampering with results.tsv as warnings', async () => {
    const repo = makeRepo({ jsonl: 'normal/runs.jsonl', tsv: 'tampered/results.tsv' });
    const res = await buildReport({ repo });
    expect(res.warnings).toHaveLength(3);
    expect(res.model.warnings).toEqual(res.warnings);
    expect(readFileSync(res.paths.markdown, 'utf8')).toContain('## Warnings');
  });

  it('reads a karpathy-only results.tsv on its branch', async () => {
    const repo = makeRepo({ tsv: 'karpathy/results.tsv' });
    await gitRepo(repo, 'autoresearch/mar5');
    const res = await buildReport({ repo });
    expect(res.tag).toBe('mar5');
    expect(res.model.source).toBe('results.tsv');
    expect(res.model.counts).toMatchObject({ runs: 8, keep: 4, crash: 1 });
  });

  it("reads a fork's results.tsv with extra columns by its header; --export shows them", async () => {
    const repo = makeRepo({ tsv: 'forks/eleven.tsv' });
    await gitRepo(repo, 'autoresearch/mar5');
    const res = await buildReport({ repo, export: true });
    expect(res.warnings).toEqual([]);
    expect(res.model.counts).toMatchObject({ runs: 4, keep: 2, discard: 1, crash: 1 });
    expect(res.model.best!.value).toBe(1.832082);
    const csv = readFileSync(res.paths.csv!, 'utf8');
    expect(csv.split('\r\n')[0]).toContain('tok_per_sec');
    expect(csv).toContain('37700');
  });

  it('survives malformed ledgers with warnings', async () => {
    const repo = makeRepo({ jsonl: 'malformed/truncated.jsonl', tsv: 'malformed/columns.tsv' });
    const res = await buildReport({ repo, tag: 'mar5' });
    expect(res.model.counts.runs).toBe(4);
    expect(res.warnings).toContain('runs.jsonl line 5 is truncated (still being written?); skipped');
    expect(res.warnings).toContain('results.tsv line 7 is truncated; skipped');
  });

  it('survives a binary runs.jsonl', async () => {
    const res = await buildReport({ repo: makeRepo({ jsonl: 'malformed/binary.jsonl' }) });
    expect(res.model.counts.runs).toBe(0);
    expect(res.warnings).toEqual(['runs.jsonl is not a text file; skipped']);
  });

  it('takes the goal and metric from autoresearch.yaml', async () => {
    const repo = makeRepo({ jsonl: 'normal/runs.jsonl', yaml: 'goal: max\nmetric: val_bpb\n' });
    const res = await buildReport({ repo });
    expect(res.model.goal).toBe('max');
    expect(res.model.best!.value).toBe(0.9979);
  });

  it('handles 50,000 runs in linear time', async () => {
    const repo = makeRepo();
    const line = readFileSync(fixture('normal/runs.jsonl'), 'utf8').split('\n')[5]!;
    const dir = path.join(repo, '.autoresearch', 'big');
    mkdirSync(dir, { recursive: true });
    const small = path.join(repo, '.autoresearch', 'small');
    mkdirSync(small, { recursive: true });
    writeFileSync(path.join(small, 'runs.jsonl'), (line + '\n').repeat(5_000));
    writeFileSync(path.join(dir, 'runs.jsonl'), (line + '\n').repeat(50_000));
    const timed = async (tag: string) => {
      const t0 = performance.now();
      const res = await buildReport({ repo, tag, export: true });
      return { res, ms: performance.now() - t0 };
    };
    const five = await timed('small');
    const { res, ms } = await timed('big');
    // A guard against O(n^2) (minutes at this size), not a benchmark: fast, or linear against 5,000 runs in this process.
    expect(ms < 10_000 || ms / Math.max(five.ms, 1) < 40, `50,000: ${ms} ms, 5,000: ${five.ms} ms`).toBe(true);
    expect(res.model.counts.runs).toBe(50_000);
  }, 60_000);
});

describe('resolveTag', () => {
  it('takes the tag from the autoresearch/<tag> branch, even before the first commit', async () => {
    const repo = makeRepo({ jsonl: 'normal/runs.jsonl', tag: 'other' });
    await gitRepo(repo, 'autoresearch/mar9', false);
    expect(await resolveTag(repo)).toEqual({ tag: 'mar9', branchTag: 'mar9' });
  });

  it('else takes the most recently modified tag folder', async () => {
    const repo = makeRepo({ jsonl: 'normal/runs.jsonl', tag: 'old' });
    mkdirSync(path.join(repo, '.autoresearch', 'new'));
    writeFileSync(path.join(repo, '.autoresearch', 'new', 'runs.jsonl'), '');
    const past = new Date('2020-01-01');
    utimesSync(path.join(repo, '.autoresearch', 'old', 'runs.jsonl'), past, past);
    utimesSync(path.join(repo, '.autoresearch', 'old'), past, past);
    expect(knownTags(repo)).toEqual(['new', 'old']);
    expect((await resolveTag(repo)).tag).toBe('new');
  });

  it('rejects an unknown tag, naming the known ones', async () => {
    const repo = makeRepo({ jsonl: 'normal/runs.jsonl' });
    await expect(resolveTag(repo, 'nope')).rejects.toThrow(new UsageError('unknown tag "nope" (known: mar5).'));
    await expect(resolveTag(repo, '../x')).rejects.toThrow(UsageError);
  });

  it('says when there is no ledger at all', async () => {
    await expect(buildReport({ repo: makeRepo() })).rejects.toThrow('no ledger found: no .autoresearch/ folder and no results.tsv here.');
  });

  it('asks for --tag when a results.tsv is found off an autoresearch branch', async () => {
    const repo = makeRepo({ tsv: 'karpathy/results.tsv' });
    await expect(resolveTag(repo)).rejects.toThrow(/pass --tag/);
    expect((await buildReport({ repo, tag: 'mine' })).model.counts.runs).toBe(8);
  });

  it('does not read the results.tsv of the checked-out tag for another tag', async () => {
    const repo = makeRepo({ tsv: 'karpathy/results.tsv' });
    await gitRepo(repo, 'autoresearch/other');
    mkdirSync(path.join(repo, '.autoresearch', 'mar5'), { recursive: true });
    await expect(buildReport({ repo, tag: 'mar5' })).rejects.toThrow(
      new UsageError('no ledger found for tag "mar5": no .autoresearch/mar5/runs.jsonl and results.tsv belongs to the checked-out tag "other".'),
    );
  });

  it('does not compare results.tsv left over from another tag', async () => {
    const repo = makeRepo({ jsonl: 'normal/runs.jsonl', tsv: 'tampered/results.tsv' });
    await gitRepo(repo, 'autoresearch/other');
    const res = await buildReport({ repo, tag: 'mar5' });
    expect(res.warnings).toEqual([]);
  });
});
