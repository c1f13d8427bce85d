import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRuns, parseRecords } from '../../src/report/load.js';
import { estimateNoise } from '../../src/report/noise.js';
import { parseTime, RunTable } from '../../src/report/runs.js';
import { summarize, timeRange } from '../../src/report/summary.js';
import { fixtureText, makeRepo, normalRecords, rec } from './helpers.js';

describe('parseTime', () => {
  it('is Date.parse, for the engine format and everything else', () => {
    const cases = [
      '2025-03-05T22:01:30.000Z',
      '2024-02-29T12:00:00.000Z', // leap day
      '2025-02-29T12:00:00.000Z', // not a leap year: Date.parse rolls over
      '2025-02-30T00:00:00.000Z',
      '2025-04-31T00:00:00.000Z',
      '1900-02-29T00:00:00.000Z',
      '2000-02-29T00:00:00.000Z',
      '2025-01-01T24:00:00.000Z',
      '2025-01-01T23:59:60.000Z',
      '2025-01-01T23:60:00.000Z',
      '2025-13-01T00:00:00.000Z',
      '2025-00-01T00:00:00.000Z',
      '2025-01-00T00:00:00.000Z',
      '2025-01-32T00:00:00.000Z',
      '2025-1a-01T00:00:00.000Z',
      '0099-01-01T00:00:00.000Z', // Date.UTC would read 1999
      '0100-01-01T00:00:00.000Z',
      '9999-12-31T23:59:59.999Z',
      '2025-01-01T00:00:00Z',
      '2025-01-01',
      '2025-01-01T00:00:00.000+01:00',
      '2025-01-01T00:00:00.000z',
      '+002025-01-01T00:00:00.000Z',
      'Wed, 05 Mar 2025 22:01:30 GMT',
      '',
      'garbage',
    ];
    for (const s of cases) expect([s, parseTime(s)]).toEqual([s, Date.parse(s)]);
    // And a sweep of real times: every month, day and hour boundary of two years.
    for (let t = Date.UTC(2023, 11, 25); t < Date.UTC(2025, 1, 5); t += 3_599_999) {
      const s = new Date(t).toISOString();
      expect(parseTime(s)).toBe(Date.parse(s));
    }
  });
});

describe('RunTable', () => {
  it('summarizes the same as the records it holds', () => {
    const records = normalRecords();
    const opts = { tag: 'mar5', metric: 'val_bpb', goal: 'min' as const, source: 'runs.jsonl' as const };
    expect(summarize(RunTable.of(records), opts)).toEqual(summarize(records, opts));
    expect(RunTable.of(records).metric).toBe('val_bpb');
  });

  it('skips unparsable times in the period, as Date.parse would', () => {
    const records = [rec(1, 'keep', 1, { start: 'not a time' }), rec(2, 'discard', 2, { end: '' }), rec(3, 'keep', 0.5)];
    const { firstStart, lastEnd } = timeRange(records);
    expect(firstStart).toBe(Date.parse(records[1]!.start));
    expect(lastEnd).toBe(Date.parse(records[2]!.end));
  });
});

