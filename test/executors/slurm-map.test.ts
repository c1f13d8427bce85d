import { describe, it, expect } from 'vitest';
import { causeOf, submitArgs } from '../../src/executors/slurm.js';
import { defaultExecutor } from '../../src/config-defaults.js';
import { classify } from '../../src/engine/metrics.js';

// Pure mapping of Slurm's end states to how a run ended (the cluster tests cause the ones a one-node cluster can).
const end = (state: string, exitCode: number | null = 0, signal: string | null = null) => ({ state, exitCode, signal, node: 'a07' });

describe('slurm end states', () => {
  it('map to the causes the engine classifies', () => {
    expect(causeOf(end('COMPLETED'), null)).toEqual({ kind: 'exit' });
    expect(causeOf(end('FAILED', 1), null)).toEqual({ kind: 'exit' });
    expect(causeOf(end('FAILED', null, 'SIGKILL'), null)).toEqual({ kind: 'signal' });
    expect(causeOf(end('OUT_OF_MEMORY', 0), null)).toEqual({ kind: 'oom' });
    expect(causeOf(end('TIMEOUT'), null)).toEqual({ kind: 'timeout' });
    expect(causeOf(end('DEADLINE'), null)).toEqual({ kind: 'timeout' });
    expect(causeOf(end('CANCELLED'), 'timeout')).toEqual({ kind: 'timeout' });
    expect(causeOf(end('CANCELLED'), 'interrupted')).toEqual({ kind: 'interrupted' });
    expect(causeOf(end('CANCELLED'), null)).toEqual({ kind: 'interrupted' }); // someone else's scancel
    // A job that ended by itself before our cancel took effect: its own end came first.
    expect(causeOf(end('COMPLETED'), 'timeout')).toEqual({ kind: 'exit' });
    expect(causeOf(end('NODE_FAIL'), null)).toEqual({ kind: 'infra', infra: 'node-fail' });
    expect(causeOf(end('PREEMPTED'), null)).toEqual({ kind: 'infra', infra: 'preempted' });
    expect(causeOf(end('BOOT_FAIL'), null)).toEqual({ kind: 'infra', infra: 'boot-fail' });
  });
  it('an infrastructure failure or an OOM state is a crash with that reason, whatever the log says', () => {
    const o = (kind: 'infra' | 'oom', infra?: 'preempted') => ({ exitCode: 0, signal: null, timedOut: false, cause: { kind, atMs: 5, ...(infra ? { infra } : {}) } });
    expect(classify(o('infra', 'preempted'), { val_bpb: 1 }, 'val_bpb', '').crashReason).toBe('preempted');
    expect(classify(o('oom'), {}, 'val_bpb', '').crashReason).toBe('oom');
  });
  it('submits argv only: name, output, chdir, backstop --time, the configured options and extra args', () => {
    const e = { ...defaultExecutor(), kind: 'slurm' as const, partition: 'gpu', account: 'proj', args: ['--constraint=h100'] };
    const a = submitArgs(e, { name: 'ar-t-3-x', cwd: '/r', limitMs: 600_000, logFiles: ['/r/.autoresearch/t/logs/100%.log'] });
    expect(a).toEqual([
      '--job-name=ar-t-3-x',
      '--output=/r/.autoresearch/t/logs/100%%.log',
      '--open-mode=truncate',
      '--chdir=/r',
      '--export=ALL',
      '--no-requeue',
      '--time=15',
      '--partition=gpu',
      '--account=proj',
      '--gres=gpu:1',
      '--constraint=h100',
    ]);
  });
});
