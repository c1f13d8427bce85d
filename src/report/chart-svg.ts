// The progress chart as a standalone SVG document (hand-written XML).
import { bestPath, CHART_SIZE, labels, layout, ticks, type ChartData, type Geometry, type Mark } from './chart-model.js';
import { fmtValue } from '../format.js';

const COLORS = { keep: '#2ca02c', discard: '#b0b0b0', violation: '#ff7f0e', crash: '#d62728', axis: '#333333', grid: '#e8e8e8' };

function xml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** The chart as a standalone SVG document. */
export function renderSvg(data: ChartData, size = CHART_SIZE): string {
  const { g, marks: ms } = layout(data, size.width, size.height);
  const f = (n: number) => n.toFixed(1);
  const yt = ticks(g.yLo, g.yHi, 6);
  const xt = ticks(1, Math.max(1, data.points.length), 10, true);
  const L = labels(data);
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size.width}" height="${size.height}" viewBox="0 0 ${size.width} ${size.height}" font-family="sans-serif" font-size="12">`,
    `<rect x="0" y="0" width="${size.width}" height="${size.height}" fill="#ffffff"/>`,
    `<text x="${f((g.left + g.right) / 2)}" y="28" font-size="16" text-anchor="middle">${xml(L.title)}</text>`,
    `<g class="grid" stroke="${COLORS.grid}" stroke-width="1">`,
    ...yt.values.map((v) => `<line x1="${g.left}" y1="${f(g.sy(v))}" x2="${g.right}" y2="${f(g.sy(v))}"/>`),
    '</g>',
    `<g class="axes" stroke="${COLORS.axis}" stroke-width="1">`,
    `<line x1="${g.left}" y1="${g.bottom}" x2="${g.right}" y2="${g.bottom}"/>`,
    `<line x1="${g.left}" y1="${g.top}" x2="${g.left}" y2="${g.bottom}"/>`,
    ...yt.values.map((v) => `<line x1="${g.left - 5}" y1="${f(g.sy(v))}" x2="${g.left}" y2="${f(g.sy(v))}"/>`),
    ...xt.values.map((x) => `<line x1="${f(g.sx(x))}" y1="${g.bottom}" x2="${f(g.sx(x))}" y2="${g.bottom + 5}"/>`),
    '</g>',
    `<g class="ticks" fill="${COLORS.axis}">`,
    ...yt.values.map((v) => `<text x="${g.left - 8}" y="${f(g.sy(v) + 4)}" text-anchor="end">${v.toFixed(yt.digits)}</text>`),
    ...xt.values.map((x) => `<text x="${f(g.sx(x))}" y="${g.bottom + 20}" text-anchor="middle">${x}</text>`),
    '</g>',
    `<text x="${f((g.left + g.right) / 2)}" y="${size.height - 15}" text-anchor="middle">${xml(L.xLabel)}</text>`,
    `<text x="20" y="${f((g.top + g.bottom) / 2)}" text-anchor="middle" transform="rotate(-90 20 ${f((g.top + g.bottom) / 2)})">${xml(L.yLabel)}</text>`,
  ];
  const runs: string[] = [];
  // Hover titles make a big chart heavy to build and to open; they are for the nights one reads dot by dot.
  const title = (m: Mark) => (ms.length > 2000 ? '' : `<title>#${m.point.id} ${xml(m.point.kind)}${m.point.value === null ? '' : ' ' + fmtValue(m.point.value)}: ${xml(m.point.description)}</title>`);
  for (const m of ms) {
    if (m.kind === 'crash') continue;
    if (m.kind === 'keep') continue;
    const fill = m.clipped ? 'none' : COLORS[m.kind];
    runs.push(`<circle class="run ${m.kind}" cx="${m.x}" cy="${m.y}" r="3.5" fill="${fill}" stroke="${COLORS[m.kind]}">${title(m)}</circle>`);
  }
  out.push('<g class="runs">', ...runs, '</g>');
  const bp = bestPath(data, g);
  if (bp) out.push(`<path class="best" d="${bp}" fill="none" stroke="${COLORS.keep}" stroke-width="2"/>`);
  const kept = ms.filter((m) => m.kind === 'keep');
  out.push(
    '<g class="kept">',
    ...kept.map((m) => `<circle class="run keep" cx="${m.x}" cy="${m.y}" r="${ms.length > 2000 ? 3.5 : 5.5}" fill="${COLORS.keep}"${ms.length > 2000 ? '' : ' stroke="#ffffff"'}>${title(m)}</circle>`),
    '</g>',
  );
  if (kept.length <= 40) {
    out.push(
      '<g class="labels" font-size="10" fill="#1a5e1a">',
      ...kept.map((m) => `<text x="${f(m.x + 7)}" y="${f(m.y - 7)}" transform="rotate(-25 ${f(m.x + 7)} ${f(m.y - 7)})">${xml(short(m.point.description))}</text>`),
      '</g>',
    );
  }
  const crashes = ms.filter((m) => m.kind === 'crash');
  out.push(
    `<g class="crashes" stroke="${COLORS.crash}" stroke-width="2">`,
    ...crashes.map((m) => `<path class="run crash" d="M${m.x - 5} ${m.y - 5} L${m.x + 5} ${m.y + 5} M${m.x - 5} ${m.y + 5} L${m.x + 5} ${m.y - 5}">${title(m)}</path>`),
    '</g>',
  );
  out.push(...svgLegend(g), '</svg>');
  return out.join('\n') + '\n';
}

function short(s: string, n = 36): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > n ? t.slice(0, n - 1) + '…' : t;
}

function svgLegend(g: Geometry): string[] {
  const x = g.right - 330;
  const y = 50;
  const items: [string, string][] = [
    ['kept', `<circle cx="${x}" cy="${y - 4}" r="5" fill="${COLORS.keep}"/>`],
    ['discarded', `<circle cx="${x + 70}" cy="${y - 4}" r="3.5" fill="${COLORS.discard}"/>`],
    ['violation', `<circle cx="${x + 160}" cy="${y - 4}" r="3.5" fill="${COLORS.violation}"/>`],
    ['crash', `<path d="M${x + 245} ${y - 9} L${x + 255} ${y + 1} M${x + 245} ${y + 1} L${x + 255} ${y - 9}" stroke="${COLORS.crash}" stroke-width="2"/>`],
  ];
  const offs = [0, 70, 160, 250];
  return [
    '<g class="legend" font-size="12">',
    ...items.map(([label, shape], i) => `${shape}<text x="${x + offs[i]! + 10}" y="${y}">${label}</text>`),
    '</g>',
  ];
}
