import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseSweepSpec, loadSweepSpec } from '../../src/sweep/spec.js';
import { UsageError } from '../../src/errors.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ar-spec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseSweepSpec', () => {
  it('reads every key, keeps parameter order and renders values as Python', () => {
    const s = parseSweepSpec(
      [
        'strategy: random',
        'parameters:',
        '  LR: [0.01, 4.0, 1e-3, -2, +3, 0x1F, 007]',
        '  OPT: [adam, "it\'s", \'say "hi"\']',
        '  FLAG: [true, false, null]',
        'seeds: 3',
        'samples: 10',
        'seed: 7',
        'file: ./src/train.py',
      ].join('\n'),
    );
    expect(s.strategy).toBe('random');
    expect(s.seeds).toBe(3);
    expect(s.samples).toBe(10);
    expect(s.seed).toBe(7);
    expect(s.file).toBe('src/train.py');
    expect(s.parameters.map((p) => p.name)).toEqual(['LR', 'OPT', 'FLAG']);
    expect(s.parameters[0]!.values.map((v) => v.py)).toEqual(['0.01', '4.0', '1e-3', '-2', '3', '31', '7']);
    expect(s.parameters[1]!.values.map((v) => v.py)).toEqual(["'adam'", '"it\'s"', '\'say "hi"\'']);
    expect(s.parameters[2]!.values.map((v) => v.py)).toEqual(['True', 'False', 'None']);
  });

  it('defaults to greedy with one seed and no file', () => {
    const s = parseSweepSpec('parameters:\n  X: [1, 2]\n');
    expect(s).toMatchObject({ strategy: 'greedy', seeds: 1, samples: null, seed: 0, file: null });
  });

  const bad: Array<[string, string, RegExp]> = [
    ['an unknown key', 'parameters: {X: [1]}\nstrategi: grid\n', /unknown key "strategi" \(line 2\)/],
    ['an unknown strategy', 'strategy: bayes\nparameters: {X: [1]}\n', /"strategy" must be grid, random or greedy, not the string "bayes" \(line 1\)/],
    ['broken YAML', 'parameters:\n  X: [1, 2\nseeds: 1\n', /broken YAML at line \d/],
    ['a duplicate key', 'parameters: {X: [1]}\nparameters: {Y: [1]}\n', /broken YAML at line 2/],
    ['no parameters', 'strategy: grid\n', /"parameters" is missing/],
    ['an empty file', '\n', /is empty/],
    ['a list at the top', '- 1\n- 2\n', /top level must be a mapping/],
    ['empty values', 'parameters:\n  X: []\n', /"parameters\.X" \(line 2\) has no values/],
    ['a scalar instead of a list', 'parameters:\n  X: 1\n', /"parameters\.X" \(line 2\) must be a list/],
    ['a mapping value', 'parameters:\n  X: [1, {a: 2}]\n', /value 2 of "parameters\.X" \(line 2\) must be a number, a string, true\/false or null, not a mapping/],
    ['a nested list value', 'parameters:\n  X: [[1]]\n', /value 1 of "parameters\.X".*not a list/],
    ['a bad name', 'parameters:\n  learning-rate: [1]\n', /parameter "learning-rate" \(line 2\) is not a Python name/],
    ['a keyword name', 'parameters:\n  class: [1]\n', /parameter "class" \(line 2\) is not a Python name/],
    ['seeds of the wrong type', 'parameters: {X: [1]}\nseeds: three\n', /"seeds" must be a whole number >= 1, not the string "three" \(line 2\)/],
    ['zero seeds', 'parameters: {X: [1]}\nseeds: 0\n', /"seeds" must be a whole number >= 1/],
    ['random without samples', 'strategy: random\nparameters: {X: [1]}\n', /strategy random needs "samples"/],
    ['samples with grid', 'strategy: grid\nparameters: {X: [1]}\nsamples: 3\n', /"samples" applies only to strategy random, not grid \(line 3\)/],
    ['a fractional seed', 'strategy: random\nparameters: {X: [1]}\nsamples: 2\nseed: 1.5\n', /"seed" must be a whole number >= 0/],
    ['a duplicate value', 'parameters:\n  X: [0.01, 1e-2]\n', /"parameters\.X" lists 1e-2 twice \(line 2\)/],
    ['an infinite value', 'parameters:\n  X: [.inf]\n', /must be finite/],
    ['a file outside the repo', 'parameters: {X: [1]}\nfile: ../train.py\n', /"file" must be a path inside the repository/],
    ['a file of the wrong type', 'parameters: {X: [1]}\nfile: [a]\n', /"file" must be a file name, not a list/],
    ['parameters as a list', 'parameters: [X, Y]\n', /"parameters" must be a mapping/],
  ];
  it.each(bad)('refuses %s with one sentence naming the key or line', (_name, text, msg) => {
    let err: unknown;
    try {
      parseSweepSpec(text, 'sweep.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    const m = (err as Error).message;
    expect(m).toMatch(msg);
    expect(m.startsWith('sweep.yaml')).toBe(true);
    expect(m.split('\n')).toHaveLength(1);
  });
});

describe('loadSweepSpec', () => {
  it('refuses a missing, a binary and a non-UTF-8 file', () => {
    expect(() => loadSweepSpec(path.join(dir, 'nope.yaml'))).toThrow(/the sweep file .*nope\.yaml does not exist/);
    writeFileSync(path.join(dir, 'bin.yaml'), Buffer.from([0x70, 0x3a, 0x00, 0x01]));
    expect(() => loadSweepSpec(path.join(dir, 'bin.yaml'))).toThrow(/bin\.yaml is not a text file/);
    writeFileSync(path.join(dir, 'latin.yaml'), Buffer.from('parameters: {X: [\xe9]}\n', 'latin1'));
    expect(() => loadSweepSpec(path.join(dir, 'latin.yaml'))).toThrow(/not a UTF-8 text file/);
    expect(() => loadSweepSpec(dir)).toThrow(/is not a file/);
  });
  it('reads a good file', () => {
    writeFileSync(path.join(dir, 'ok.yaml'), 'strategy: grid\nparameters:\n  LR: [0.01, 0.04]\n');
    expect(loadSweepSpec(path.join(dir, 'ok.yaml')).parameters[0]!.values).toHaveLength(2);
  });
});
