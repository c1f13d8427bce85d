import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareLedger, isBinary, LedgerColumns, loadRuns, parseRecords, readLedgerColumns, readLedgerTsv, recordsFromLedger } from '../../src/report/load.js';
import { fixture, fixtureText, makeRepo, normalRecords } from './helpers.js';

describe('parseRecords', () => {
  it('reads a normal night without warnings', () => {
    const { records, warnings } = parseRecords(fixtureText('normal/runs.jsonl'));
    expect(records).toHaveLength(13);
    expect(warnings).toEqual([]);
    expect(records[8]!.violation).toBe('dependency file changed: pyproject.toml');
    expect(records[3]!.crashReason).toBe('oom');
  });

  it('skips a truncated last line with a warning', () => {
    const { records, warnings } = parseRecords(fixtureText('malformed/truncated.jsonl'));
    expect(records.map((r) => r.id)).toEqual([1, 2, 3, 4]);
    expect(warnings).toEqual(['runs.jsonl line 5 is truncated (still being written?); skipped']);
  });

  it('skips lines that are not JSON or not records', () => {
    const { records, warnings } = parseRecords(fixtureText('malformed/garbled.jsonl'));
    expect(records.map((r) => r.id)).toEqual([1, 2, 3]);
    expect(warnings).toEqual([
      'runs.jsonl line 2 is not JSON; skipped',
      'runs.jsonl line 4 has an unknown status "maybe"; skipped',
      'runs.jsonl line 5 is not a run record; skipped',
    ]);
  });

  it('reads CRLF line ends', () => {
    const { records, warnings } = parseRecords(fixtureText('malformed/crlf.jsonl'));
    expect(records).toHaveLength(5);
    expect(warnings).toEqual([]);
  });

  it('caps repeated warnings and counts the rest', () => {
    const text = Array.from({ length: 8 }, () => 'garbage').join('\n') + '\n';
    const { warnings } = parseRecords(text);
    expect(warnings).toHaveLength(6);
    expect(warnings[5]).toBe('runs.jsonl: 3 more lines that are not JSON');
  });

  it('fills fields an older record lacks', () => {
    const { records } = parseRecords('{"status":"keep","value":1.5}\n');
    expect(records[0]).toMatchObject({ id: 1, status: 'keep', value: 1.5, description: '', metrics: {}, durationMs: 0 });
  });

  it('detects binary bytes', () => {
    expect(isBinary(readFileSync(fixture('malformed/binary.jsonl')))).toBe(true);
    expect(isBinary(readFileSync(fixture('normal/runs.jsonl')))).toBe(false);
  });
});

describe('readLedgerTsv', () => {
  it("reads karpathy's format: crash values become null, violations are split off", () => {
    const { metric, rows, warnings } = readLedgerTsv(fixtureText('normal/results.tsv'));
    expect(metric).toBe('val_bpb');
    expect(warnings).toEqual([]);
    expect(rows).toHaveLength(13);
    expect(rows[3]).toMatchObject({ commit: '7b1a238', value: null, status: 'crash', memoryGb: 0 });
    expect(rows[8]).toMatchObject({ status: 'discard', description: 'use flash-attn kernels', violation: 'dependency file changed: pyproject.toml', value: 0.981 });
  });

  it('reads CRLF line ends', () => {
    const { rows, warnings } = readLedgerTsv(fixtureText('malformed/crlf.tsv'));
    expect(warnings).toEqual([]);
    expect(rows).toHaveLength(5);
    expect(rows[1]!.description).toBe('increase LR to 0.04');
  });

  it('warns about wrong column counts and a truncated last line', () => {
    const { rows, warnings } = readLedgerTsv(fixtureText('malformed/columns.tsv'));
    expect(rows.map((r) => r.commit)).toEqual(['bc3f172', 'f502094', 'a0db61b', '7b1a238']);
    expect(rows[2]!.description).toBe('switch to GeLU activation extra columns');
    expect(warnings).toEqual([
      'results.tsv line 3 has 3 columns, expected 5; skipped',
      'results.tsv line 5 has 7 columns, expected 5; the extra ones were read as part of the description',
      'results.tsv line 7 is truncated; skipped',
    ]);
  });

  it('says so for a binary file instead of misreading it', () => {
    const { rows, warnings } = readLedgerTsv('\u0000\u0001PNG');
    expect(rows).toEqual([]);
    expect(warnings).toEqual(['results.tsv is not a text file; skipped']);
  });

  it("reads rows without a header as karpathy's five columns", () => {
    const { rows, warnings } = readLedgerTsv('abc1234\t1.000000\t2.0\tkeep\tbaseline\n');
    expect(rows).toHaveLength(1);
    expect(warnings).toEqual([]);
  });

  it('takes the metric name from the header', () => {
    expect(readLedgerTsv('commit\taccuracy\tmemory_gb\tstatus\tdescription\n').metric).toBe('accuracy');
  });
});

