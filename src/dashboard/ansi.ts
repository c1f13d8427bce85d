// An agent's pane with its colours: SGR escapes (colour, bold, dim, italic, underline, inverse) become styled
// spans of plain text; every other escape and control character is dropped. The page builds the spans with
// textContent, so whatever the text says (`<script>` included) stays text.
import type { WirePaneLine, WirePaneSpan } from '../report/wire.js';

// xterm's 16 colours, as a dark terminal shows them.
const BASIC = ['#000000', '#cd3131', '#0dbc79', '#e5e510', '#2472c8', '#bc3fbc', '#11a8cd', '#e5e5e5', '#666666', '#f14c4c', '#23d18b', '#f5f543', '#3b8eea', '#d670d6', '#29b8db', '#ffffff'];

const hex2 = (n: number) => n.toString(16).padStart(2, '0');
const rgb = (r: number, g: number, b: number) => `#${hex2(r)}${hex2(g)}${hex2(b)}`;

/** One of the 256 colours. */
export function color256(n: number): string | undefined {
  if (!Number.isInteger(n) || n < 0 || n > 255) return undefined;
  if (n < 16) return BASIC[n];
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return rgb(v, v, v);
  }
  const c = n - 16;
  const step = (k: number) => (k === 0 ? 0 : 55 + k * 40);
  return rgb(step(Math.floor(c / 36)), step(Math.floor(c / 6) % 6), step(c % 6));
}

/** A span's style without its text: one definition, the wire's. */
type Style = Omit<WirePaneSpan, 't'>;

/** Apply one SGR sequence's parameters to a style. */
function sgr(st: Style, params: string): Style {
  const p = params === '' ? [0] : params.split(/[;:]/).map((x) => (x === '' ? 0 : Number(x)));
  const s: Style = { ...st };
  for (let i = 0; i < p.length; i++) {
    const n = p[i]!;
    if (n === 0) for (const k of Object.keys(s) as (keyof Style)[]) delete s[k];
    else if (n === 1) s.b = 1;
    else if (n === 2) s.d = 1;
    else if (n === 3) s.i = 1;
    else if (n === 4) s.u = 1;
    else if (n === 7) s.r = 1;
    else if (n === 22) {
      delete s.b;
      delete s.d;
    } else if (n === 23) delete s.i;
    else if (n === 24) delete s.u;
    else if (n === 27) delete s.r;
    else if (n >= 30 && n <= 37) s.fg = BASIC[n - 30];
    else if (n >= 90 && n <= 97) s.fg = BASIC[n - 90 + 8];
    else if (n >= 40 && n <= 47) s.bg = BASIC[n - 40];
    else if (n >= 100 && n <= 107) s.bg = BASIC[n - 100 + 8];
    else if (n === 39) delete s.fg;
    else if (n === 49) delete s.bg;
    else if (n === 38 || n === 48) {
      let c: string | undefined;
      if (p[i + 1] === 5) {
        c = color256(p[i + 2]!);
        i += 2;
      } else if (p[i + 1] === 2) {
        const [r, g, b] = [p[i + 2]!, p[i + 3]!, p[i + 4]!];
        if ([r, g, b].every((v) => Number.isInteger(v) && v >= 0 && v <= 255)) c = rgb(r, g, b);
        i += 4;
      }
      if (c) s[n === 38 ? 'fg' : 'bg'] = c;
    }
  }
  return s;
}

// SGR, then any other CSI, OSC (to BEL or ST), a two-character escape, and the C0 controls but tab and newline.
const ESCAPES = /\x1b\[([0-9;:]*)m|\x1b\[[0-9;:?<=>!]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -~]?|[\x00-\x08\x0b-\x1f\x7f]/g;

/**
 * The pane's lines as spans (trailing blank lines dropped). A line whose text the redactor changes (a key on
 * screen) loses its colours and shows the redacted text, so no colour boundary can split a key past it.
 */
export function paneLines(raw: string, redact: (s: string) => string = (s) => s): WirePaneLine[] {
  const lines: WirePaneLine[] = [[]];
  let st: Style = {};
  const put = (text: string) => {
    const parts = text.split('\n');
    parts.forEach((t, k) => {
      if (k > 0) lines.push([]);
      if (t === '') return;
      const line = lines[lines.length - 1]!;
      const last = line[line.length - 1];
      if (last && sameStyle(last, st)) last.t += t;
      else line.push({ t, ...st });
    });
  };
  let at = 0;
  for (const m of raw.matchAll(ESCAPES)) {
    if (m.index! > at) put(raw.slice(at, m.index));
    if (m[1] !== undefined) st = sgr(st, m[1]);
    at = m.index! + m[0].length;
  }
  if (at < raw.length) put(raw.slice(at));
  const out = lines.map((line) => {
    const plain = line.map((s) => s.t).join('');
    const safe = redact(plain);
    return safe === plain ? trimEnd(line) : [{ t: safe.trimEnd() }];
  });
  while (out.length && out[out.length - 1]!.length === 0) out.pop();
  return out;
}

/** The pane as plain text (what a line of spans reads). */
export function paneText(lines: WirePaneLine[]): string {
  return lines.map((l) => l.map((s) => s.t).join('')).join('\n');
}

function sameStyle(a: WirePaneSpan, b: Style): boolean {
  return a.fg === b.fg && a.bg === b.bg && a.b === b.b && a.d === b.d && a.i === b.i && a.u === b.u && a.r === b.r;
}

/** Trailing spaces of a line dropped (those with no background to show). */
function trimEnd(line: WirePaneLine): WirePaneLine {
  while (line.length) {
    const last = line[line.length - 1]!;
    if (last.bg || last.r) break;
    const t = last.t.trimEnd();
    if (t) {
      last.t = t;
      break;
    }
    line.pop();
  }
  return line;
}
