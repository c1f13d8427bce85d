import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ledgerHeader, ledgerRow } from '../../src/engine/ledger.js';
import type { RunRecord } from '../../src/engine/types.js';
import { CACHE_FILE, loadRuns } from '../../src/report/load.js';
import type { RunTable } from '../../src/report/runs.js';
import { buildReport } from '../../src/report/index.js';
import { decodeTable } from '../../src/report/table-cache.js';
import { makeRepo, rec } from './helpers.js';
import { execFileSync } from 'node:child_process';
import { BIN } from '../helpers/repo.js';

// The report's cache of the parsed runs: whatever state the files are in, a report read through the
// cache must say exactly what a report without it says.

const TAG = 'mar5';

function records(from: number, to: number): RunRecord[] {
  const out: RunRecord[] = [];
  for (let i = from; i <= to; i++) {
    const status = i % 7 === 0 ? 'crash' : i % 5 === 0 ? 'keep' : 'discard';
    out.push(rec(i, status, status === 'crash' ? null : 1 + ((i * 37) % 100) / 1000, { description: `try ${i % 3 ? 'lr' : 'width'} ${i}`, ...(status === 'crash' ? { crashReason: 'oom' } : {}), ...(i % 4 === 0 ? { agent: 'codex', model: 'gpt-5' } : {}), ...(i % 3 === 0 ? { job: { engine: 'slurm', id: String(800 + i), node: i % 2 ? 'a07' : null, queuedSeconds: i % 11, state: 'COMPLETED' } } : {}) }));
  }
  return out;
}

function ledger(n: number): { repo: string; jsonl: string; tsv: string; cache: string } {
  const repo = makeRepo();
  const dir = path.join(repo, '.autoresearch', TAG);
  const files = { repo, jsonl: path.join(dir, 'runs.jsonl'), tsv: path.join(repo, 'results.tsv'), cache: path.join(dir, CACHE_FILE) };
  appendRuns(files, records(1, n), true);
  return files;
}

function appendRuns(f: { jsonl: string; tsv: string }, recs: RunRecord[], fresh = false): void {
  const jsonl = recs.map((r) => JSON.stringify(r) + '\n').join('');
  const tsv = recs.map((r) => ledgerRow(r)).join('');
  if (fresh) {
    mkdirSync(path.dirname(f.jsonl), { recursive: true });
    writeFileSync(f.jsonl, jsonl);
    writeFileSync(f.tsv, ledgerHeader('loss') + tsv);
  } else {
    appendFileSync(f.jsonl, jsonl);
    appendFileSync(f.tsv, tsv);
  }
}

/** Everything the report reads of a table, as plain values. */
function view(t: RunTable) {
  const n = t.length;
  const col = (a: Float64Array | Int32Array | Uint8Array) => Array.from(a.subarray(0, n));
  return {
    n,
    metric: t.metric,
    status: col(t.status),
    id: col(t.id),
    value: col(t.value),
    bestBefore: col(t.bestBefore),
    durationMs: col(t.durationMs),
    startMs: col(t.startMs),
    commitHash: col(t.commitHash),
    descriptionHash: col(t.descriptionHash),
    commit: t.commit.toArray(),
    description: t.description.toArray(),
    lane: t.lane.slice(0, n),
    agent: t.agent.slice(0, n),
    job: t.job.slice(0, n),
    violation: t.violation.slice(0, n),
    crashReason: t.crashReason.slice(0, n),
  };
}

async function expectSameAsUncached(repo: string): Promise<void> {
  const cached = (await loadRuns(repo, TAG))!;
  const plain = (await loadRuns(repo, TAG, { cache: false }))!;
  expect(cached.warnings).toEqual(plain.warnings);
  expect(view(cached.runs)).toEqual(view(plain.runs));
}

