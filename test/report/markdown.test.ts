import { describe, expect, it } from 'vitest';
import { readLedgerTsv, recordsFromLedger } from '../../src/report/load.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { summarize } from '../../src/report/summary.js';
import { fixtureText, normalRecords, rec } from './helpers.js';

const files = { png: 'progress.png', svg: 'progress.svg', csv: 'runs.csv', tsv: 'runs.tsv', json: 'report.json' };
const normal = () => summarize(normalRecords(), { tag: 'mar5', metric: 'val_bpb', goal: 'min', source: 'runs.jsonl' });

describe('renderMarkdown', () => {
  it('renders the normal night (golden)', async () => {
    await expect(renderMarkdown(normal(), { files })).toMatchFileSnapshot('../fixtures/ledgers/normal/report.expected.md');
  });

  it('renders a karpathy-only ledger (golden)', async () => {
    const { rows, metric } = readLedgerTsv(fixtureText('karpathy/results.tsv'));
    const m = summarize(recordsFromLedger(rows, metric, 'mar5'), { tag: 'mar5', metric, goal: 'min', source: 'results.tsv' });
    await expect(renderMarkdown(m, { files })).toMatchFileSnapshot('../fixtures/ledgers/karpathy/report.expected.md');
  });

  it('has the headline numbers', () => {
    const md = renderMarkdown(normal(), { files });
    expect(md).toContain('13 runs from 2025-03-05 22:01 UTC to 2025-03-05 23:18 UTC.');
    expect(md).toContain('Runs: 4 kept (31%), 5 discarded, 4 crashed, 1 violation (counted as discarded).');
    expect(md).toContain('val_bpb (lower is better): 0.997900 at #1 → best 0.986400 at #8 8c6ff45 (−0.011500, −1.15%).');
    expect(md).toContain('![progress](progress.png)');
  });

  it('escapes pipes in table cells', () => {
    expect(renderMarkdown(normal())).toContain('#13 grouped-query attention \\| 8 kv heads');
  });

  it('short: headline, first kept runs and recommendations only', () => {
    const md = renderMarkdown(normal(), { short: true, files });
    expect(md).toContain('## Kept improvements');
    expect(md).toContain('## Recommendations');
    expect(md).not.toContain('## Crashes');
    expect(md).not.toContain('![progress]');
  });

  it('caps long tables and says how many more', () => {
    const many = [rec(1, 'keep', 10), ...Array.from({ length: 7 }, (_, i) => rec(i + 2, 'keep', 9 - i))];
    const md = renderMarkdown(summarize(many, { tag: 't', metric: 'loss', goal: 'min', source: 'runs.jsonl' }), { short: true });
    expect(md).toContain('…and 3 more (see report.json).');
  });

  it('says so when nothing was kept or measured', () => {
    const none = summarize([rec(1, 'crash', null)], { tag: 't', metric: 'loss', goal: 'min', source: 'runs.jsonl' });
    expect(renderMarkdown(none)).toContain('loss: no run produced a value.');
  });
});
