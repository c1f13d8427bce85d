// The progress chart for a terminal: braille dots for runs and the running best, ● for keeps,
// × for crashes on the worse edge. About 70 columns by 15 rows.
import { yDomain, type ChartData } from './chart-model.js';

export interface TerminalChartOptions {
  /** Total width in characters, labels included (default 70). */
  width?: number;
  /** Plot rows (default 15). */
  height?: number;
  /** ANSI colours (green keeps and best, grey discards, red crashes). */
  color?: boolean;
}

// Braille dot bits by [column][row] within a 2x4 cell.
const DOT = [
  [0x01, 0x02, 0x04, 0x40],
  [0x08, 0x10, 0x20, 0x80],
];

// Cell classes; a higher one wins the cell's colour.
const Cell = { Empty: 0, Discard: 1, Violation: 2, Best: 3, Keep: 4, Crash: 5 } as const;
type Cell = (typeof Cell)[keyof typeof Cell];

const ANSI: Record<number, string> = { 1: '\x1b[90m', 2: '\x1b[33m', 3: '\x1b[32m', 4: '\x1b[32m', 5: '\x1b[31m' };

export function renderTerminalChart(data: ChartData, opts: TerminalChartOptions = {}): string {
  const rows = Math.max(3, opts.height ?? 15);
  const { lo, hi } = yDomain(data);
  const digits = Math.max(0, Math.min(6, 2 - Math.floor(Math.log10(hi - lo || 1))));
  const hiLabel = hi.toFixed(digits);
  const loLabel = lo.toFixed(digits);
  const labelW = Math.max(hiLabel.length, loLabel.length) + 1;
  const cols = Math.max(10, (opts.width ?? 70) - labelW - 1);
  const W = cols * 2;
  const H = rows * 4;
  const n = data.points.length;
  const bits = new Uint8Array(cols * rows);
  const kind = new Uint8Array(cols * rows);
  const dx = (x: number) => (n <= 1 ? 0 : Math.round(((x - 1) / (n - 1)) * (W - 1)));
  const dy = (v: number) => Math.round(((hi - Math.min(hi, Math.max(lo, v))) / (hi - lo)) * (H - 1));
  const plot = (x: number, y: number, k: Cell) => {
    const c = (y >> 2) * cols + (x >> 1);
    bits[c]! |= DOT[x & 1]![y & 3]!;
    if (k > kind[c]!) kind[c] = k;
  };
  const mark = (x: number, y: number, k: Cell) => {
    const c = (y >> 2) * cols + (x >> 1);
    if (k > kind[c]!) kind[c] = k;
  };

  for (const p of data.points) {
    if (p.value === null) mark(dx(p.x), data.goal === 'min' ? 0 : H - 1, Cell.Crash);
    else if (p.kind === 'keep') mark(dx(p.x), dy(p.value), Cell.Keep);
    else plot(dx(p.x), dy(p.value), p.kind === 'violation' ? Cell.Violation : Cell.Discard);
  }
  // The running best: flat between keeps, a vertical drop at each new best.
  for (let i = 0; i < data.best.length; i++) {
    const b = data.best[i]!;
    const x0 = dx(b.x);
    const x1 = i + 1 < data.best.length ? dx(data.best[i + 1]!.x) : W - 1;
    const y = dy(b.value);
    for (let x = x0; x <= x1; x++) plot(x, y, Cell.Best);
    if (i + 1 < data.best.length) {
      const y2 = dy(data.best[i + 1]!.value);
      for (let yy = Math.min(y, y2); yy <= Math.max(y, y2); yy++) plot(x1, yy, Cell.Best);
    }
  }

  const paint = (s: string, k: number) => (opts.color && ANSI[k] ? ANSI[k] + s + '\x1b[0m' : s);
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    const label = r === 0 ? hiLabel : r === rows - 1 ? loLabel : '';
    let line = label.padStart(labelW - 1) + ' ' + (label ? '┤' : '│');
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const k = kind[i]!;
      const ch = k === Cell.Crash ? '×' : k === Cell.Keep ? '●' : bits[i] ? String.fromCharCode(0x2800 + bits[i]!) : ' ';
      line += paint(ch, k);
    }
    lines.push(line.replace(/\s+$/, ''));
  }
  lines.push(' '.repeat(labelW) + '└' + '─'.repeat(cols));
  const first = '1';
  const last = `${n} runs`;
  lines.push(' '.repeat(labelW + 1) + first + last.padStart(Math.max(0, cols - first.length)));
  lines.push(
    ' '.repeat(labelW + 1) +
      [paint('●', Cell.Keep) + ' kept', paint('⠂', Cell.Discard) + ' discarded', paint('×', Cell.Crash) + ' crash', paint('⠤⠤', Cell.Best) + ` best ${data.metric}`].join('  '),
  );
  return lines.join('\n') + '\n';
}
