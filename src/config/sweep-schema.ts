// A sweep file, described once: its keys, their kinds and defaults, and the sentence for each wrong value
// (sweep/spec.ts renders the values as Python source afterwards).
import path from 'node:path';
import * as v from 'valibot';
import { lit, type Issue } from './sentence.js';

export const STRATEGIES = ['grid', 'random', 'greedy'] as const;
export type Strategy = (typeof STRATEGIES)[number];

const PY_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PY_KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(
    ' ',
  ),
);

const isMapping = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);
const atLeast = (min: number) => {
  const m = `{where} must be a whole number >= ${min}, not {got}{line}`;
  return v.pipe(v.number(m), v.integer(m), v.minValue(min, m));
};

/** A path a sweep may rewrite: relative, inside the repository, with / separators. */
export function normalizeSweepFile(f: string): string {
  return path.posix.normalize(f.trim().replace(/\\/g, '/')).replace(/^\.\//, '');
}
const insideRepo = (f: string) => {
  const n = normalizeSweepFile(f);
  return !path.posix.isAbsolute(n) && n !== '..' && !n.startsWith('../');
};

/** One value of a parameter: what a Python literal can be. */
const scalar = v.union(
  [
    v.pipe(v.number(), v.finite('{file}: value {n} of "{key}"{line} must be finite, not {input}')),
    v.string(),
    v.boolean(),
    v.null(),
  ],
  '{file}: value {n} of "{key}"{line} must be a number, a string, true/false or null, not {input}',
);

const ENTRIES = {
  strategy: v.optional(v.picklist(STRATEGIES, '{where} must be grid, random or greedy, not {got}{line}'), 'greedy'),
  /** Name -> values, in the file's order: the assignments to rewrite. */
  parameters: v.pipe(
    v.custom<Record<string, unknown>>(isMapping, '{where} must be a mapping of names to lists of values, not {got}{line}'),
    v.check((o) => Object.keys(o).length > 0, '{where} is empty{line}; name at least one assignment'),
    v.record(
      v.pipe(v.string(), v.check((k) => PY_NAME.test(k) && !PY_KEYWORDS.has(k), '{file}: parameter "{last}"{line} is not a Python name')),
      v.pipe(
        v.array(scalar, '{where}{line} must be a list of values like [0.01, 0.04], not {got}'),
        v.minLength(1, '{where}{line} has no values; list at least one'),
      ),
    ),
  ),
  /** Runs per point, with SEED=0..seeds-1 (the description carries seed=i when seeds > 1). */
  seeds: v.optional(atLeast(1), 1),
  /** random: how many points to draw. */
  samples: v.optional(atLeast(1)),
  /** random: the seed of the draw. */
  seed: v.optional(atLeast(0)),
  /** The editable file holding the assignments; absent: the first editable. */
  file: v.optional(
    v.pipe(
      v.string('{where} must be a file name, not {got}{line}'),
      v.check((f) => f.trim() !== '', '{where} must be a file name, not {got}{line}'),
      v.check(insideRepo, (i) => `{where} must be a path inside the repository, not "${lit(String(i.input))}"{line}`),
      v.transform(normalizeSweepFile),
    ),
  ),
};
export const SPEC_KEYS = Object.keys(ENTRIES) as Array<keyof typeof ENTRIES>;

/** samples and seed apply to strategy random alone. */
const onlyRandom = (k: 'samples' | 'seed') => (i: Issue) => `{file}: "${k}" applies only to strategy random, not ${lit(String((i.input as { strategy: string }).strategy))}{line}`;

/** A sweep file as a whole: its keys, then the rules between them. */
export const SweepFileSchema = v.pipe(
  v.custom<Record<string, unknown>>(isMapping, `{file}: the top level must be a mapping of keys (${SPEC_KEYS.join(', ')}), not {got}`),
  v.strictObject(ENTRIES, (i: Issue) =>
    i.expected === 'never'
      ? `{file}: unknown key "{key}"{line} (known keys: ${SPEC_KEYS.join(', ')})`
      : '{file}: "parameters" is missing; name at least one assignment and its values, e.g. "parameters: {LR: [0.01, 0.04]}"',
  ),
  v.check((o) => o.strategy !== 'random' || o.samples !== undefined, '{file}: strategy random needs "samples" (how many points to draw)'),
  v.forward(v.check((o) => o.strategy === 'random' || o.samples === undefined, onlyRandom('samples')), ['samples']),
  v.forward(v.check((o) => o.strategy === 'random' || o.seed === undefined, onlyRandom('seed')), ['seed']),
);
export type SweepFile = v.InferOutput<typeof SweepFileSchema>;