describe('recordsFromLedger', () => {
  it('makes partial records with the best before each run', () => {
    const { rows, metric } = readLedgerTsv(fixtureText('karpathy/results.tsv'));
    const records = recordsFromLedger(rows, metric, 'mar5');
    expect(records).toHaveLength(8);
    expect(records.map((r) => r.bestBefore)).toEqual([null, 0.9979, 0.9932, 0.9932, 0.9932, 0.9901, 0.9901, 0.9894]);
    expect(records[3]).toMatchObject({ id: 4, status: 'crash', value: null, start: '', durationMs: 0 });
    expect(records[3]!.crashReason).toBeUndefined();
  });
});

describe('readLedgerColumns', () => {
  it('reads what readLedgerTsv reads, with the same warnings', () => {
    const texts = [
      fixtureText('normal/results.tsv'),
      fixtureText('tampered/results.tsv'),
      fixtureText('karpathy/results.tsv'),
      fixtureText('malformed/crlf.tsv'),
      fixtureText('malformed/columns.tsv'),
      '',
      '\n',
      'abc1234\t1.000000\t2.0\tkeep\tbaseline\n',
      [
        'commit\tval_bpb\tmemory_gb\tstatus\tdescription',
        ' abc1234\t1.0\t2.0\tkeep\tspace before the commit',
        'abc1235 \t1.0\t2.0\tkeep\tspace after it',
        'abc1236\t 1.0\t2.0\tkeep\tspace before the value',
        'abc1237\t\t2.0\tdiscard\tno value',
        'abc1238\t   \t2.0\tdiscard\tblank value',
        'abc1239\tNaN\t2.0\tdiscard\tNaN',
        'abc1240\t1e400\t2.0\tdiscard\ttoo big',
        'abc1241\t0x10\t2.0\tdiscard\thex',
        'abc1242\t1.0\t2.0\t keep \tpadded status',
        'abc1243\t1.0\t2.0\tKEEP\tupper case',
        'abc1244\t1.0\t2.0\tcrash\tcrash with a value',
        'abc1245\t1.0\t2.0\tkeep\ta\tb',
        '\t\t\t\t',
        '   ',
        '\t1.0\t2.0\tkeep\tno commit',
        'abc1246\t1.0\t2.0\tkeep',
        'abc1247\t0.5\t\tdiscard\t[violation: touched prepare.py] x\r',
        'abc1248\t1.0\t2.0\tkeep\tlast, unterminated\t',
      ].join('\n'),
    ];
    for (const text of texts) {
      const full = readLedgerTsv(text);
      const cols = readLedgerColumns(text);
      expect(cols.metric).toBe(full.metric);
      expect(cols.warnings).toEqual(full.warnings);
      expect(cols.rows).toEqual(LedgerColumns.of(full.rows));
    }
  });
});

describe('compareLedger', () => {
  it('finds nothing when results.tsv matches the records', () => {
    const { rows } = readLedgerTsv(fixtureText('normal/results.tsv'));
    expect(compareLedger(normalRecords(), rows)).toEqual([]);
  });

  it('reports altered and deleted rows', () => {
    const { rows } = readLedgerTsv(fixtureText('tampered/results.tsv'));
    expect(compareLedger(normalRecords(), rows)).toEqual([
      'results.tsv line 7 differs from run #6: status keep instead of discard',
      'results.tsv line 9 differs from run #8: value 0.976400 instead of 0.986400',
      'results.tsv has no row for run #10 (commit c763b80): deleted?',
    ]);
  });

  it('reports a changed commit as one altered row', () => {
    const text = fixtureText('normal/results.tsv').replace('e6d2239', 'aaaaaaa');
    const { rows } = readLedgerTsv(text);
    expect(compareLedger(normalRecords(), rows)).toEqual(['results.tsv line 12 differs from run #11: commit aaaaaaa instead of e6d2239']);
  });

  it('reports rows that no run made', () => {
    const text = fixtureText('normal/results.tsv') + 'fffffff\t0.900000\t40.0\tkeep\tmagic\n';
    const { rows } = readLedgerTsv(text);
    expect(compareLedger(normalRecords(), rows)).toEqual(['results.tsv line 15 (commit fffffff) has no run record: added by hand?']);
  });

  it('does not compare a results.tsv from another tag', () => {
    const { rows } = readLedgerTsv(fixtureText('karpathy/results.tsv'));
    expect(compareLedger(normalRecords(), rows)).toEqual(['results.tsv shares no commit with runs.jsonl (it belongs to another tag?); not compared']);
  });
});

