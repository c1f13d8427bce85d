import { describe, expect, it } from 'vitest';
import { csvField, exportTable, toCsv, toCsvAndTsv, toTsv } from '../../src/report/export.js';
import { normalRecords, rec } from './helpers.js';

describe('exportTable', () => {
  it('has a column per parsed metric, sorted, after the fixed ones', () => {
    const { header, rows } = exportTable(normalRecords());
    expect(header.slice(-7)).toEqual(['depth', 'mfu_percent', 'num_steps', 'peak_vram_mb', 'total_seconds', 'training_seconds', 'val_bpb']);
    expect(header.slice(0, 3)).toEqual(['id', 'tag', 'lane']);
    expect(rows).toHaveLength(13);
    const col = (name: string) => rows.map((r) => r[header.indexOf(name)]);
    expect(col('depth')[10]).toBe('12');
    expect(col('val_bpb')[3]).toBe(''); // a crash has no metrics
    expect(col('crash_reason')[3]).toBe('oom');
    expect(col('violation')[8]).toBe('dependency file changed: pyproject.toml');
    expect(col('duration_s')[0]).toBe('300.5');
  });

  it('prefixes a metric that is named like a fixed column', () => {
    const { header } = exportTable([rec(1, 'keep', 1, { metrics: { value: 3, loss: 1 } })]);
    expect(header).toContain('metric:value');
    expect(header.filter((h) => h === 'value')).toHaveLength(1);
  });
});

describe('CSV', () => {
  it('quotes commas, quotes and line breaks (RFC 4180)', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
  });

  it('writes the normal night with CRLF rows and quoted descriptions', () => {
    const csv = toCsv(normalRecords());
    const lines = csv.split('\r\n');
    expect(lines).toHaveLength(15); // header, 13 rows, trailing empty
    expect(lines[6]).toContain(',"remove ""value embeddings""",');
    expect(lines[12]).toContain(',"tweak adam betas to (0.9, 0.95)",');
  });
});

describe('TSV', () => {
  it('turns tabs and line breaks in fields into spaces', () => {
    const tsv = toTsv([rec(1, 'keep', 1, { description: 'a\tb\nc' })]);
    const [header, row] = tsv.trimEnd().split('\n');
    expect(row!.split('\t')).toHaveLength(header!.split('\t').length);
    expect(row).toContain('\ta b c\t');
  });

  it('matches the CSV cell for cell', () => {
    const { csv, tsv } = toCsvAndTsv(normalRecords());
    expect(tsv.split('\n')[1]!.split('\t')).toEqual(csv.split('\r\n')[1]!.split(','));
  });
});
