import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { makeRepo, cleanupRepos, ROOT } from '../helpers/repo.js';
import { ledgerHeader } from '../../src/engine/ledger.js';

afterAll(cleanupRepos);

// Each writer appends `n` records+rows through the real appendRun (built code), as separate processes would.
const WRITER = `
import { appendRun } from ${JSON.stringify(path.join(ROOT, 'dist/engine/ledger.js'))};
const [repo, w, n] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
for (let i = 0; i < n; i++) {
  appendRun(repo, { v: 1, id: 0, tag: 'c', start: '', end: '', durationMs: 0, commit: 'w' + w + 'i' + i + 'x'.repeat(40), parent: '',
    description: 'writer ' + w + ' row ' + i + ' ' + 'pad'.repeat(30), status: 'discard', metric: 'val_bpb', value: w + i / 10000,
    bestBefore: null, memoryGb: 1, metrics: {}, exitCode: 0, signal: null, timedOut: false, linesAdded: 0, linesRemoved: 0, log: '' });
}
`;

describe('ledger appends across processes', () => {
  it('8 processes x 1000 rows: no torn, lost or interleaved line', async () => {
    const repo = makeRepo({ 'train.py': 'X = 1\n' });
    mkdirSync(path.join(repo, '.autoresearch', 'c'), { recursive: true });
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path.join(repo, 'results.tsv'), ledgerHeader('val_bpb'));
    const N = 1000;
    await Promise.all(
      Array.from({ length: 8 }, (_, w) => execa('node', ['--input-type=module', '-e', WRITER, repo, String(w), String(N)])),
    );
    const tsv = readFileSync(path.join(repo, 'results.tsv'), 'utf8').split('\n');
    expect(tsv[0]).toBe('commit\tval_bpb\tmemory_gb\tstatus\tdescription');
    const rows = tsv.slice(1).filter(Boolean);
    expect(rows).toHaveLength(8 * N);
    for (const r of rows) expect(r).toMatch(/^w\d+i\d{0,3}x*\t\d+\.\d{6}\t1\.0\tdiscard\twriter \d row \d+ (pad){30}$/);
    const recs = readFileSync(path.join(repo, '.autoresearch/c/runs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(recs).toHaveLength(8 * N);
    for (let w = 0; w < 8; w++) {
      // Each writer's rows arrive complete and in its own order.
      const mine = recs.filter((r) => r.commit.startsWith(`w${w}i`)).map((r) => r.description.split(' ')[3]);
      expect(mine).toEqual(Array.from({ length: N }, (_, i) => String(i)));
    }
  }, 120_000);
});
