import { afterAll, describe, expect, it } from 'vitest';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { appendRun, ledgerHeader, readTip, tipOf } from '../../src/engine/ledger.js';
import { readRecords } from '../../src/engine/records.js';
import type { RunRecord } from '../../src/engine/types.js';
import { cleanupRepos, makeRepo } from '../helpers/repo.js';
import { rec } from '../report/helpers.js';

afterAll(cleanupRepos);

// `run` takes the next id and the last keep from the ledger's tip instead of parsing every record,
// but only while runs.jsonl and results.tsv are exactly as the last append left them.

function ledger(): string {
  const repo = makeRepo({ 'a.txt': '' });
  mkdirSync(path.join(repo, '.autoresearch', 't'), { recursive: true });
  writeFileSync(path.join(repo, 'results.tsv'), ledgerHeader('loss'));
  return repo;
}
const run = (id: number, status: RunRecord['status'], value: number | null, extra: Partial<RunRecord> = {}) => rec(id, status, value, { tag: 't', ...extra });

describe('the ledger tip', () => {
  it('follows every append: count and last keep (a violation is never the keep)', () => {
    const repo = ledger();
    expect(readTip(repo, 't')).toBeNull(); // nothing appended by us yet: read the records
    const runs = [run(1, 'keep', 1.0), run(2, 'discard', 1.2), run(3, 'keep', 0.9), run(4, 'crash', null), run(5, 'keep', 0.8, { violation: 'read-only prepare.py changed' })];
    for (const r of runs) {
      appendRun(repo, r);
      expect(readTip(repo, 't')).toEqual(tipOf(readRecords(repo, 't').records));
    }
    expect(readTip(repo, 't')).toEqual({ count: 5, lastKeep: { value: 0.9, commit: runs[2]!.commit } });
  });

  it('is not used once anyone else wrote either file, and is rebuilt from the records by the next append', () => {
    const repo = ledger();
    appendRun(repo, run(1, 'keep', 1.0));
    appendRun(repo, run(2, 'keep', 0.9));
    const jsonl = path.join(repo, '.autoresearch', 't', 'runs.jsonl');
    appendFileSync(jsonl, JSON.stringify(run(3, 'keep', 0.5)) + '\n'); // by hand
    expect(readTip(repo, 't')).toBeNull();
    appendRun(repo, run(4, 'discard', 0.7));
    expect(readTip(repo, 't')).toEqual({ count: 4, lastKeep: { value: 0.5, commit: run(3, 'keep', 0.5).commit } });
    appendFileSync(path.join(repo, 'results.tsv'), 'x\n');
    expect(readTip(repo, 't')).toBeNull();
  });
});
