import { describe, it, expect } from 'vitest';
import { parseSummary, classify, errorExcerpt } from '../../src/engine/metrics.js';

const KARPATHY = `step 00953 (100.0%) | loss: 3.1 | lrm: 0.00 | dt: 312ms | tok/sec: 1,680,000 | mfu: 39.8% | epoch: 1 | remaining: 0s
---
val_bpb:          0.997900
training_seconds: 300.1
total_seconds:    325.9
peak_vram_mb:     45060.2
mfu_percent:      39.80
total_tokens_M:   499.6
num_steps:        953
num_params_M:     50.3
depth:            8
`;

const ok = { exitCode: 0, signal: null, timedOut: false };

describe('parseSummary', () => {
  it('reads every karpathy summary line as a number', () => {
    const m = parseSummary(KARPATHY);
    expect(m).toEqual({
      val_bpb: 0.9979,
      training_seconds: 300.1,
      total_seconds: 325.9,
      peak_vram_mb: 45060.2,
      mfu_percent: 39.8,
      total_tokens_M: 499.6,
      num_steps: 953,
      num_params_M: 50.3,
      depth: 8,
    });
  });
  it('ignores progress lines and keeps non-numbers as strings; the last value wins', () => {
    const m = parseSummary('loss: 1.0 | lr: 2\nmodel: gpt-tiny\nval_bpb: 2.0\r\nval_bpb: 1.5\n');
    expect(m.val_bpb).toBe(1.5);
    expect(m.model).toBe('gpt-tiny');
    expect(m.loss).toBeUndefined();
  });
  it('reads nan and inf', () => {
    expect(parseSummary('val_bpb:   nan\n').val_bpb).toBeNaN();
    expect(parseSummary('val_bpb: -inf\n').val_bpb).toBe(-Infinity);
  });
});

describe('classify', () => {
  it('a finished run with the metric is not a crash', () => {
    expect(classify(ok, { val_bpb: 1.2 }, 'val_bpb', '')).toEqual({ crashReason: null, value: 1.2 });
  });
  it('timeout wins over everything', () => {
    expect(classify({ ...ok, exitCode: null, signal: 'SIGKILL', timedOut: true }, {}, 'val_bpb', 'CUDA out of memory').crashReason).toBe('timeout');
  });
  it('CUDA OOM, OutOfMemoryError, MemoryError and the OOM killer are oom', () => {
    const fail = { exitCode: 1, signal: null, timedOut: false };
    expect(classify(fail, {}, 'val_bpb', 'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB').crashReason).toBe('oom');
    expect(classify(fail, {}, 'val_bpb', 'MemoryError').crashReason).toBe('oom');
    expect(classify({ exitCode: null, signal: 'SIGKILL', timedOut: false }, {}, 'val_bpb', 'step 1').crashReason).toBe('oom');
  });
  it('a NaN metric or the FAIL line is nan', () => {
    expect(classify(ok, { val_bpb: NaN }, 'val_bpb', '').crashReason).toBe('nan');
    expect(classify({ ...ok, exitCode: 1 }, {}, 'val_bpb', 'step 3 loss nan\nFAIL\n').crashReason).toBe('nan');
  });
  it('a non-zero exit is error, a clean exit without the metric is no-metric', () => {
    expect(classify({ ...ok, exitCode: 1 }, { val_bpb: 1 }, 'val_bpb', 'Traceback').crashReason).toBe('error');
    expect(classify(ok, { other: 1 }, 'val_bpb', 'done').crashReason).toBe('no-metric');
  });
  it('interrupted runs say so', () => {
    expect(classify({ ...ok, interrupted: true }, {}, 'val_bpb', '').crashReason).toBe('interrupted');
    // A tree kill's SIGTERM can reach the training before the runner notices its own: still interrupted.
    expect(classify({ ...ok, exitCode: null, signal: 'SIGTERM' }, {}, 'val_bpb', '').crashReason).toBe('interrupted');
    expect(classify({ ...ok, exitCode: null, signal: 'SIGTERM', timedOut: true }, {}, 'val_bpb', '').crashReason).toBe('timeout');
  });
});

describe('errorExcerpt', () => {
  it('keeps the last traceback', () => {
    const tail = 'a\nb\nTraceback (most recent call last):\n  File "x", line 1\nValueError: bad\n';
    expect(errorExcerpt(tail)).toBe('Traceback (most recent call last):\n  File "x", line 1\nValueError: bad');
  });
});