describe('estimateNoise on repeats (hash table over the keys taken at load)', () => {
  // The straightforward version: a Map per key, the groups in the order their key repeats.
  function reference(records: ReturnType<typeof rec>[], key: (r: ReturnType<typeof rec>) => string): number[][] {
    const seen = new Map<string, number[]>();
    const out: number[][] = [];
    for (const r of records) {
      if (r.value === null || r.violation) continue;
      const k = key(r);
      if (!k) continue;
      const g = seen.get(k);
      if (!g) seen.set(k, [r.value]);
      else {
        if (g.length === 1) out.push(g);
        g.push(r.value);
      }
    }
    return out;
  }
  function pooled(groups: number[][]): number | null {
    let ss = 0;
    let dof = 0;
    for (const g of groups) {
      const m = g.reduce((a, b) => a + b, 0) / g.length;
      ss += g.reduce((a, b) => a + (b - m) ** 2, 0);
      dof += g.length - 1;
    }
    return groups.length ? Math.sqrt(ss / dof) : null;
  }

  it('groups descriptions ignoring case and surrounding space, ASCII or not', () => {
    const descriptions = ['Try LR 0.1', ' try lr 0.1 ', 'TRY LR 0.1\t', 'Ünïcode Idea', 'ünïcode idea', '\u00a0ünïcode idea', 'solo', '', '  ', 'İstanbul', 'i̇stanbul'];
    const records = descriptions.map((d, i) => rec(i + 1, 'discard', 1 + ((i * 7) % 5) / 100, { description: d, commit: `c${i}x`.padEnd(40, '0') }));
    const n = estimateNoise(records)!;
    expect(n.from).toBe('repeats');
    expect(n.sigma).toBeCloseTo(pooled(reference(records, (r) => r.description.trim().toLowerCase()))!, 12);
    expect(n.n).toBe(reference(records, (r) => r.description.trim().toLowerCase()).flat().length);
  });

  it('prefers repeated commits, in the order they repeat', () => {
    const records = Array.from({ length: 500 }, (_, i) => rec(i + 1, 'discard', 1 + ((i * 13) % 17) / 1000, { commit: `c${i % 70}`.padEnd(40, 'f') }));
    const n = estimateNoise(records)!;
    const groups = reference(records, (r) => r.commit);
    expect(n.sigma).toBeCloseTo(pooled(groups)!, 12);
    expect(n.n).toBe(groups.flat().length);
  });
});

describe('loadRuns reads runs.jsonl in chunks', () => {
  const writeJsonl = (text: string) => {
    const repo = makeRepo();
    mkdirSync(path.join(repo, '.autoresearch', 'mar5'), { recursive: true });
    writeFileSync(path.join(repo, '.autoresearch', 'mar5', 'runs.jsonl'), text);
    return repo;
  };

  it('gives the records and warnings parseRecords gives for the whole text', async () => {
    for (const name of ['normal/runs.jsonl', 'malformed/crlf.jsonl', 'malformed/garbled.jsonl', 'malformed/truncated.jsonl']) {
      const text = fixtureText(name);
      const loaded = (await loadRuns(writeJsonl(text), 'mar5', { records: true }))!;
      const parsed = parseRecords(text);
      expect(loaded.records).toEqual(parsed.records);
      expect(loaded.warnings).toEqual(parsed.warnings);
      expect(loaded.runs).toEqual(RunTable.of(parsed.records));
    }
  });

  it('across chunk boundaries: multi-byte characters, a line longer than a chunk, no final newline', async () => {
    const base = normalRecords()[1]!;
    const lines: string[] = [];
    // ~3 MB: lines of varying length with 2-, 3- and 4-byte characters land on every chunk boundary.
    for (let i = 1; i <= 4000; i++) lines.push(JSON.stringify({ ...base, id: i, description: `${'é'.repeat(i % 97)} ${'語'.repeat(i % 13)} ${'🚀'.repeat(i % 5)} run ${i}` }));
    lines.push(JSON.stringify({ ...base, id: 4001, description: 'x'.repeat(1_500_000) }));
    lines.push('{"truncated": ');
    const text = lines.join('\n');
    const loaded = (await loadRuns(writeJsonl(text), 'mar5', { records: true }))!;
    const parsed = parseRecords(text);
    expect(loaded.runs.length).toBe(4001);
    expect(loaded.records).toEqual(parsed.records);
    expect(loaded.warnings).toEqual(['runs.jsonl line 4002 is truncated (still being written?); skipped']);
    expect(loaded.runs.description.get(4000)).toHaveLength(1_500_000);
  });

  it('still says a binary file is binary', async () => {
    const repo = writeJsonl('\u0000'.repeat(10) + '{"status":"keep"}\n');
    expect((await loadRuns(repo, 'mar5'))!.warnings).toEqual(['runs.jsonl is not a text file; skipped']);
  });
});
