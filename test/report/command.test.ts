import { existsSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { register } from '../../src/commands/report.js';
import { UsageError } from '../../src/errors.js';
import { makeRepo } from './helpers.js';

async function run(repo: string, args: string[], tty = false): Promise<{ out: string; err: string }> {
  const program = new Command('ar-supervise').exitOverride();
  register(program);
  let out = '';
  let err = '';
  vi.spyOn(process, 'cwd').mockReturnValue(repo);
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  const wasTty = process.stdout.isTTY;
  process.stdout.isTTY = tty;
  try {
    await program.parseAsync(['node', 'ar-supervise', 'report', ...args]);
  } finally {
    process.stdout.isTTY = wasTty;
    vi.restoreAllMocks();
  }
  return { out, err };
}

afterEach(() => vi.restoreAllMocks());

describe('ar-supervise report', () => {
  it('prints the short summary and where the files went', async () => {
    const repo = makeRepo({ jsonl: 'normal/runs.jsonl' });
    const { out, err } = await run(repo, []);
    expect(out).toContain('# autoresearch report: mar5');
    expect(out).toContain('## Recommendations');
    expect(out).not.toContain('## Crashes');
    expect(out).toContain('Wrote report.md, report.html, progress.png, progress.svg, report.json to .autoresearch/mar5/report/');
    expect(out).not.toContain('⠀');
    expect(err).toBe('');
  });

  it('--export also writes runs.csv and runs.tsv', async () => {
    const repo = makeRepo({ jsonl: 'normal/runs.jsonl' });
    const { out } = await run(repo, ['--export']);
    expect(out).toContain('Wrote report.md, report.html, progress.png, progress.svg, runs.csv, runs.tsv, report.json to .autoresearch/mar5/report/');
    expect(existsSync(path.join(repo, '.autoresearch', 'mar5', 'report', 'runs.csv'))).toBe(true);
  });

  it('draws the terminal chart on a TTY', async () => {
    const { out } = await run(makeRepo({ jsonl: 'normal/runs.jsonl' }), [], true);
    expect(out).toContain('●');
    expect(out).toContain('13 runs');
  });

  it('--json prints only the model; warnings go to stderr, one line each', async () => {
    const repo = makeRepo({ jsonl: 'normal/runs.jsonl', tsv: 'tampered/results.tsv' });
    const { out, err } = await run(repo, ['--json']);
    const model = JSON.parse(out);
    expect(model.counts.runs).toBe(13);
    expect(err.trimEnd().split('\n')).toEqual([
      'ar-supervise: warning: results.tsv line 7 differs from run #6: status keep instead of discard',
      'ar-supervise: warning: results.tsv line 9 differs from run #8: value 0.976400 instead of 0.986400',
      'ar-supervise: warning: results.tsv has no row for run #10 (commit c763b80): deleted?',
    ]);
  });

  it('--tag and --out', async () => {
    const repo = makeRepo({ jsonl: 'normal/runs.jsonl' });
    const { out } = await run(repo, ['--tag', 'mar5', '--out', 'out']);
    expect(out).toContain('to out/');
  });

  it('an unknown tag is a UsageError (exit 2)', async () => {
    const repo = makeRepo({ jsonl: 'normal/runs.jsonl' });
    await expect(run(repo, ['--tag', 'nope'])).rejects.toBeInstanceOf(UsageError);
  });
});
