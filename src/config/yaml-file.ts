// A YAML file read through a schema: broken YAML and every schema issue become one sentence with the line.
import * as v from 'valibot';
import YAML, { isMap, isSeq, LineCounter, type Document, type Node } from 'yaml';
import { UsageError } from '../errors.js';
import { firstIssue, sentence, type Reader } from './sentence.js';

export interface YamlText {
  doc: Document;
  /** The line a path's value is on (its key's line with keyItself, or when the value is empty). */
  line: (path: Array<string | number>, keyItself: boolean) => number | null;
}

/** Parse YAML text (duplicate keys refused); broken YAML is one sentence naming the line. */
export function parseYaml(text: string, file: string): YamlText {
  const lc = new LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const pos = err.linePos?.[0] ?? (err.pos ? lc.linePos(err.pos[0]) : undefined);
    const what = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+.*$/, '').replace(/\.$/, '');
    throw new UsageError(`${file}: broken YAML at ${pos ? `line ${pos.line}` : 'an unknown line'}: ${what}.`);
  }
  const lineAt = (n: Node | null | undefined): number | null => (n?.range ? lc.linePos(n.range[0]).line : null);
  const line = (path: Array<string | number>, keyItself: boolean): number | null => {
    let node = doc.contents as Node | null;
    let keyNode: Node | null = null;
    for (const k of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => String((p.key as { value?: unknown } | null)?.value ?? p.key) === String(k));
        if (!pair) return lineAt(node);
        keyNode = pair.key as Node;
        node = (pair.value as Node | null) ?? null;
      } else if (isSeq(node) && typeof k === 'number') {
        keyNode = null;
        node = (node.items[k] as Node | undefined) ?? null;
      } else {
        return lineAt(node ?? keyNode);
      }
    }
    return keyItself ? lineAt(keyNode ?? node) : lineAt(node ?? keyNode);
  };
  return { doc, line };
}

/** A parsed value checked against its schema: the output, or a UsageError with the first problem in the file. */
export function readWith<S extends v.GenericSchema>(schema: S, value: unknown, reader: Reader): v.InferOutput<S> {
  const r = v.safeParse(schema, value, { abortPipeEarly: true });
  if (r.success) return r.output;
  throw new UsageError(sentence(firstIssue(r.issues, reader), reader));
}