describe('loadRuns', () => {
  it('prefers runs.jsonl and checks results.tsv against it', async () => {
    const repo = makeRepo({ jsonl: 'normal/runs.jsonl', tsv: 'tampered/results.tsv' });
    const loaded = (await loadRuns(repo, 'mar5'))!;
    expect(loaded.source).toBe('runs.jsonl');
    expect(loaded.runs.length).toBe(13);
    expect(loaded.warnings).toHaveLength(3);
  });

  it('leaves alone a results.tsv that belongs to another tag', async () => {
    const repo = makeRepo({ jsonl: 'normal/runs.jsonl', tsv: 'tampered/results.tsv' });
    expect((await loadRuns(repo, 'mar5', { tsvIsThisTag: false }))!.warnings).toEqual([]);
    expect((await loadRuns(makeRepo({ tsv: 'karpathy/results.tsv' }), 'mar5', { tsvIsThisTag: false }))).toBeNull();
  });

  it('reads results.tsv when runs.jsonl has no readable run', async () => {
    const repo = makeRepo({ jsonl: 'malformed/binary.jsonl', tsv: 'karpathy/results.tsv' });
    writeFileSync(path.join(repo, '.autoresearch', 'mar5', 'runs.jsonl'), 'garbage\n');
    const loaded = (await loadRuns(repo, 'mar5'))!;
    expect(loaded.source).toBe('results.tsv');
    expect(loaded.runs.length).toBe(8);
    expect(loaded.warnings).toEqual(['runs.jsonl line 1 is not JSON; skipped', 'runs.jsonl has no readable run; read results.tsv instead']);
  });

  it('does not compare an empty runs.jsonl with results.tsv', async () => {
    const repo = makeRepo({ jsonl: 'malformed/binary.jsonl', tsv: 'normal/results.tsv' });
    writeFileSync(path.join(repo, '.autoresearch', 'mar5', 'runs.jsonl'), '');
    const loaded = (await loadRuns(repo, 'mar5'))!;
    expect(loaded.source).toBe('results.tsv');
    expect(loaded.warnings).toEqual(['runs.jsonl has no readable run; read results.tsv instead']);
  });

  it('falls back to results.tsv when runs.jsonl is missing', async () => {
    const repo = makeRepo({ tsv: 'karpathy/results.tsv' });
    const loaded = (await loadRuns(repo, 'mar5'))!;
    expect(loaded.source).toBe('results.tsv');
    expect(loaded.runs.length).toBe(8);
    expect(loaded.warnings).toEqual([]);
  });

  it('falls back to results.tsv when runs.jsonl is binary', async () => {
    const repo = makeRepo({ jsonl: 'malformed/binary.jsonl', tsv: 'normal/results.tsv' });
    const loaded = (await loadRuns(repo, 'mar5'))!;
    expect(loaded.source).toBe('results.tsv');
    expect(loaded.runs.length).toBe(13);
    expect(loaded.warnings).toEqual(['runs.jsonl is not a text file; skipped']);
  });

  it('returns no records and a warning for a binary runs.jsonl alone', async () => {
    const loaded = (await loadRuns(makeRepo({ jsonl: 'malformed/binary.jsonl' }), 'mar5'))!;
    expect(loaded.runs.length).toBe(0);
    expect(loaded.warnings).toEqual(['runs.jsonl is not a text file; skipped']);
  });

  it('returns null when there is no ledger at all', async () => {
    expect((await loadRuns(makeRepo(), 'mar5'))).toBeNull();
  });
});
