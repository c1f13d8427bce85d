import { describe, expect, it } from 'vitest';
import { LedgerColumns, layoutOf, readLedgerColumns, readLedgerTsv, recordsFromLedger } from '../../src/report/load.js';
import { fixtureText } from './helpers.js';

// Ledgers as public autoresearch forks keep them: columns are found by the header's names.
describe('results.tsv read by its header', () => {
  it("reads karpathy's five columns as before", () => {
    const { metric, rows, warnings } = readLedgerTsv(fixtureText('karpathy/results.tsv'));
    expect(metric).toBe('val_bpb');
    expect(warnings).toEqual([]);
    expect(rows[0]).toEqual({ line: 2, commit: 'a1b2c3d', value: 0.9979, memoryGb: 44, status: 'keep', description: 'baseline' });
  });

  it('reads extra columns before status as metrics of the run', () => {
    const { metric, rows, warnings } = readLedgerTsv(fixtureText('forks/artifact.tsv'));
    expect(warnings).toEqual([]);
    expect(metric).toBe('val_bpb');
    expect(rows.map((r) => r.status)).toEqual(['keep', 'keep', 'discard', 'crash', 'keep']);
    expect(rows[0]).toEqual({ line: 2, commit: 'c2ae6d8', value: 1.374486, memoryGb: 10, status: 'keep', description: 'baseline: 9L 512d, tied embeddings', metrics: { artifact_mb: 11.96 } });
    expect(rows[4]!.description).toBe('SWA over 150 warmdown steps → massive gain 🚀');
    expect(rows[4]!.metrics).toEqual({ artifact_mb: 15.4 });
  });

  it('reads the eleven-column layout; a crash row of zeros has no value and no metrics', () => {
    const { rows, warnings } = readLedgerTsv(fixtureText('forks/eleven.tsv'));
    expect(warnings).toEqual([]);
    expect(rows).toHaveLength(4);
    expect(rows[0]).toMatchObject({ commit: '3087aeb', value: 2.33567, memoryGb: 5.5, status: 'keep', description: 'baseline (SwiGLU d12), loss 1.50→5.15' });
    expect(rows[0]!.metrics).toEqual({ mfu: 58.1, tok_per_sec: 37700, num_steps: 180, num_params_M: 162.1, batch_size: 4, final_loss: 5.155 });
    expect(rows[2]).toMatchObject({ status: 'crash', value: null, memoryGb: 0, description: 'weight tying: loss stuck at 10.82' });
    expect(rows[2]!.metrics).toBeUndefined();
  });

  it('reads extra columns after status and after the description', () => {
    const { rows, warnings } = readLedgerTsv(fixtureText('forks/after.tsv'));
    expect(warnings).toEqual([]);
    expect(rows[1]).toMatchObject({ value: 0.9932, memoryGb: 44.2, status: 'keep', description: 'increase LR to 0.04, warmup 2%', metrics: { tok_per_sec: 41250, seconds: 300 } });
    expect(rows[2]!.description).toBe('switch to GeLU — «worse»');
    expect(rows[3]!.metrics).toBeUndefined();
  });

  it("reads a file without a header as karpathy's five columns, without a warning", () => {
    const { metric, rows, warnings } = readLedgerTsv(fixtureText('forks/no-header.tsv'));
    expect(warnings).toEqual([]);
    expect(metric).toBe('val_bpb');
    expect(rows.map((r) => [r.line, r.commit, r.status])).toEqual([
      [1, 'a1b2c3d', 'keep'],
      [2, 'b2c3d4e', 'keep'],
      [3, 'c3d4e5f', 'discard'],
      [4, 'd4e5f60', 'crash'],
    ]);
    expect(readLedgerTsv(fixtureText('forks/no-header.tsv'), 'results.tsv', { metric: 'loss' }).metric).toBe('loss');
  });

  it('reads CRLF line ends with extra columns', () => {
    const { rows, warnings } = readLedgerTsv(fixtureText('forks/crlf.tsv'));
    expect(warnings).toEqual([]);
    expect(rows.map((r) => r.description)).toEqual(['baseline', 'GPTQ-lite, stride=256', 'int6 (OOM)']);
    expect(rows[1]!.metrics).toEqual({ artifact_mb: 11.99 });
  });

  it("finds the configured metric by name; text columns are not metrics; another tool's status is a warning", () => {
    const { metric, rows, warnings } = readLedgerTsv(fixtureText('forks/metric-later.tsv'), 'results.tsv', { metric: 'val_bpb' });
    expect(metric).toBe('val_bpb');
    expect(rows.map((r) => r.value)).toEqual([0.964088, 0.954881, 1.030709]);
    expect(rows[1]!.metrics).toEqual({ delta_vs_best: -0.009207 });
    expect(warnings).toEqual(['results.tsv line 4 has an unknown status "tentative"; skipped']);
  });

  it('takes statuses in any case, as karpathy\'s notebook does', () => {
    const { rows, warnings } = readLedgerTsv('commit\tval_bpb\tmemory_gb\tstatus\tdescription\nabc1234\t1.0\t2.0\tKEEP\tx\n');
    expect(warnings).toEqual([]);
    expect(rows[0]!.status).toBe('keep');
  });

  it('warns about what is really malformed', () => {
    const text = [
      'commit\tval_bpb\tmemory_gb\tstatus\tdescription\ttok_per_sec',
      'abc1234\t1.0\t2.0\tkeep\tfine\t100',
      'abc1235\t1.0\t2.0\tkeep\ta stray\ttab\t100',
      'abc1236\t1.0\tkeep',
      'abc1237\tabc\t2.0\tdiscard\tno number\t5',
      'abc1238\t1.0\t2.0\tkeep\ttruncated',
    ].join('\n');
    const { rows, warnings } = readLedgerTsv(text);
    expect(rows.map((r) => r.commit)).toEqual(['abc1234', 'abc1237']);
    expect(warnings).toEqual([
      'results.tsv line 3 has 7 columns, expected 6; skipped',
      'results.tsv line 4 has 3 columns, expected 6; skipped',
      'results.tsv line 5 has an unreadable val_bpb "abc"',
      'results.tsv line 6 is truncated; skipped',
    ]);
  });

  it('says so when the header lacks a status or commit column', () => {
    expect(layoutOf('commit\tval_bpb\tmemory_gb\tstate\tdescription')!.warnings).toEqual(["line 1: the header names no status column; read as karpathy's five columns"]);
    const h = layoutOf('sha\tval_bpb\tstatus\tdescription')!;
    expect(h.warnings).toEqual(['line 1: the header names no commit column; the first column is read as the commit']);
    expect(h.layout).toMatchObject({ commit: 0, value: 1, memory: -1, status: 2, description: 3 });
    expect(layoutOf('a1b2c3d\t0.99\t44.0\tkeep\tstatus')).toBeNull();
  });

  it('makes records whose metrics hold the extra columns', () => {
    const { rows, metric } = readLedgerTsv(fixtureText('forks/eleven.tsv'));
    const records = recordsFromLedger(rows, metric, 'x');
    expect(records[0]!.metrics).toEqual({ val_bpb: 2.33567, mfu: 58.1, tok_per_sec: 37700, num_steps: 180, num_params_M: 162.1, batch_size: 4, final_loss: 5.155 });
    expect(records[2]!.metrics).toEqual({});
    expect(records.map((r) => r.bestBefore)).toEqual([null, 2.33567, 2.33567, 2.33567]);
  });

  it('the column reader agrees with the row reader on every shape, also from a mark on', () => {
    for (const f of ['artifact.tsv', 'eleven.tsv', 'after.tsv', 'no-header.tsv', 'crlf.tsv', 'metric-later.tsv']) {
      const text = fixtureText(`forks/${f}`);
      const full = readLedgerTsv(text, 'results.tsv', { metric: 'val_bpb' });
      const cols = readLedgerColumns(text, 'results.tsv', 1, { metric: 'val_bpb' });
      expect(cols.warnings).toEqual(full.warnings);
      expect(cols.rows).toEqual(LedgerColumns.of(full.rows));
      // The rest after line 2, read with the header's layout (as the report cache does).
      const nl = text.indexOf('\n', text.indexOf('\n') + 1) + 1;
      const header = layoutOf(text.slice(0, text.indexOf('\n')), { metric: 'val_bpb' });
      const rest = readLedgerColumns(text.slice(nl), 'results.tsv', 3, { metric: 'val_bpb', layout: header?.layout });
      expect(rest.rows).toEqual(LedgerColumns.of(full.rows.filter((r) => r.line >= 3)));
    }
  });
});
