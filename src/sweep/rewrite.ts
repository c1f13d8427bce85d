// Rewrite plain module-level assignments (`LR = 0.01  # comment`) in the editable file, one whole line each.
import { UsageError } from '../errors.js';
import { splitComment } from './python.js';

export interface Assignment {
  name: string;
  /** 0-based line index. */
  line: number;
  /** `NAME = ` as written (spacing kept). */
  head: string;
  /** The value's source text. */
  value: string;
  /** Trailing whitespace and comment, kept as written. */
  comment: string;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function splitLines(text: string): { lines: string[]; eols: string[] } {
  const parts = text.split(/(\r?\n)/);
  const lines: string[] = [];
  const eols: string[] = [];
  for (let i = 0; i < parts.length; i += 2) {
    lines.push(parts[i]!);
    eols.push(parts[i + 1] ?? '');
  }
  return { lines, eols };
}

/**
 * Find the one assignment of each name (`^NAME\s*=\s*<value>(\s*#.*)?$`, at column 0). A name that is
 * missing, assigned more than once, or whose value spans several lines is a UsageError naming `file`.
 */
export function findAssignments(text: string, names: string[], file: string): Map<string, Assignment> {
  const { lines } = splitLines(text);
  const out = new Map<string, Assignment>();
  for (const name of names) {
    const re = new RegExp(`^(${escapeRe(name)}[ \\t]*=(?!=)[ \\t]*)(.*)$`);
    const hits: Assignment[] = [];
    lines.forEach((l, i) => {
      const m = re.exec(l);
      if (!m) return;
      const { value, comment, open } = splitComment(m[2]!);
      if (open || value.trim() === '') {
        throw new UsageError(`${file} line ${i + 1}: the value of ${name} continues on the next line; a sweep can only rewrite a one-line "${name} = value".`);
      }
      hits.push({ name, line: i, head: m[1]!, value, comment });
    });
    if (hits.length === 0) {
      throw new UsageError(`${file} has no line "${name} = ..." at the start of a line; the sweep cannot set ${name} (check the name, or use "file:" in the sweep file).`);
    }
    if (hits.length > 1) {
      throw new UsageError(`${file} assigns ${name} ${hits.length} times (lines ${hits.map((h) => h.line + 1).join(', ')}); a sweep needs exactly one "${name} = ..." line.`);
    }
    out.set(name, hits[0]!);
  }
  return out;
}

/** The current value (Python source) of each name. */
export function readAssignments(text: string, names: string[], file: string): Record<string, string> {
  const found = findAssignments(text, names, file);
  return Object.fromEntries(names.map((n) => [n, found.get(n)!.value.trim()]));
}

/** Set each name to its new Python source, keeping spacing, trailing comments and line endings. */
export function rewriteAssignments(text: string, values: Record<string, string>, file: string): string {
  const names = Object.keys(values);
  const found = findAssignments(text, names, file);
  const { lines, eols } = splitLines(text);
  for (const n of names) {
    const a = found.get(n)!;
    lines[a.line] = a.head + values[n] + a.comment;
  }
  return lines.map((l, i) => l + eols[i]).join('');
}
