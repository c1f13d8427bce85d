import { describe, it, expect } from 'vitest';
import { ledgerHeader, ledgerRow } from '../../src/engine/ledger.js';
import { decide, beats } from '../../src/engine/decide.js';

const r = (o: object) => ({ commit: 'a1b2c3d4e5f6a7b8c9d0', value: 0.9979, memoryGb: 44.0, status: 'keep' as const, description: 'baseline', ...o });

describe('results.tsv rows, byte for byte as karpathy writes them', () => {
  it('header', () => {
    expect(ledgerHeader('val_bpb')).toBe('commit\tval_bpb\tmemory_gb\tstatus\tdescription\n');
  });
  it('keep', () => {
    expect(ledgerRow(r({}))).toBe('a1b2c3d\t0.997900\t44.0\tkeep\tbaseline\n');
  });
  it('discard', () => {
    expect(ledgerRow(r({ value: 1.005, memoryGb: 44.2, status: 'discard', description: 'switch to GeLU activation' }))).toBe(
      'a1b2c3d\t1.005000\t44.2\tdiscard\tswitch to GeLU activation\n',
    );
  });
  it('crash writes zeros', () => {
    expect(ledgerRow(r({ value: null, memoryGb: 3, status: 'crash', description: 'double model width (OOM)' }))).toBe(
      'a1b2c3d\t0.000000\t0.0\tcrash\tdouble model width (OOM)\n',
    );
  });
  it('a violation is a discard with the reason in the description; tabs and newlines never split a row', () => {
    expect(ledgerRow(r({ value: null, memoryGb: 0, status: 'discard', description: 'tweak\tprep\nx', violation: 'read-only prepare.py changed' }))).toBe(
      'a1b2c3d\t0.000000\t0.0\tdiscard\ttweak prep x [violation: read-only prepare.py changed]\n',
    );
  });
});

describe('decide', () => {
  it('keeps strict improvements in the goal direction only', () => {
    expect(beats(0.99, 1.0, 'min')).toBe(true);
    expect(beats(1.0, 1.0, 'min')).toBe(false); // ties go to the simpler, kept code
    expect(beats(1.01, 1.0, 'max')).toBe(true);
    expect(beats(5, null, 'min')).toBe(true);
    expect(beats(0.995, 1.0, 'min', 0.01)).toBe(false);
  });
  it('never keeps a crash or a violation', () => {
    expect(decide({ value: 0.5, crashed: false, violation: true, best: 1, goal: 'min' }).status).toBe('discard');
    expect(decide({ value: null, crashed: true, violation: false, best: 1, goal: 'min' }).status).toBe('crash');
    expect(decide({ value: 0.5, crashed: false, violation: false, best: 1, goal: 'min' })).toEqual({ status: 'keep', keep: true });
    expect(decide({ value: 1.5, crashed: false, violation: false, best: 1, goal: 'min' })).toEqual({ status: 'discard', keep: false });
  });
});
