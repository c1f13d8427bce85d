// Just enough Python literal syntax for sweeps: repr() of strings, and a key to compare literals.

/** Python's repr() of a str: single quotes unless the text has ' and no ", escapes as Python writes them. */
export function pyRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += '\\' + quote;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch !== ' ' && /[\p{C}\p{Z}]/u.test(ch)) {
      if (cp < 0x100) out += '\\x' + cp.toString(16).padStart(2, '0');
      else if (cp < 0x10000) out += '\\u' + cp.toString(16).padStart(4, '0');
      else out += '\\U' + cp.toString(16).padStart(8, '0');
    } else out += ch;
  }
  return out + quote;
}

const NUMBER = /^[-+]?(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][-+]?\d+)?$/;
const RADIX = /^[-+]?0[xXoObB][0-9a-fA-F_]+$/;

/** Decode a simple one-line Python string literal ('...' or "...", no prefix); null if it is not one. */
function decodeString(src: string): string | null {
  const q = src[0];
  if ((q !== "'" && q !== '"') || src.length < 2 || src[src.length - 1] !== q || src.startsWith(q.repeat(3))) return null;
  const body = src.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === q) return null; // an unescaped quote: not one literal
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = body[++i];
    if (n === undefined) return null;
    const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", '"': '"', '0': '\0' };
    if (n in simple) out += simple[n];
    else if (n === 'x' || n === 'u' || n === 'U') {
      const len = n === 'x' ? 2 : n === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) return null;
      out += String.fromCodePoint(parseInt(hex, 16));
      i += len;
    } else out += '\\' + n;
  }
  return out;
}

/**
 * A key under which equal Python literals compare equal: `0.01` and `1e-2` alike, `4` and `4.0` not (an int
 * and a float behave differently in a training script). Anything else compares by its text.
 */
export function literalKey(src: string): string {
  const t = src.trim();
  if (t === 'True' || t === 'False' || t === 'None') return 'c:' + t;
  if (NUMBER.test(t) || RADIX.test(t)) {
    const clean = t.replace(/_/g, '');
    const n = (clean.startsWith('-') ? -1 : 1) * Number(clean.replace(/^[-+]/, ''));
    if (Number.isFinite(n)) {
      const float = !RADIX.test(t) && /[.eE]/.test(t);
      return (float ? 'f:' : 'i:') + String(n === 0 ? 0 : n);
    }
  }
  const s = decodeString(t);
  if (s !== null) return 's:' + s;
  return 'x:' + t.replace(/\s+/g, ' ');
}

/**
 * Split the right-hand side of an assignment into value and trailing comment, ignoring `#` inside strings.
 * `open` counts brackets left open (the value continues on the next line).
 */
export function splitComment(rhs: string): { value: string; comment: string; open: boolean } {
  let quote: string | null = null;
  let depth = 0;
  for (let i = 0; i < rhs.length; i++) {
    const c = rhs[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (rhs.startsWith(quote, i)) {
        i += quote.length - 1;
        quote = null;
      }
      continue;
    }
    if (c === "'" || c === '"') {
      quote = rhs.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      i += quote.length - 1;
    } else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === '#') {
      let j = i;
      while (j > 0 && /[ \t]/.test(rhs[j - 1]!)) j--;
      return { value: rhs.slice(0, j), comment: rhs.slice(j), open: depth > 0 };
    }
  }
  const trimmed = rhs.replace(/[ \t]+$/, '');
  return { value: trimmed, comment: rhs.slice(trimmed.length), open: depth > 0 || quote !== null || /\\$/.test(trimmed) };
}
