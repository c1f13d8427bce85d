// The sweep file: which assignments to rewrite, with which values, and how to walk them.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import YAML, { isMap, isScalar, isSeq, LineCounter, type Node, type Pair } from 'yaml';
import { UsageError } from '../errors.js';
import { literalKey, pyRepr } from './python.js';

export type Strategy = 'grid' | 'random' | 'greedy';
export const STRATEGIES: Strategy[] = ['grid', 'random', 'greedy'];
export const SPEC_KEYS = ['strategy', 'parameters', 'seeds', 'samples', 'seed', 'file'] as const;

/** One value of a parameter: its Python source and a key for equality (4 and 4.0 differ, 0.01 and 1e-2 do not). */
export interface SweepValue {
  py: string;
  key: string;
}

export interface SweepParam {
  name: string;
  values: SweepValue[];
}

export interface SweepSpec {
  strategy: Strategy;
  parameters: SweepParam[];
  /** Runs per point, with SEED=0..seeds-1 (the description carries seed=i when seeds > 1). */
  seeds: number;
  /** random: how many points to draw. */
  samples: number | null;
  /** random: the seed of the draw. */
  seed: number;
  /** The editable file holding the assignments; null: the first editable. */
  file: string | null;
}

const PY_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PY_KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(
    ' ',
  ),
);

function describeType(v: unknown): string {
  if (v === null || v === undefined) return 'empty';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  return `${typeof v} ${String(v)}`;
}

/** Python source for a YAML scalar: numbers as written (when Python reads them the same), strings repr-quoted. */
function renderScalar(node: Node, v: unknown, where: () => string): SweepValue {
  let py: string;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new UsageError(`${where()} must be finite, not ${String(v)}.`);
    const src = isScalar(node) && node.type === 'PLAIN' && typeof node.source === 'string' ? node.source.trim() : '';
    const decimal = /^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$/.test(src);
    const leadingZeroInt = /^[-+]?0\d+$/.test(src); // 007: YAML reads 7, Python refuses it
    py = decimal && !leadingZeroInt ? src.replace(/^\+/, '') : String(v);
  } else if (typeof v === 'boolean') {
    py = v ? 'True' : 'False';
  } else if (v === null) {
    py = 'None';
  } else if (typeof v === 'string') {
    py = pyRepr(v);
  } else {
    throw new UsageError(`${where()} must be a number, a string, true/false or null, not ${describeType(v)}.`);
  }
  return { py, key: literalKey(py) };
}

