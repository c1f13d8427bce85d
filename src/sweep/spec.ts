// The sweep file: which assignments to rewrite, with which values, and how to walk them. Its keys and kinds
// are described in config/sweep-schema.ts; here the values become Python source, as written in the file.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isScalar, type Node } from 'yaml';
import { UsageError } from '../errors.js';
import { SweepFileSchema, type SweepFile } from '../config/sweep-schema.js';
import { parseYaml, readWith } from '../config/yaml-file.js';
import { literalKey, pyRepr } from './python.js';

export { STRATEGIES, SPEC_KEYS, type Strategy } from '../config/sweep-schema.js';

/** One value of a parameter: its Python source and a key for equality (4 and 4.0 differ, 0.01 and 1e-2 do not). */
export interface SweepValue {
  py: string;
  key: string;
}

export interface SweepParam {
  name: string;
  values: SweepValue[];
}

export type SweepSpec = Omit<SweepFile, 'parameters' | 'samples' | 'seed' | 'file'> & {
  parameters: SweepParam[];
  /** random: how many points to draw. */
  samples: number | null;
  /** random: the seed of the draw. */
  seed: number;
  /** The editable file holding the assignments; null: the first editable. */
  file: string | null;
};

/** How a sweep file's messages describe a value. */
function describeType(v: unknown): string {
  if (v === null || v === undefined) return 'empty';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  return `${typeof v} ${String(v)}`;
}

/** Python source for a YAML scalar (the schema checked its kind): numbers as written when Python reads them the same, strings repr-quoted. */
function renderScalar(node: Node | null, v: number | string | boolean | null): SweepValue {
  let py: string;
  if (typeof v === 'number') {
    const src = isScalar(node) && node.type === 'PLAIN' && typeof node.source === 'string' ? node.source.trim() : '';
    const decimal = /^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$/.test(src);
    const leadingZeroInt = /^[-+]?0\d+$/.test(src); // 007: YAML reads 7, Python refuses it
    py = decimal && !leadingZeroInt ? src.replace(/^\+/, '') : String(v);
  } else if (typeof v === 'boolean') {
    py = v ? 'True' : 'False';
  } else if (v === null) {
    py = 'None';
  } else {
    py = pyRepr(v);
  }
  return { py, key: literalKey(py) };
}

/** Parse and validate a sweep file's text. `label` names the file in messages. */
export function parseSweepSpec(text: string, label = 'sweep.yaml'): SweepSpec {
  if (text.includes('\u0000')) throw new UsageError(`${label} is not a text file.`);
  const { doc, line } = parseYaml(text, label);
  const raw = doc.toJS() as unknown;
  if (raw === null || raw === undefined || raw === '') {
    throw new UsageError(`${label} is empty; it needs at least "parameters", e.g. "parameters: {LR: [0.01, 0.04]}".`);
  }
  const f = readWith(SweepFileSchema, raw, { file: label, got: describeType, line });
  const parameters: SweepParam[] = Object.entries(f.parameters).map(([name, list]) => {
    const values: SweepValue[] = [];
    list.forEach((x, i) => {
      const sv = renderScalar(doc.getIn(['parameters', name, i], true) as Node | null, x);
      if (values.some((y) => y.key === sv.key)) {
        const at = line(['parameters', name, i], false);
        throw new UsageError(`${label}: "parameters.${name}" lists ${sv.py} twice${at === null ? '' : ` (line ${at})`}.`);
      }
      values.push(sv);
    });
    return { name, values };
  });
  return { strategy: f.strategy, parameters, seeds: f.seeds, samples: f.samples ?? null, seed: f.seed ?? 0, file: f.file ?? null };
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
