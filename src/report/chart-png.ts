// The progress chart as PNG bytes: the SVG's geometry drawn by the tiny rasterizer.
import { CHART_SIZE, labels, layout, ticks, type ChartData, type Geometry } from './chart-model.js';
import { encodePng } from './png.js';
import { Raster, type Rgb } from './raster.js';

const RGB = {
  keep: [44, 160, 44],
  discard: [176, 176, 176],
  violation: [255, 127, 14],
  crash: [214, 39, 40],
  axis: [51, 51, 51],
  grid: [232, 232, 232],
} satisfies Record<string, Rgb>;

/** The chart as PNG bytes (same geometry as the SVG; bitmap text, no description labels). */
export function renderPng(data: ChartData, size = CHART_SIZE): Buffer {
  const { g, marks: ms } = layout(data, size.width, size.height);
  const r = new Raster(size.width, size.height);
  const yt = ticks(g.yLo, g.yHi, 6);
  const xt = ticks(1, Math.max(1, data.points.length), 10, true);
  const L = labels(data);
  for (const v of yt.values) r.fillRect(g.left, Math.round(g.sy(v)), g.right, Math.round(g.sy(v)) + 1, RGB.grid);
  r.fillRect(g.left, g.bottom, g.right, g.bottom + 1, RGB.axis);
  r.fillRect(g.left - 1, g.top, g.left, g.bottom + 1, RGB.axis);
  for (const v of yt.values) {
    const y = Math.round(g.sy(v));
    r.fillRect(g.left - 5, y, g.left, y + 1, RGB.axis);
    const s = v.toFixed(yt.digits);
    r.text(g.left - 9 - Raster.textWidth(s, 2), y - 7, s, RGB.axis, 2);
  }
  for (const x of xt.values) {
    const px = Math.round(g.sx(x));
    r.fillRect(px, g.bottom, px + 1, g.bottom + 5, RGB.axis);
    const w = Raster.textWidth(String(x), 2);
    r.text(Math.min(size.width - 2 - w, px - w / 2), g.bottom + 10, String(x), RGB.axis, 2);
  }
  r.text((g.left + g.right) / 2 - Raster.textWidth(L.title, 2) / 2, 14, L.title, [0, 0, 0], 2);
  r.text((g.left + g.right) / 2 - Raster.textWidth(L.xLabel, 2) / 2, size.height - 24, L.xLabel, RGB.axis, 2);
  r.text(12, (g.top + g.bottom) / 2 + Raster.textWidth(L.yLabel, 2) / 2, L.yLabel, RGB.axis, 2, true);

  for (const m of ms) {
    if (m.kind === 'discard' || m.kind === 'violation') {
      if (m.clipped) r.ring(m.x, m.y, 3, RGB[m.kind], 1.5);
      else r.disc(m.x, m.y, 3.5, RGB[m.kind]);
    }
  }
  // The running best as a step line: horizontal and vertical runs only, so rectangles are exact.
  if (data.best.length) {
    let px = g.sx(data.best[0]!.x);
    let py = g.sy(data.best[0]!.value);
    const seg = (x1: number, y1: number) => {
      r.fillRect(Math.min(px, x1) - 1, Math.min(py, y1) - 1, Math.max(px, x1) + 1, Math.max(py, y1) + 1, RGB.keep);
      px = x1;
      py = y1;
    };
    for (const b of data.best.slice(1)) {
      seg(g.sx(b.x), py);
      seg(px, g.sy(b.value));
    }
    seg(g.sx(data.points.length), py);
  }
  // A white halo sets a keep apart from its neighbours; in a dense chart it would erase them.
  const halo = ms.length <= 2000;
  for (const m of ms) {
    if (m.kind === 'keep') {
      if (halo) r.disc(m.x, m.y, 6.5, [255, 255, 255]);
      r.disc(m.x, m.y, halo ? 5.5 : 3.5, RGB.keep);
    } else if (m.kind === 'crash') r.cross(m.x, m.y, 5, RGB.crash, 2);
  }
  pngLegend(r, g);
  return encodePng(size.width, size.height, r.data);
}

function pngLegend(r: Raster, g: Geometry): void {
  let x = g.right - 400;
  const y = 46;
  const item = (label: string, draw: (cx: number) => void) => {
    draw(x);
    r.text(x + 10, y - 7, label, RGB.axis, 2);
    x += 20 + Raster.textWidth(label, 2) + 12;
  };
  item('kept', (cx) => r.disc(cx, y, 5, RGB.keep));
  item('discard', (cx) => r.disc(cx, y, 3.5, RGB.discard));
  item('violation', (cx) => r.disc(cx, y, 3.5, RGB.violation));
  item('crash', (cx) => r.cross(cx, y, 5, RGB.crash, 2));
}