describe('the report cache', () => {
  it('is written by a report, covers the complete lines, and reads only what was appended since', async () => {
    const f = ledger(40);
    await expectSameAsUncached(f.repo);
    const c = decodeTable(readFileSync(f.cache))!;
    expect(c.size).toBe(readFileSync(f.jsonl).length);
    expect(c.table.length).toBe(40);
    expect(c.tsv).toMatchObject({ rows: 40, lines: 41, size: readFileSync(f.tsv).length });

    appendRuns(f, records(41, 45));
    await expectSameAsUncached(f.repo);
    expect(decodeTable(readFileSync(f.cache))!.table.length).toBe(45);
    expect(decodeTable(readFileSync(f.cache))!.tsv?.rows).toBe(45);

    // Proof that the cache is what is read: a value changed in it (and nowhere else) shows.
    const planted = decodeTable(readFileSync(f.cache))!;
    expect(planted.table.value[3]).not.toBe(42);
    const bytes = readFileSync(f.cache);
    const at = bytes.indexOf(Buffer.from(new Float64Array([planted.table.value[3]!]).buffer));
    expect(at).toBeGreaterThan(0);
    Buffer.from(new Float64Array([42]).buffer).copy(bytes, at);
    writeFileSync(f.cache, bytes);
    expect((await loadRuns(f.repo, TAG))!.runs.value[3]).toBe(42);
  });

  it('is not trusted once runs.jsonl changed inside what it covers: same length, shorter, or replaced', async () => {
    const f = ledger(30);
    await loadRuns(f.repo, TAG);
    // A value edited in place, same byte length: what an agent faking a result would do.
    const text = readFileSync(f.jsonl, 'utf8');
    const edited = text.replace('"value":1.0', '"value":0.1');
    expect(edited).not.toBe(text);
    expect(edited.length).toBe(text.length);
    writeFileSync(f.jsonl, edited);
    await expectSameAsUncached(f.repo);
    const warnings = (await loadRuns(f.repo, TAG))!.warnings;
    expect(warnings.some((w) => /results\.tsv line \d+ differs from run #\d+: value/.test(w))).toBe(true);

    writeFileSync(f.jsonl, text.split('\n').slice(0, 10).join('\n') + '\n');
    await expectSameAsUncached(f.repo);
    expect((await loadRuns(f.repo, TAG))!.runs.length).toBe(10);

    writeFileSync(f.jsonl, records(1, 12).map((r) => JSON.stringify({ ...r, description: 'other' }) + '\n').join(''));
    await expectSameAsUncached(f.repo);
  });

  it('keeps damaged and half-written lines as warnings, the same with and without the cache', async () => {
    const f = ledger(20);
    appendFileSync(f.jsonl, 'not json\n{"status":"maybe"}\r\n');
    await expectSameAsUncached(f.repo);
    appendRuns(f, records(21, 22));
    appendFileSync(f.jsonl, '{"v":1,"id":23,"stat'); // being written
    await expectSameAsUncached(f.repo);
    appendFileSync(f.jsonl, 'us":"keep","value":0.5}\n');
    await expectSameAsUncached(f.repo);
    expect((await loadRuns(f.repo, TAG))!.runs.length).toBe(23);
    // A whole record with no line end yet is read, but not cached: it is read once, not twice.
    appendFileSync(f.jsonl, JSON.stringify(records(24, 24)[0]));
    await expectSameAsUncached(f.repo);
    await expectSameAsUncached(f.repo);
    expect((await loadRuns(f.repo, TAG))!.runs.length).toBe(24);
    appendFileSync(f.jsonl, '\n' + JSON.stringify(records(25, 25)[0]) + '\n');
    await expectSameAsUncached(f.repo);
    expect(Array.from((await loadRuns(f.repo, TAG))!.runs.id.subarray(20, 25))).toEqual([21, 22, 23, 24, 25]);
  });

  it('checks results.tsv in full again when it changed before its mark, and not only the new rows', async () => {
    const f = ledger(25);
    await loadRuns(f.repo, TAG);
    const tsv = readFileSync(f.tsv, 'utf8');
    writeFileSync(f.tsv, tsv.replace('\tdiscard\t', '\tkeep\t'));
    await expectSameAsUncached(f.repo);
    expect((await loadRuns(f.repo, TAG))!.warnings).toEqual([expect.stringMatching(/^results\.tsv line \d+ differs from run #\d+: status keep instead of discard$/)]);
    // Put right, and rows appended: clean again, and the mark moves on.
    writeFileSync(f.tsv, tsv);
    appendRuns(f, records(26, 27));
    await expectSameAsUncached(f.repo);
    expect((await loadRuns(f.repo, TAG))!.warnings).toEqual([]);
    expect(decodeTable(readFileSync(f.cache))!.tsv?.rows).toBe(27);
    // A new row that disagrees with its run is reported, through the cache as without it.
    appendRuns(f, records(28, 28));
    appendFileSync(f.tsv, 'deadbee\t0.900000\t1.0\tkeep\thand-made row\n');
    await expectSameAsUncached(f.repo);
    expect((await loadRuns(f.repo, TAG))!.warnings).toEqual(['results.tsv line 30 (commit deadbee) has no run record: added by hand?']);
  });

  it('ignores a damaged cache file, and a report says the same with it', async () => {
    const f = ledger(15);
    const before = await buildReport({ repo: f.repo, tag: TAG });
    writeFileSync(f.cache, 'ar-runs-cache 1\n{"build":"x"}\n');
    const again = await buildReport({ repo: f.repo, tag: TAG });
    expect(again.model).toEqual(before.model);
    writeFileSync(f.cache, readFileSync(f.cache).subarray(0, 10));
    expect((await buildReport({ repo: f.repo, tag: TAG })).model).toEqual(before.model);
    expect(decodeTable(readFileSync(f.cache))!.table.length).toBe(15);
  });

  it('works in the real command: a second report reads the cache, waits for its check, and exits 0', () => {
    const f = ledger(30);
    const report = () => JSON.parse(execFileSync(process.execPath, [BIN, 'report', '--tag', TAG, '--json'], { cwd: f.repo, encoding: 'utf8' })) as { counts: { runs: number }; warnings: string[] };
    expect(report().counts.runs).toBe(30);
    appendRuns(f, records(31, 33));
    const second = report();
    expect(second.counts.runs).toBe(33);
    expect(second.warnings).toEqual([]);
    // Written by the bundle (another build than this test's sources): its header says what it holds.
    const [magic, header] = readFileSync(f.cache, 'latin1').split('\n', 2);
    expect(magic).toBe('ar-runs-cache 1');
    expect(JSON.parse(header!)).toMatchObject({ n: 33, size: readFileSync(f.jsonl).length, tsv: { rows: 33 } });

    // A value planted in the cache alone shows: the command read the cache, not runs.jsonl.
    const bytes = readFileSync(f.cache);
    const run5 = Buffer.from(new Float64Array([records(5, 5)[0]!.value!]).buffer);
    bytes.set(new Uint8Array(new Float64Array([0.5]).buffer), bytes.indexOf(run5));
    writeFileSync(f.cache, bytes);
    const planted = report() as unknown as { best: { value: number; id: number } };
    expect(planted.best).toMatchObject({ value: 0.5, id: 5 });
    // runs.jsonl touched inside what the cache covers (same length): the worker's check fails, all is read again.
    writeFileSync(f.jsonl, readFileSync(f.jsonl, 'utf8').replace('"description":"try lr 1"', '"description":"try lr 9"'));
    expect((report() as unknown as { best: { value: number } }).best.value).not.toBe(0.5);
  });
});
