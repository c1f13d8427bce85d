import { describe, it, expect, afterAll } from 'vitest';
import { writeFileSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { makeRepo, cli, git, cleanupRepos } from '../helpers/repo.js';
import { badConfigs, badArgs, badTaskFiles, badSweepFiles, damagedLedgers, badImportFiles, damagedTsvLedgers } from './cases.js';
import { mkdirSync } from 'node:fs';

afterAll(cleanupRepos);

/** Every file under dir (except .git) with its content, to prove nothing changed. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      if (e === '.git') continue;
      const p = path.join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out[path.relative(dir, p)] = readFileSync(p, 'latin1');
    }
  };
  walk(dir);
  return out;
}

function expectOneSentence(r: { exitCode?: number; stderr: string; stdout: string }, label: string) {
  expect(r.exitCode, label + '\n' + r.stderr).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines.length, label + '\n' + r.stderr).toBeLessThanOrEqual(2);
  expect(lines[0], label).toMatch(/^(ar-supervise: |error: ).+[.)'"]$/);
  expect(r.stderr, label).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(r.stderr, label).not.toMatch(/internal error/);
}

/** Run the CLI's main() in this process and capture what it writes. */
async function mainCapture(argv: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const { main } = await import('../../src/cli.js');
  let stdout = '';
  let stderr = '';
  const ow = process.stdout.write.bind(process.stdout);
  const ew = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => ((stdout += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((stderr += s), true)) as typeof process.stderr.write;
  try {
    const exitCode = await main(['node', 'ar-supervise', ...argv]);
    return { exitCode, stdout, stderr };
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
    process.exitCode = undefined;
  }
}

async function inBatches<T>(items: T[], n: number, fn: (t: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += n) await Promise.all(items.slice(i, i + n).map(fn));
}

describe('malformed input never gets a stack trace', () => {
  const repo = makeRepo({ 'train.py': 'X = 1\n', 'prepare.py': '# ro\n' });
  const configs = badConfigs();
  const args = badArgs();

  it(`${configs.length} malformed configs: one sentence naming the key or line, exit 2, no file changes`, async () => {
    expect(configs.length).toBeGreaterThanOrEqual(70);
    // In-process through the real entry point (spawning 70 CLIs would cost a minute on two cores).
    for (const [label, content] of configs) {
      writeFileSync(path.join(repo, 'autoresearch.yaml'), content);
      const before = snapshot(repo);
      const r = await mainCapture(['init', '--tag', 't', '--repo', repo]);
      expectOneSentence(r, label);
      expect(r.stderr, label).toMatch(/autoresearch\.yaml/);
      expect(snapshot(repo), label).toEqual(before);
      expect(git(repo, ['branch', '--show-current'])).toBe('main');
    }
    // And once through a real process, to prove the exit code reaches the shell.
    writeFileSync(path.join(repo, 'autoresearch.yaml'), 'budget_seconds: soon\n');
    expectOneSentence(await cli(['init', '--tag', 't'], { cwd: repo }), 'spawned');
  }, 120_000);

  it(`${args.length} bad command lines: one sentence, exit 2, no file changes`, async () => {
    const before = snapshot(repo);
    await inBatches(args, 2, async ([label, argv]) => {
      const r = await cli(argv, { cwd: repo });
      expectOneSentence(r, label);
    });
    expect(snapshot(repo)).toEqual(before);
  }, 120_000);

  it(`${badTaskFiles().length} broken task files: one sentence, exit 2, nothing started`, async () => {
    const r0 = makeRepo({ 'train.py': 'X = 1\n', 'prepare.py': '# ro\n', 'autoresearch.yaml': 'command: python3 train.py\nagent: {command: node, args: [-e, "0"]}\n' });
    for (const [label, content] of badTaskFiles()) {
      writeFileSync(path.join(r0, '..', path.basename(r0) + '-tasks.yaml'), content);
      const before = snapshot(r0);
      const r = await mainCapture(['--session', 'fz', '--foreground', '--repo', r0, '--tasks', path.join(r0, '..', path.basename(r0) + '-tasks.yaml')]);
      expectOneSentence(r, label);
      expect(snapshot(r0), label).toEqual(before);
      expect(git(r0, ['branch', '--show-current'])).toBe('main');
    }
  }, 60_000);

  it(`${badSweepFiles().length} broken sweep files: one sentence, exit 2, no file changes`, async () => {
    const r0 = makeRepo({ 'train.py': 'X = 1\n', 'prepare.py': '# ro\n', 'autoresearch.yaml': 'command: python3 train.py\n' });
    const cwd = process.cwd();
    process.chdir(r0);
    try {
      for (const [label, content] of badSweepFiles()) {
        writeFileSync(path.join(r0, '..', path.basename(r0) + '-sweep.yaml'), content);
        const before = snapshot(r0);
        const r = await mainCapture(['sweep', '--dry-run', path.join(r0, '..', path.basename(r0) + '-sweep.yaml')]);
        expectOneSentence(r, label);
        expect(snapshot(r0), label).toEqual(before);
      }
    } finally {
      process.chdir(cwd);
    }
  }, 60_000);

  it(`${damagedLedgers().length} damaged ledgers are read with a warning, never a crash`, async () => {
    const r0 = makeRepo({ 'train.py': 'X = 1\n' });
    git(r0, ['checkout', '-q', '-b', 'autoresearch/t']);
    mkdirSync(path.join(r0, '.autoresearch', 't'), { recursive: true });
    writeFileSync(path.join(r0, '.autoresearch', 't', 'state.json'), JSON.stringify({ v: 1, tag: 't', branch: 'autoresearch/t', base: git(r0, ['rev-parse', 'HEAD']), created: '', metric: 'val_bpb', goal: 'min', readonly: {} }));
    const cwd = process.cwd();
    process.chdir(r0);
    try {
      for (const [label, content] of damagedLedgers()) {
        writeFileSync(path.join(r0, '.autoresearch', 't', 'runs.jsonl'), content);
        const r = await mainCapture(['report', '--json']);
        expect(r.stderr, label).not.toMatch(/internal error|\n\s+at .+:\d+:\d+/);
        expect(r.exitCode, label + r.stderr).toBe(0);
        expect(() => JSON.parse(r.stdout), label).not.toThrow();
        // Damage is named; a clean CRLF or empty ledger is simply read.
        if (!/CRLF|empty|blank/.test(label)) expect(r.stderr, label).toMatch(/^ar-supervise: warning: runs\.jsonl .+/);
      }
    } finally {
      process.chdir(cwd);
    }
  }, 60_000);

  it(`${badImportFiles().length} files import refuses: one sentence, exit 2, nothing written`, async () => {
    const r0 = makeRepo({ 'train.py': 'X = 1\n', 'prepare.py': '# ro\n' });
    const file = path.join(r0, '..', path.basename(r0) + '-import.tsv');
    for (const [label, content] of badImportFiles()) {
      writeFileSync(file, content);
      const before = snapshot(r0);
      const r = await mainCapture(['import', file, '--tag', 'imp', '--repo', r0]);
      expectOneSentence(r, label);
      expect(snapshot(r0), label).toEqual(before);
      expect(git(r0, ['branch', '--list', 'autoresearch/imp']), label).toBe('');
    }
  }, 60_000);

  it(`${damagedTsvLedgers().length} damaged results.tsv ledgers (no runs.jsonl) are read with a warning, never a crash`, async () => {
    const r0 = makeRepo({ 'train.py': 'X = 1\n' });
    git(r0, ['checkout', '-q', '-b', 'autoresearch/k']);
    const cwd = process.cwd();
    process.chdir(r0);
    try {
      for (const [label, content] of damagedTsvLedgers()) {
        writeFileSync(path.join(r0, 'results.tsv'), content);
        const r = await mainCapture(['report', '--json', '--tag', 'k']);
        expect(r.stderr, label).not.toMatch(/internal error|\n\s+at .+:\d+:\d+/);
        expect(r.exitCode, label + r.stderr).toBe(0);
        expect(() => JSON.parse(r.stdout), label).not.toThrow();
        // Damage is named; a clean CRLF, BOM, headerless or empty ledger is simply read.
        if (!/CRLF|BOM|no header|empty/.test(label)) expect(r.stderr, label).toMatch(/^ar-supervise: warning: results\.tsv .+/);
        else expect(r.stderr, label).toBe('');
      }
    } finally {
      process.chdir(cwd);
    }
  }, 60_000);
});
