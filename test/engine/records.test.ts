import { afterAll, describe, expect, it } from 'vitest';
import { appendFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { followRecords, readRecords } from '../../src/engine/records.js';
import { cleanupRepos, makeRepo } from '../helpers/repo.js';
import { rec } from '../report/helpers.js';

afterAll(cleanupRepos);

const line = (id: number) => JSON.stringify(rec(id, 'discard', 1 + id / 10, { tag: 't' })) + '\n';

describe('runs.jsonl, one reader', () => {
  it('reads whole files and follows a growing one: appended lines only, a torn last line waits, warnings once', () => {
    const repo = makeRepo({ 'a.txt': '' });
    mkdirSync(path.join(repo, '.autoresearch', 't'), { recursive: true });
    const file = path.join(repo, '.autoresearch', 't', 'runs.jsonl');
    writeFileSync(file, line(1) + 'not json\n' + '{"status":"maybe"}\n');
    const follow = followRecords(repo, 't');
    const a = follow();
    expect(a.records.map((r) => r.id)).toEqual([1]);
    expect(a.warnings).toEqual(['runs.jsonl line 2 is not JSON; skipped', 'runs.jsonl line 3 has an unknown status "maybe"; skipped']);
    const half = line(3);
    appendFileSync(file, line(2) + half.slice(0, 20));
    const b = follow();
    expect(b.records.map((r) => r.id)).toEqual([1, 2]);
    expect(b.warnings).toEqual([]); // told already; the torn line is not read yet
    appendFileSync(file, half.slice(20));
    expect(follow().records.map((r) => r.id)).toEqual([1, 2, 3]);
    expect(follow().records).toEqual(readRecords(repo, 't').records);
    // Replaced (a ledger rebuilt by import): read again from its start.
    writeFileSync(file + '.new', line(7));
    renameSync(file + '.new', file);
    expect(follow().records.map((r) => r.id)).toEqual([7]);
  });
});
