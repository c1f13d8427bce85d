// A schema issue as the one sentence a user reads. Schemas carry their messages as templates beside the rule
// they explain; the reader of a file fills in where: the file, the key, what was there, the line.
//   {file}  the file's name            {where}  the file and the key: `autoresearch.yaml: "git.push"` (the file alone at the top)
//   {key}   the dotted key, up to the first list item ("tasks", "parameters.X")
//   {got}   the value at that key, described by the reader ("string \"soon\"", "a list")
//   {n}     the number of that first list item (1-based)     {last}  the last key of the path ("prio")
//   {input} the value that failed itself (inside a list: the item), described by the reader
//   {line}  " (line N)", or nothing when the position is unknown
import type * as v from 'valibot';

export type Issue = v.BaseIssue<unknown>;

/** How autoresearch.yaml and task files describe a value: `string "soon"`, `a list`, `null`. */
export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'a mapping' : `${typeof v} ${JSON.stringify(v)}`;
}

/** A key's value of the wrong kind: `{where} must be <want>, not {got}`. */
export const must = (want: string): string => `{where} must be ${want}, not {got}`;

// Text a message function computes from the user's input may hold braces: kept out of the template's reach.
const OPEN = '\uE000';
/** User text inside a message template (braces in it are not placeholders). */
export const lit = (s: string): string => s.replaceAll('{', OPEN);

export interface Reader {
  file: string;
  /** Describes a value in the reader's words. */
  got: (value: unknown) => string;
  /** The line of the value at this path in the file, or null. */
  line?: (path: Array<string | number>, keyItself: boolean) => number | null;
  /** The line goes right after the key in {where} (for files whose messages have no {line} of their own). */
  lineInWhere?: boolean;
}

interface PathItem {
  type: string;
  origin?: string;
  key: unknown;
  value: unknown;
}

/** Where in the input an issue is: the full path, the key up to the first list item, the value there. */
function locate(issue: Issue): { full: Array<string | number>; key: string; value: unknown; n: number | null; keyItself: boolean } {
  const items = (issue.path ?? []) as PathItem[];
  const full = items.map((p) => (typeof p.key === 'number' ? p.key : String(p.key)));
  const keys: string[] = [];
  let value: unknown = issue.input;
  let n: number | null = null;
  for (const p of items) {
    if (p.type === 'array' || typeof p.key === 'number') {
      n = Number(p.key) + 1;
      break;
    }
    keys.push(String(p.key));
    value = p.value;
  }
  const keyItself = items.at(-1)?.origin === 'key';
  return { full, key: keys.join('.'), value, n, keyItself };
}

/** The line an issue is on (null when unknown), to report the first problem in the file's order. */
export function issueLine(issue: Issue, r: Reader): number | null {
  const at = locate(issue);
  return r.line ? r.line(at.full, at.keyItself) : null;
}

/** The one sentence for an issue. */
export function sentence(issue: Issue, r: Reader): string {
  const at = locate(issue);
  const line = r.line?.(at.full, at.keyItself) ?? null;
  const fill: Record<string, string> = {
    file: r.file,
    where: (at.key ? `${r.file}: "${at.key}"` : r.file) + (r.lineInWhere && line !== null ? ` (line ${line})` : ''),
    key: at.key,
    got: r.got(at.value),
    n: String(at.n ?? ''),
    last: String(at.full.at(-1) ?? ''),
    input: r.got(issue.input),
    line: line === null ? '' : ` (line ${line})`,
  };
  const text = issue.message.replace(/\{(file|where|key|got|n|last|input|line)\}/g, (_, k: string) => lit(fill[k]!)).replaceAll(OPEN, '{');
  return /[.!?]$/.test(text) ? text : text + '.';
}

/** The issue a reader reports: the first in the file (the schema's own order where lines are unknown). */
export function firstIssue(issues: readonly Issue[], r: Reader): Issue {
  let best = issues[0]!;
  let bestLine = issueLine(best, r) ?? Infinity;
  for (const i of issues.slice(1)) {
    const l = issueLine(i, r) ?? Infinity;
    if (l < bestLine) [best, bestLine] = [i, l];
  }
  return best;
}
