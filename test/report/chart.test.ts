import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { chartData, geometry, niceStep, renderPng, renderSvg, ticks, yDomain } from '../../src/report/chart.js';
import { crc32, PNG_SIGNATURE } from '../../src/report/png.js';
import { renderTerminalChart } from '../../src/report/terminal-chart.js';
import { normalRecords, rec } from './helpers.js';

const data = () => chartData(normalRecords(), { goal: 'min', metric: 'val_bpb', title: 'mar5 <night> & day' });

/** Loose XML check: every tag closes in order, attributes are quoted. */
function wellFormed(xml: string): boolean {
  const stack: string[] = [];
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  for (const m of body.matchAll(/<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g)) {
    const [, close, name, , self] = m;
    if (self) continue;
    if (close) {
      if (stack.pop() !== name) return false;
    } else stack.push(name!);
  }
  // Any '<' not starting a tag would be unescaped text.
  const tags = body.match(/<[^>]*>/g)?.length ?? 0;
  const matched = [...body.matchAll(/<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g)].length;
  return stack.length === 0 && tags === matched;
}

describe('chartData', () => {
  it('marks every run and steps the running best at each new best', () => {
    const d = data();
    expect(d.points.map((p) => p.kind)).toEqual([
      'keep', 'keep', 'discard', 'crash', 'keep', 'discard', 'crash', 'keep', 'violation', 'crash', 'discard', 'discard', 'crash',
    ]);
    expect(d.best).toEqual([
      { x: 1, value: 0.9979 },
      { x: 2, value: 0.9932 },
      { x: 5, value: 0.9891 },
      { x: 8, value: 0.9864 },
    ]);
  });

  it('keeps the y range on the kept values when one run is wild', () => {
    const d = chartData([rec(1, 'keep', 1.0), rec(2, 'keep', 0.9), rec(3, 'discard', 50)], { goal: 'min', metric: 'loss', title: '' });
    const { lo, hi } = yDomain(d);
    // Kept spread 0.1: the range stops one spread above the worst keep (1.1), plus 6% padding.
    expect(lo).toBeCloseTo(0.9 - 0.012, 12);
    expect(hi).toBeCloseTo(1.1 + 0.012, 12);
  });
});

describe('ticks', () => {
  it('picks 1-2-5 steps', () => {
    expect(niceStep(0.0043)).toBeCloseTo(0.005, 15);
    expect(niceStep(0.15)).toBeCloseTo(0.2, 15);
    expect(niceStep(7)).toBe(10);
    expect(ticks(0.98, 1.006, 6)).toEqual({ values: [0.98, 0.985, 0.99, 0.995, 1, 1.005], digits: 3 });
    expect(ticks(1, 13, 10, true).values).toEqual([2, 4, 6, 8, 10, 12]);
  });
});

describe('renderSvg', () => {
  const svg = renderSvg(data());

  it('is a well-formed SVG document', () => {
    expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(wellFormed(svg)).toBe(true);
  });

  it('draws a mark per run and one step line', () => {
    const count = (re: RegExp) => svg.match(re)?.length ?? 0;
    expect(count(/<circle class="run keep"/g)).toBe(4);
    expect(count(/<circle class="run discard"/g)).toBe(4);
    expect(count(/<circle class="run violation"/g)).toBe(1);
    expect(count(/<path class="run crash"/g)).toBe(4);
    expect(count(/<path class="best"/g)).toBe(1);
    expect(count(/<circle /g)).toBe(9 + 3); // runs + legend
  });

  it('escapes text', () => {
    expect(svg).toContain('mar5 &lt;night&gt; &amp; day');
    expect(svg).toContain('remove &quot;value embeddings&quot;');
  });

  it('puts crashes on the worse edge', () => {
    const g = geometry(data(), 1000, 500);
    const crash = /<path class="run crash" d="M([\d.]+) ([\d.]+)/.exec(svg)!;
    expect(Number(crash[2]) + 5).toBe(g.crashY);
    expect(g.crashY).toBeLessThan(g.sy(0.9979)); // min: worse is up
  });

  it('stays linear and small for 100k runs', () => {
    const many = Array.from({ length: 100_000 }, (_, i) => rec(i + 1, i % 50 === 0 ? 'keep' : 'discard', 1 - i * 1e-6 + (i % 7) * 1e-3));
    const t0 = performance.now();
    const big = renderSvg(chartData(many, { goal: 'min', metric: 'loss', title: 'big' }));
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(big.match(/<circle class="run/g)!.length).toBeLessThan(20_000);
  });
});

describe('renderPng', () => {
  const png = renderPng(data());

  it('has the PNG signature and an IHDR of the chart size, RGBA 8-bit', () => {
    expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    expect(png.readUInt32BE(8)).toBe(13);
    expect(png.toString('ascii', 12, 16)).toBe('IHDR');
    expect(png.readUInt32BE(16)).toBe(1000);
    expect(png.readUInt32BE(20)).toBe(500);
    expect([png[24], png[25]]).toEqual([8, 6]);
  });

  it('has valid chunk CRCs and pixels where the marks are', () => {
    let off = 8;
    const idat: Buffer[] = [];
    const types: string[] = [];
    while (off < png.length) {
      const len = png.readUInt32BE(off);
      const type = png.toString('ascii', off + 4, off + 8);
      types.push(type);
      expect(png.readUInt32BE(off + 8 + len)).toBe(crc32(png.subarray(off + 4, off + 8 + len)));
      if (type === 'IDAT') idat.push(png.subarray(off + 8, off + 8 + len));
      off += 12 + len;
    }
    expect(types).toEqual(['IHDR', 'IDAT', 'IEND']);
    const raw = inflateSync(Buffer.concat(idat));
    expect(raw.length).toBe((1000 * 4 + 1) * 500);
    const pixel = (x: number, y: number) => [...raw.subarray(y * 4001 + 1 + x * 4, y * 4001 + 1 + x * 4 + 3)];
    const g = geometry(data(), 1000, 500);
    expect(pixel(Math.floor(g.sx(8)), Math.floor(g.sy(0.9864)))).toEqual([44, 160, 44]); // kept: green
    expect(pixel(Math.floor(g.sx(4)), Math.floor(g.crashY))).toEqual([214, 39, 40]); // crash: red
    expect(pixel(5, 5)).toEqual([255, 255, 255]);
  });

  it('crc32 matches the standard check value', () => {
    // CRC-32/ISO-HDLC of "123456789" is 0xCBF43926.
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });
});

describe('renderTerminalChart', () => {
  it('fits ~70x15 and shows keeps and crashes', () => {
    const out = renderTerminalChart(data());
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(15 + 3);
    expect(Math.max(...lines.map((l) => [...l].length))).toBeLessThanOrEqual(70);
    expect(out.match(/●/g)!.length).toBe(4 + 1); // + legend
    expect(out.match(/×/g)!.length).toBe(4 + 1);
    expect(out).not.toContain('\x1b[');
    expect(lines[0]).toMatch(/^1\.\d+ ┤/);
  });

  it('colours when asked', () => {
    expect(renderTerminalChart(data(), { color: true })).toContain('\x1b[32m●\x1b[0m');
  });

  it('draws an empty ledger', () => {
    expect(renderTerminalChart(chartData([], { goal: 'min', metric: 'x', title: '' }))).toContain('0 runs');
  });
});
