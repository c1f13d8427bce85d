import { describe, expect, it } from 'vitest';
import { chartData, geometry, niceStep, renderPng, renderSvg, ticks, yDomain } from '../../src/report/chart.js';
import { readPng } from './png-read.js';
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
    const runs = (n: number) => Array.from({ length: n }, (_, i) => rec(i + 1, i % 50 === 0 ? 'keep' : 'discard', 1 - i * 1e-6 + (i % 7) * 1e-3));
    const render = (many: ReturnType<typeof runs>) => {
      const t0 = performance.now();
      const svg = renderSvg(chartData(many, { goal: 'min', metric: 'loss', title: 'big' }));
      return { svg, ms: performance.now() - t0 };
    };
    const small = render(runs(10_000));
    const { svg: big, ms } = render(runs(100_000));
    // A guard against O(n^2) (100x for 10x the runs), not a benchmark: fast, or linear against 10k in this same process.
    expect(ms < 3000 || ms / Math.max(small.ms, 1) < 40, `100k: ${ms} ms, 10k: ${small.ms} ms`).toBe(true);
    expect(big.match(/<circle class="run/g)!.length).toBeLessThan(20_000);
  });
});

describe('renderPng', () => {
  const png = renderPng(data());

  it('is progress.svg rendered: a PNG of the chart size, RGBA 8-bit, with valid chunks', () => {
    const { width, height, depth, colorType, chunks } = readPng(png);
    expect([width, height, depth, colorType]).toEqual([1000, 500, 8, 6]);
    expect(chunks[0]).toBe('IHDR');
    expect(chunks).toContain('IDAT');
    expect(chunks.at(-1)).toBe('IEND');
  });

  it('has pixels where the marks are: kept green, crash red, background white', () => {
    const { pixel } = readPng(png);
    const g = geometry(data(), 1000, 500);
    expect(pixel(Math.floor(g.sx(8)), Math.floor(g.sy(0.9864)))).toEqual([44, 160, 44]); // kept: green
    const [r, gr, b] = pixel(Math.round(g.sx(4)), Math.round(g.crashY));
    expect(r).toBeGreaterThan(180); // crash: red (the centre of an anti-aliased cross)
    expect(Math.max(gr!, b!)).toBeLessThan(120);
    expect(pixel(5, 5)).toEqual([255, 255, 255]);
  });

  it('draws the text: kept runs labelled with their descriptions', () => {
    const other = chartData(
      normalRecords().map((r) => ({ ...r, description: r.status === 'keep' ? 'quite another description' : r.description })),
      { goal: 'min', metric: 'val_bpb', title: 'mar5 <night> & day' },
    );
    expect(renderSvg(other)).toContain('quite another description');
    expect(renderPng(other).equals(png)).toBe(false);
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
