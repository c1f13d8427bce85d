import { describe, expect, it } from 'vitest';
import { readLedgerTsv, recordsFromLedger } from '../../src/report/load.js';
import { recurringWords } from '../../src/report/recommend.js';
import { estimateNoise } from '../../src/report/noise.js';
import { summarize } from '../../src/report/summary.js';
import { fixtureText, normalRecords, rec } from './helpers.js';

const opts = { tag: 'mar5', metric: 'val_bpb', goal: 'min' as const, source: 'runs.jsonl' as const };

describe('summarize a normal night', () => {
  const m = summarize(normalRecords(), opts);

  it('counts runs by status, violations apart', () => {
    expect(m.counts).toEqual({ runs: 13, keep: 4, discard: 5, crash: 4, violations: 1, keepRate: 4 / 13 });
  });

  it('spans the first start to the last end', () => {
    // The fixture starts at 22:00:00 and spends 90 s before and 5 s after each run's training:
    // training 3,478,500 ms in all; the last end is 22:00:00 + 13 * 95 s + 3,478.5 s = 23:18:33.5.
    expect(m.period).toEqual({ start: '2025-03-05T22:01:30.000Z', end: '2025-03-05T23:18:33.500Z' });
    expect(m.time.trainingMs).toBe(3_478_500);
    expect(m.time.wallMs).toBe(4_713_500 - 90_000);
  });

  it('goes from the baseline to the best kept value', () => {
    expect(m.baseline).toMatchObject({ id: 1, value: 0.9979 });
    expect(m.best).toMatchObject({ id: 8, value: 0.9864, commit: '8c6ff45' });
    expect(m.change!.absolute).toBeCloseTo(-0.0115, 12);
    expect(m.change!.percent).toBeCloseTo((-0.0115 / 0.9979) * 100, 10);
  });

  it('lists kept improvements with their delta vs the previous best', () => {
    expect(m.improvements.map((i) => [i.id, i.previousBest, i.delta === null ? null : Number(i.delta.toFixed(6))])).toEqual([
      [1, null, null],
      [2, 0.9979, -0.0047],
      [5, 0.9932, -0.0041],
      [8, 0.9891, -0.0027],
    ]);
    expect(m.improvements[3]).toMatchObject({ linesAdded: 9, linesRemoved: 3, description: 'warmup 5% then LR decay' });
  });

  it('ranks discards by how close they came to the best of their time, violations excluded', () => {
    expect(m.nearMisses.map((n) => n.id)).toEqual([11, 6, 12, 3]);
    expect(m.nearMisses[0]!.gap).toBeCloseTo(0.0006, 12);
  });

  it('groups crashes by reason', () => {
    expect(m.crashes.map((c) => [c.reason, c.runs.map((r) => r.id)])).toEqual([
      ['error', [13]],
      ['nan', [7]],
      ['oom', [4]],
      ['timeout', [10]],
    ]);
  });

  it('takes the noise from the records and sees the stall', () => {
    expect(m.noise).toEqual({ sigma: 0.0015, from: 'records', n: 13 });
    expect(m.stall).toMatchObject({ runsSinceKeep: 5, runsThreshold: 5, stalled: true, lastKeep: { id: 8 } });
    expect(m.lanes).toEqual([]);
  });

  it('makes one recommendation per finding, each quoting its runs', () => {
    expect(m.recommendations.map((r) => [r.kind, r.runs])).toEqual([
      ['stall', [8]],
      ['noise', [8]],
      ['near-miss', [11, 6, 12]],
      ['direction', [2, 5, 8]],
      ['direction', [2, 5]],
      ['memory', [4]],
      ['timeout', [10]],
      ['nan', [7]],
      ['violation', [9]],
    ]);
    expect(m.recommendations[3]!.text).toBe(
      '"LR" was in 3 kept changes (#2, #5, #8) out of 3 tries, worth 0.011500 val_bpb together: more changes along that line may keep paying.',
    );
  });
});

