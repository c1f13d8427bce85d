import { describe, it, expect, afterAll } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cli, git } from '../helpers/repo.js';
import { withBudget } from '../../src/commands/demo.js';

const base = mkdtempSync(path.join(tmpdir(), 'ar-demo-test-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('ar-supervise demo', () => {
  it('runs the README demo end to end: a repo, a baseline, a greedy sweep with a keep, the report', async () => {
    const dir = path.join(base, 'demo');
    const r = await cli(['demo', '--budget', '2', '--dir', dir], { cwd: base, timeout: 240_000, env: { TIME_BUDGET: '99' } });
    expect(r.exitCode, r.all).toBe(0);
    const rows = readFileSync(path.join(dir, 'results.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
    expect(rows.length, r.stdout).toBeGreaterThanOrEqual(6);
    expect(rows[0]![4]).toBe('baseline');
    expect(rows.slice(1).some((x) => x[3] === 'keep'), r.stdout).toBe(true);
    // --budget wins over TIME_BUDGET, and the repo's config says what ran.
    expect(readFileSync(path.join(dir, 'autoresearch.yaml'), 'utf8')).toMatch(/^budget_seconds: 2\b/m);
    const rec = JSON.parse(readFileSync(path.join(dir, '.autoresearch/demo/runs.jsonl'), 'utf8').split('\n')[0]!);
    expect(rec.metrics.training_seconds).toBeLessThan(5);
    expect(git(dir, ['branch', '--show-current'])).toBe('autoresearch/demo');
    expect(git(dir, ['status', '--porcelain'])).toBe('');
    expect(r.stdout).toContain(`the ledger:    ${path.join(dir, 'results.tsv')}`);
    expect(r.stdout).toContain(path.join(dir, '.autoresearch', 'demo'));
    expect(r.stdout).toMatch(/Best kept run: .* val_bpb \d\.\d{6}/);
  }, 300_000);

  it('refuses a non-empty --dir and a bad --budget with one sentence', async () => {
    const full = path.join(base, 'full');
    mkdirSync(full);
    writeFileSync(path.join(full, 'mine.txt'), 'keep me\n');
    const a = await cli(['demo', '--dir', full], { cwd: base });
    expect(a.exitCode).toBe(2);
    expect(a.stderr).toMatch(/--dir .*full is not empty/);
    expect(readFileSync(path.join(full, 'mine.txt'), 'utf8')).toBe('keep me\n');
    const b = await cli(['demo', '--budget', '0', '--dir', path.join(base, 'x')], { cwd: base });
    expect(b.exitCode).toBe(2);
    expect(b.stderr.trim()).toBe('ar-supervise: --budget must be a positive number of seconds, not "0".');
    expect(existsSync(path.join(base, 'x'))).toBe(false);
    // No git on PATH (only node): one sentence, nothing made.
    const bin = path.join(base, 'only-node');
    mkdirSync(bin);
    symlinkSync(process.execPath, path.join(bin, 'node'));
    const c = await cli(['demo', '--dir', path.join(base, 'y')], { cwd: base, env: { PATH: bin } });
    expect(c.stderr.trim()).toBe('ar-supervise: the demo needs git, which was not found on PATH.');
    expect(c.exitCode).toBe(2);
    expect(existsSync(path.join(base, 'y'))).toBe(false);
  });

  it('sets the budget in the example config, keeping its comment', () => {
    expect(withBudget('command: python3 train.py\nbudget_seconds: 60   # a minute\nmetric: val_bpb\n', 15)).toBe(
      'command: python3 train.py\nbudget_seconds: 15   # a minute\nmetric: val_bpb\n',
    );
    expect(withBudget('command: python3 train.py', 2.5)).toBe('command: python3 train.py\nbudget_seconds: 2.5\n');
  });
});