/** Parse and validate a sweep file's text. `label` names the file in messages. */
export function parseSweepSpec(text: string, label = 'sweep.yaml'): SweepSpec {
  if (text.includes('\u0000')) throw new UsageError(`${label} is not a text file.`);
  const lc = new LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const pos = err.linePos?.[0] ?? (err.pos ? lc.linePos(err.pos[0]) : undefined);
    const what = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+.*$/, '').replace(/\.$/, '');
    throw new UsageError(`${label}: broken YAML at ${pos ? `line ${pos.line}` : 'an unknown line'}: ${what}.`);
  }
  const lineOf = (n: { range?: [number, number, number] | null } | null | undefined): string =>
    n?.range ? ` (line ${lc.linePos(n.range[0]).line})` : '';
  const root = doc.contents;
  if (root === null || root === undefined || (isScalar(root) && (root.value === null || root.value === ''))) {
    throw new UsageError(`${label} is empty; it needs at least "parameters", e.g. "parameters: {LR: [0.01, 0.04]}".`);
  }
  if (!isMap(root)) {
    throw new UsageError(`${label}: the top level must be a mapping of keys (${SPEC_KEYS.join(', ')}), not ${describeType(doc.toJS())}.`);
  }

  const pairs = new Map<string, Pair>();
  for (const pair of root.items) {
    const k = isScalar(pair.key) ? pair.key.value : pair.key;
    if (typeof k !== 'string' || !(SPEC_KEYS as readonly string[]).includes(k)) {
      const shown = typeof k === 'string' || typeof k === 'number' ? `"${k}"` : 'a non-string key';
      throw new UsageError(`${label}: unknown key ${shown}${lineOf(pair.key as Node)} (known keys: ${SPEC_KEYS.join(', ')}).`);
    }
    pairs.set(k, pair);
  }
  const js = (k: string): unknown => {
    const p = pairs.get(k);
    return p && p.value !== null && p.value !== undefined ? (p.value as Node).toJSON() : p ? null : undefined;
  };
  const at = (k: string) => lineOf((pairs.get(k)?.value ?? pairs.get(k)?.key) as Node);

  // strategy
  let strategy: Strategy = 'greedy';
  const s = js('strategy');
  if (s !== undefined) {
    if (typeof s !== 'string' || !(STRATEGIES as string[]).includes(s)) {
      throw new UsageError(`${label}: "strategy" must be grid, random or greedy, not ${describeType(s)}${at('strategy')}.`);
    }
    strategy = s as Strategy;
  }

  const int = (k: string, min: number, what: string): number | undefined => {
    const v = js(k);
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      throw new UsageError(`${label}: "${k}" must be ${what}, not ${describeType(v)}${at(k)}.`);
    }
    return v;
  };
  const seeds = int('seeds', 1, 'a whole number >= 1') ?? 1;
  const samples = int('samples', 1, 'a whole number >= 1');
  const seed = int('seed', 0, 'a whole number >= 0');
  if (strategy === 'random' && samples === undefined) {
    throw new UsageError(`${label}: strategy random needs "samples" (how many points to draw).`);
  }
  if (strategy !== 'random' && (samples !== undefined || seed !== undefined)) {
    const k = samples !== undefined ? 'samples' : 'seed';
    throw new UsageError(`${label}: "${k}" applies only to strategy random, not ${strategy}${at(k)}.`);
  }

  // file
  let file: string | null = null;
  const f = js('file');
  if (f !== undefined) {
    if (typeof f !== 'string' || f.trim() === '') throw new UsageError(`${label}: "file" must be a file name, not ${describeType(f)}${at('file')}.`);
    const norm = path.posix.normalize(f.trim().replace(/\\/g, '/')).replace(/^\.\//, '');
    if (path.posix.isAbsolute(norm) || norm === '..' || norm.startsWith('../')) {
      throw new UsageError(`${label}: "file" must be a path inside the repository, not "${f}"${at('file')}.`);
    }
    file = norm;
  }

  // parameters
  const pp = pairs.get('parameters');
  if (!pp) throw new UsageError(`${label}: "parameters" is missing; name at least one assignment and its values, e.g. "parameters: {LR: [0.01, 0.04]}".`);
  const pnode = pp.value as Node | null;
  if (!isMap(pnode)) {
    throw new UsageError(`${label}: "parameters" must be a mapping of names to lists of values, not ${describeType(pnode?.toJSON() ?? null)}${lineOf(pnode ?? (pp.key as Node))}.`);
  }
  if (pnode.items.length === 0) throw new UsageError(`${label}: "parameters" is empty${lineOf(pnode)}; name at least one assignment.`);
  const parameters: SweepParam[] = [];
  for (const pair of pnode.items) {
    const name = isScalar(pair.key) ? pair.key.value : null;
    const keyLine = lineOf(pair.key as Node);
    if (typeof name !== 'string' || !PY_NAME.test(name) || PY_KEYWORDS.has(name)) {
      throw new UsageError(`${label}: parameter ${name === null ? '(no name)' : `"${String(name)}"`}${keyLine} is not a Python name.`);
    }
    const vnode = pair.value as Node | null;
    if (!isSeq(vnode)) {
      const got = vnode ? describeType(vnode.toJSON()) : 'empty';
      throw new UsageError(`${label}: "parameters.${name}"${keyLine} must be a list of values like [0.01, 0.04], not ${got}.`);
    }
    if (vnode.items.length === 0) throw new UsageError(`${label}: "parameters.${name}"${keyLine} has no values; list at least one.`);
    const values: SweepValue[] = [];
    vnode.items.forEach((item, i) => {
      const n = item as Node;
      const v = isScalar(n) ? n.value : n?.toJSON?.();
      const sv = renderScalar(n, v, () => `${label}: value ${i + 1} of "parameters.${name}"${lineOf(n)}`);
      if (values.some((x) => x.key === sv.key)) throw new UsageError(`${label}: "parameters.${name}" lists ${sv.py} twice${lineOf(n)}.`);
      values.push(sv);
    });
    parameters.push({ name, values });
  }
  return { strategy, parameters, seeds, samples: samples ?? null, seed: seed ?? 0, file };
}

/** Read and parse a sweep file; a missing, unreadable or binary file is a UsageError. */
export function loadSweepSpec(file: string): SweepSpec {
  const label = path.basename(file);
  let st;
  try {
    st = statSync(file);
  } catch {
    throw new UsageError(`the sweep file ${file} does not exist.`);
  }
  if (!st.isFile()) throw new UsageError(`the sweep file ${file} is not a file.`);
  if (st.size > 1024 * 1024) throw new UsageError(`the sweep file ${file} is too large to be a sweep file (over 1 MiB).`);
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new UsageError(`the sweep file ${file} cannot be read: ${(e as Error).message}.`);
  }
  if (buf.includes(0)) throw new UsageError(`${label} is not a text file.`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    throw new UsageError(`${label} is not a UTF-8 text file.`);
  }
  return parseSweepSpec(text, label);
}
