import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { appendRun, ledgerHeader, ledgerRow, repairLedger } from '../../src/engine/ledger.js';
import type { RunRecord } from '../../src/engine/types.js';
import { readLedgerTsv } from '../../src/report/load.js';
import { cleanupRepos, cli, jobRepo, makeRepo } from '../helpers/repo.js';
import { rec } from '../report/helpers.js';

afterAll(cleanupRepos);

// Config `ledger_columns` adds summary values to results.tsv in a layout the reader reads back by name.
const COLS = ['artifact_mb', 'tok_per_sec'];
const run = (id: number, status: RunRecord['status'], value: number | null, metrics: RunRecord['metrics'] = {}) =>
  rec(id, status, value, { tag: 't', metric: 'val_bpb', metrics: value === null ? metrics : { val_bpb: value, ...metrics } });

function ledger(columns: string[]): string {
  const repo = makeRepo({ 'a.txt': '' });
  mkdirSync(path.join(repo, '.autoresearch', 't'), { recursive: true });
  writeFileSync(path.join(repo, 'results.tsv'), ledgerHeader('val_bpb', columns));
  return repo;
}

describe('ledger_columns', () => {
  it("without them the header and rows are karpathy's five columns, byte for byte", () => {
    expect(ledgerHeader('val_bpb', [])).toBe('commit\tval_bpb\tmemory_gb\tstatus\tdescription\n');
    const r = { ...run(1, 'keep', 0.9979, { artifact_mb: 15.4 }), commit: 'a1b2c3d0000', memoryGb: 44, description: 'baseline' };
    expect(ledgerRow(r)).toBe('a1b2c3d\t0.997900\t44.0\tkeep\tbaseline\n');
    expect(ledgerRow(r, [])).toBe(ledgerRow(r));
  });

  it('puts the named summary values after memory_gb; a value the run did not print is empty', () => {
    expect(ledgerHeader('val_bpb', COLS)).toBe('commit\tval_bpb\tmemory_gb\tartifact_mb\ttok_per_sec\tstatus\tdescription\n');
    const r = { ...run(1, 'keep', 0.9979, { artifact_mb: 15.4, tok_per_sec: 41000, other: 3 }), commit: 'a1b2c3d0000', memoryGb: 44, description: 'LR 0.04, «warmup» →' };
    expect(ledgerRow(r, COLS)).toBe('a1b2c3d\t0.997900\t44.0\t15.4\t41000\tkeep\tLR 0.04, «warmup» →\n');
    const c = { ...run(2, 'crash', null), commit: 'b2c3d4e0000', description: 'OOM' };
    expect(ledgerRow(c, COLS)).toBe('b2c3d4e\t0.000000\t0.0\t\t\tcrash\tOOM\n');
  });

  it('what the engine writes, the reader reads back by name, and the check finds nothing to repair', () => {
    const repo = ledger(COLS);
    appendRun(repo, run(1, 'keep', 1.0, { artifact_mb: 15.4, tok_per_sec: 41000 }), COLS);
    appendRun(repo, run(2, 'discard', 1.1, { artifact_mb: 16.1 }), COLS);
    appendRun(repo, run(3, 'crash', null), COLS);
    const text = readFileSync(path.join(repo, 'results.tsv'), 'utf8');
    const { rows, warnings } = readLedgerTsv(text);
    expect(warnings).toEqual([]);
    expect(rows.map((r) => [r.status, r.value, r.metrics])).toEqual([
      ['keep', 1, { artifact_mb: 15.4, tok_per_sec: 41000 }],
      ['discard', 1.1, { artifact_mb: 16.1 }],
      ['crash', null, undefined],
    ]);
    expect(repairLedger(repo, 't', 'val_bpb', COLS)).toBeNull();
  });

  it('changed ledger_columns rewrite results.tsv in the new layout at the next append, the old file archived', () => {
    const repo = ledger([]);
    appendRun(repo, run(1, 'keep', 1.0, { artifact_mb: 15.4 }));
    const before = readFileSync(path.join(repo, 'results.tsv'), 'utf8');
    const r = appendRun(repo, run(2, 'discard', 1.1, { artifact_mb: 16.1 }), ['artifact_mb']);
    expect(r.relaid).toBe(true);
    expect(readFileSync(path.join(repo, 'results.tsv'), 'utf8').split('\n').slice(0, 3).map((l) => l.split('\t').slice(0, 4).join(' '))).toEqual([
      'commit val_bpb memory_gb artifact_mb',
      `${run(1, 'keep', 1).commit.slice(0, 7)} 1.000000 10.0 15.4`,
      `${run(2, 'keep', 1).commit.slice(0, 7)} 1.100000 10.0 16.1`,
    ]);
    const archive = path.join(repo, '.autoresearch', 't', 'archive');
    expect(readdirSync(archive).map((f) => readFileSync(path.join(archive, f), 'utf8'))).toEqual([before]);
    // The same columns again: plain appends, nothing rewritten.
    expect(appendRun(repo, run(3, 'keep', 0.9), ['artifact_mb'])).toEqual({ repaired: null, relaid: false });
    expect(existsSync(archive) && readdirSync(archive).length).toBe(1);
  });

  it('a real night: init writes the header, run the rows, report reads them back without a warning', async () => {
    const repo = jobRepo('summary.py', { ledger_columns: ['num_steps', 'mfu_percent'], budget_seconds: 10 });
    expect((await cli(['init', '--tag', 't1'], { cwd: repo })).exitCode).toBe(0);
    const f = path.join(repo, 'train.py');
    writeFileSync(f, readFileSync(f, 'utf8').replace(/^X = .*$/m, 'X = 2.0'));
    expect((await cli(['run', '-m', 'X=2, «closer» →'], { cwd: repo })).exitCode).toBe(0);
    const lines = readFileSync(path.join(repo, 'results.tsv'), 'utf8').split('\n');
    expect(lines[0]).toBe('commit\tval_bpb\tmemory_gb\tnum_steps\tmfu_percent\tstatus\tdescription');
    expect(lines.slice(1, 3).map((l) => l.split('\t').slice(1))).toEqual([
      ['1.400000', '2.0', '3', '0', 'keep', 'baseline'],
      ['1.100000', '2.0', '3', '0', 'keep', 'X=2, «closer» →'],
    ]);
    const report = await cli(['report', '--json'], { cwd: repo });
    expect(report.exitCode, report.all).toBe(0);
    expect(report.stderr).toBe('');
    expect(JSON.parse(report.stdout).counts).toMatchObject({ runs: 2, keep: 2 });
  }, 60_000);
});