describe('summarize edge cases', () => {
  it('handles no runs', () => {
    const m = summarize([], opts);
    expect(m.counts.runs).toBe(0);
    expect(m.baseline).toBeNull();
    expect(m.change).toBeNull();
    expect(m.stall.stalled).toBe(false);
    expect(m.recommendations).toEqual([]);
  });

  it('calls two hours without a keep a stall, even in few runs', () => {
    // #1 ends at 00:15, #15 at 02:35: 2 h 20 min and 3 runs since the last keep.
    const records = [rec(1, 'keep', 1), rec(13, 'discard', 1.1), rec(14, 'discard', 1.1), rec(15, 'discard', 1.1)];
    const m = summarize(records, opts);
    expect(m.stall).toMatchObject({ runsSinceKeep: 3, msSinceKeep: 14 * 600_000, stalled: true });
    expect(m.recommendations[0]!.text).toMatch(/^No keep in the last 3 runs \(2\.3 h\), since #1 run 1:/);
    expect(summarize(records.slice(0, 3), opts).stall.stalled).toBe(false);
  });

  it('follows the goal: max means higher is better', () => {
    const records = [rec(1, 'keep', 0.5), rec(2, 'keep', 0.6), rec(3, 'discard', 0.58), rec(4, 'keep', 0.55)];
    const m = summarize(records, { ...opts, goal: 'max', metric: 'acc' });
    expect(m.best).toMatchObject({ id: 2, value: 0.6 });
    expect(m.nearMisses[0]).toMatchObject({ id: 3, bestBefore: 0.6 });
    expect(m.nearMisses[0]!.gap).toBeCloseTo(0.02, 12);
  });

  it('breaks down lanes, each with its own running best', () => {
    const records = [
      rec(1, 'keep', 1.0, { lane: 'a' }),
      rec(2, 'keep', 1.2, { lane: 'b' }),
      rec(3, 'keep', 1.1, { lane: 'b' }),
      rec(4, 'crash', null, { lane: 'a', crashReason: 'oom' }),
    ];
    const m = summarize(records, opts);
    expect(m.lanes.map((l) => [l.lane, l.runs, l.keep, l.crash, l.best])).toEqual([
      ['a', 2, 1, 1, 1.0],
      ['b', 2, 2, 0, 1.1],
    ]);
    expect(m.improvements.map((i) => i.previousBest)).toEqual([null, null, 1.2]);
    expect(m.best!.value).toBe(1.0);
  });

  it('reads a karpathy-only ledger without times or lines', () => {
    const { rows, metric } = readLedgerTsv(fixtureText('karpathy/results.tsv'));
    const m = summarize(recordsFromLedger(rows, metric, 'mar5'), { ...opts, source: 'results.tsv' });
    expect(m.period).toEqual({ start: null, end: null });
    expect(m.time).toEqual({ trainingMs: null, wallMs: null, trainingShare: null });
    expect(m.improvements.every((i) => i.linesAdded === null)).toBe(true);
    expect(m.crashes).toEqual([{ reason: 'unknown', count: 1, runs: [expect.objectContaining({ id: 4 })] }]);
    expect(m.best!.value).toBe(0.9894);
  });
});

describe('noise', () => {
  it('pools the std of reruns of one commit', () => {
    // Commit A: 1.0, 1.2 (var 0.02); commit B: 2.0, 2.1, 2.2 (var 0.01). Pooled: (0.02 + 2 * 0.01) / 3.
    const records = [
      rec(1, 'keep', 1.0, { commit: 'a'.repeat(40) }),
      rec(2, 'discard', 1.2, { commit: 'a'.repeat(40) }),
      rec(3, 'keep', 2.0, { commit: 'b'.repeat(40) }),
      rec(4, 'discard', 2.1, { commit: 'b'.repeat(40) }),
      rec(5, 'discard', 2.2, { commit: 'b'.repeat(40) }),
    ];
    const n = estimateNoise(records)!;
    expect(n.from).toBe('repeats');
    expect(n.n).toBe(5);
    expect(n.sigma).toBeCloseTo(Math.sqrt(0.04 / 3), 12);
  });

  it('falls back to repeated descriptions, and to null', () => {
    const same = [rec(1, 'keep', 1.0, { description: 'baseline' }), rec(2, 'discard', 1.1, { description: 'Baseline ' })];
    expect(estimateNoise(same)!.sigma).toBeCloseTo(Math.sqrt(0.005), 12);
    expect(estimateNoise([rec(1, 'keep', 1.0)])).toBeNull();
  });
});

describe('recurringWords', () => {
  it('needs two keeps and a keep rate of at least one half', () => {
    const records = [
      rec(1, 'keep', 1.0, { description: 'baseline' }),
      rec(2, 'keep', 0.9, { description: 'wider MLP' }),
      rec(3, 'discard', 0.95, { description: 'wider attention' }),
      rec(4, 'keep', 0.8, { description: 'wider embeddings' }),
      rec(5, 'discard', 0.85, { description: 'deeper MLP' }),
      rec(6, 'discard', 0.85, { description: 'MLP dropout' }),
    ];
    const m = summarize(records, { ...opts, metric: 'loss' });
    // "wider": 2 keeps of 3 tries; "MLP": 1 keep.
    expect(recurringWords(records, m)).toEqual([{ word: 'wider', keeps: [2, 4], tries: 3, gain: expect.closeTo(0.2, 12) }]);
  });
});

describe('which agent made the runs', () => {
  it('counts runs per agent profile and model, most first; the baseline (no agent) is not counted; the cache keeps it', async () => {
    const records = [
      rec(1, 'keep', 1),
      rec(2, 'discard', 1.1, { agent: 'codex', model: 'gpt-5' }),
      rec(3, 'keep', 0.9, { agent: 'claude' }),
      rec(4, 'discard', 1.2, { agent: 'codex', model: 'gpt-5' }),
    ];
    const m = summarize(records, opts);
    expect(m.agents).toEqual([
      { agent: 'codex', model: 'gpt-5', runs: 2 },
      { agent: 'claude', model: null, runs: 1 },
    ]);
    expect(summarize([rec(1, 'keep', 1)], opts).agents).toBeUndefined();
    const { renderMarkdown } = await import('../../src/report/markdown.js');
    expect(renderMarkdown(m)).toContain('Agent: codex (gpt-5): 2 runs; claude: 1 run.');
  });
});

describe('runs as a cluster\'s jobs', () => {
  it('counts them per engine, with their nodes and their time queued; local runs do not count; none: no line', async () => {
    const job = (node: string | null, queuedSeconds: number) => ({ job: { engine: 'slurm', id: '9', node, queuedSeconds, state: 'COMPLETED' } });
    const records = [
      rec(1, 'keep', 1, job('a07', 2)),
      rec(2, 'discard', 1.1, job('a01', 12)),
      rec(3, 'crash', null, job(null, 200)), // cancelled while queued: no node
      rec(4, 'discard', 1.2, job('a07', 30)),
      rec(5, 'discard', 1.3, { job: { engine: 'local', id: '1', node: null, queuedSeconds: 0, state: 'exited' } }),
    ];
    const m = summarize(records, opts);
    expect(m.jobs).toEqual([{ engine: 'slurm', runs: 4, nodes: ['a01', 'a07'], queuedSeconds: { total: 244, median: 21, max: 200 } }]);
    const { renderMarkdown } = await import('../../src/report/markdown.js');
    expect(renderMarkdown(m)).toContain('Cluster (slurm): 4 runs as jobs on 2 nodes (a01, a07); queued 4 min in all, median 21 s, longest 3 min.');
    expect(summarize([rec(1, 'keep', 1)], opts).jobs).toBeUndefined();
    expect(renderMarkdown(summarize([rec(1, 'keep', 1)], opts))).not.toContain('Cluster');
  });
});
