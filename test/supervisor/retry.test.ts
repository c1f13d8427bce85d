import { describe, expect, it } from 'vitest';
import { RetryPolicy, fmtWait } from '../../src/supervisor/retry.js';
import type { TurnFailure } from '../../src/agents/failure.js';

const rate: TurnFailure = { kind: 'transient', cause: 'rate limited', detail: 'API Error: Request rejected (429)' };
const over: TurnFailure = { kind: 'transient', cause: 'overloaded', detail: 'API Error: 529 Overloaded' };
const S = { initialMs: 30_000, maxMs: 900_000, limitMs: 7_200_000 };

describe('the retry policy', () => {
  it('backs off 30 s doubling to 15 min, with jitter within ±20 %, and never past the cap', () => {
    const lo = new RetryPolicy(S, () => 0);
    const hi = new RetryPolicy(S, () => 0.999999);
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => lo.backoff(n))).toEqual([24_000, 48_000, 96_000, 192_000, 384_000, 720_000, 720_000]);
    expect([0, 1, 5, 6, 30].map((n) => hi.backoff(n))).toEqual([36_000, 72_000, 900_000, 900_000, 900_000]);
  });

  it('waits more after each transient failure, records one stretch with every cause, closes it on success', () => {
    const p = new RetryPolicy(S, () => 0.5);
    let t = 1_000_000;
    const waits: number[] = [];
    for (const f of [rate, rate, over]) {
      const d = p.onFailure(f, t);
      expect(d.action).toBe('wait');
      if (d.action === 'wait') waits.push(d.untilMs - t), (t = d.untilMs + 5_000);
    }
    expect(waits).toEqual([30_000, 60_000, 120_000]);
    expect(p.open).toMatchObject({ from: 1_000_000, cause: 'rate limited, overloaded' });
    expect(p.onSuccess(t)).toEqual({ from: 1_000_000, to: t, cause: 'rate limited, overloaded' });
    expect(p.open).toBeNull();
    expect(p.onSuccess(t + 1)).toBeNull();
    // The streak starts again.
    const d = p.onFailure(rate, t + 10);
    expect(d.action === 'wait' && d.untilMs - (t + 10)).toBe(30_000);
  });

  it('transient failures longer than the limit stop the session; the last wait ends at the limit', () => {
    const p = new RetryPolicy({ initialMs: 1000, maxMs: 60_000, limitMs: 100_000 }, () => 0.5);
    let t = 0;
    let d = p.onFailure(rate, t);
    while (d.action === 'wait') {
      expect(d.untilMs).toBeLessThanOrEqual(100_000);
      t = d.untilMs;
      d = p.onFailure(rate, t);
    }
    expect(d).toEqual({ action: 'stop', reason: 'the agent could not work for 2 min (rate limited); last error: API Error: Request rejected (429)' });
  });

  it('a usage limit waits until its reset (not counted toward the limit); a past reset backs off; permanent stops at once', () => {
    const p = new RetryPolicy({ initialMs: 1000, maxMs: 60_000, limitMs: 10_000 }, () => 0.5);
    const d = p.onFailure({ kind: 'usage-limit', cause: 'usage limit', detail: 'x', resetAt: 3_600_000 }, 0);
    expect(d).toEqual({ action: 'wait', untilMs: 3_605_000, why: 'usage limit', usageLimit: true });
    const past = p.onFailure({ kind: 'usage-limit', cause: 'usage limit', detail: 'x', resetAt: 3_600_000 }, 3_605_000);
    expect(past).toMatchObject({ action: 'stop' }); // the stretch began at 0: over the 10 s limit
    const q = new RetryPolicy(S);
    expect(q.onFailure({ kind: 'permanent', cause: 'not logged in', sentence: 'Claude Code is not logged in: fix.', detail: 'x' }, 5)).toEqual({
      action: 'stop',
      reason: 'Claude Code is not logged in: fix.',
    });
    expect(q.onFailure({ kind: 'context', cause: 'context full', detail: 'Prompt is too long' }, 5)).toMatchObject({ action: 'restart' });
  });

  it('says waits in words', () => {
    expect([5_000, 89_000, 120_000, 5_400_000, 7_200_000, 9_000_000].map(fmtWait)).toEqual(['5 s', '89 s', '2 min', '1 h 30 min', '2 h', '2 h 30 min']);
  });
});
