import { describe, it, expect } from 'vitest';
import { findAssignments, readAssignments, rewriteAssignments } from '../../src/sweep/rewrite.js';
import { literalKey, pyRepr, splitComment } from '../../src/sweep/python.js';
import { UsageError } from '../../src/errors.js';

const SRC = [
  'import os',
  'LR = 0.01  # learning rate, tuned',
  'DEPTH=4',
  'NAME = "a#b"   # the # inside the string is not a comment',
  'USE_BIAS = True',
  'def f():',
  '    LR = 5  # indented: not module level',
  'if LR == 0.01: pass',
  'LR_SCHEDULE = "cos"',
  '',
].join('\n');

describe('rewriteAssignments', () => {
  it('rewrites whole lines, keeps comments and spacing, leaves the rest alone', () => {
    const out = rewriteAssignments(SRC, { LR: '0.04', DEPTH: '8', NAME: "'adam'", USE_BIAS: 'False' }, 'train.py');
    expect(out.split('\n')).toEqual([
      'import os',
      'LR = 0.04  # learning rate, tuned',
      'DEPTH=8',
      "NAME = 'adam'   # the # inside the string is not a comment",
      'USE_BIAS = False',
      'def f():',
      '    LR = 5  # indented: not module level',
      'if LR == 0.01: pass',
      'LR_SCHEDULE = "cos"',
      '',
    ]);
  });

  it('keeps CRLF line endings and a missing final newline', () => {
    expect(rewriteAssignments('A = 1\r\nB = 2\r\n', { B: '3' }, 'f.py')).toBe('A = 1\r\nB = 3\r\n');
    expect(rewriteAssignments('A = 1', { A: '2.5' }, 'f.py')).toBe('A = 2.5');
  });

  it('reads current values', () => {
    expect(readAssignments(SRC, ['LR', 'NAME', 'DEPTH'], 'train.py')).toEqual({ LR: '0.01', NAME: '"a#b"', DEPTH: '4' });
  });

  it('refuses a missing name, a name assigned twice and a value spanning lines', () => {
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    expect(err(() => rewriteAssignments(SRC, { WIDTH: '64' }, 'train.py'))).toMatch(/^train\.py has no line "WIDTH = \.\.\."/);
    expect(err(() => rewriteAssignments('X = 1\nY = 2\nX = 3\n', { X: '4' }, 'train.py'))).toMatch(/^train\.py assigns X 2 times \(lines 1, 3\)/);
    expect(err(() => findAssignments('X = (1,\n  2)\n', ['X'], 'train.py'))).toMatch(/line 1: the value of X continues on the next line/);
    // A name that is only a prefix of another does not count.
    expect(err(() => findAssignments('LR_MAX = 1\n', ['LR'], 'train.py'))).toMatch(/has no line "LR = \.\.\."/);
  });
});

describe('python literals', () => {
  it('repr quotes like Python', () => {
    expect(pyRepr('adam')).toBe("'adam'");
    expect(pyRepr("it's")).toBe('"it\'s"');
    expect(pyRepr('both \' and "')).toBe("'both \\' and \"'");
    expect(pyRepr('tab\there\nnl\\')).toBe("'tab\\there\\nnl\\\\'");
    expect(pyRepr('\x01é\u2028')).toBe("'\\x01é\\u2028'");
  });
  it('compares literals by value, ints and floats apart', () => {
    expect(literalKey('0.01')).toBe(literalKey('1e-2'));
    expect(literalKey('4')).not.toBe(literalKey('4.0'));
    expect(literalKey('0x10')).toBe(literalKey('16'));
    expect(literalKey("'adam'")).toBe(literalKey('"adam"'));
    expect(literalKey('True')).not.toBe(literalKey("'True'"));
    expect(literalKey('2 ** 7')).toBe('x:2 ** 7');
  });
  it('splits comments outside strings', () => {
    expect(splitComment("'a # b'  # c")).toEqual({ value: "'a # b'", comment: '  # c', open: false });
    expect(splitComment('[1, 2')).toMatchObject({ open: true });
  });
});
