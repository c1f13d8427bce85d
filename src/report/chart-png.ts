// The progress chart as PNG: the SVG itself, rendered by resvg with the font shipped in the package (assets/fonts),
// so a headless machine draws the same text; scripts that font lacks fall back to the machine's own fonts.
import { createRequire } from 'node:module';
import path from 'node:path';
import { packageRoot } from '../package-root.js';
import { CHART_SIZE, type ChartData } from './chart-model.js';
import { renderSvg } from './chart-svg.js';

/** The chart's font: Roboto Regular (SIL Open Font License, assets/fonts/OFL.txt). */
export const CHART_FONT = 'Roboto';

export function chartFontFile(): string {
  return path.join(packageRoot(), 'assets', 'fonts', 'Roboto-Regular.ttf');
}

type ResvgModule = typeof import('@resvg/resvg-js');
let resvg: ResvgModule | null = null;

/** An SVG document as PNG bytes, at the SVG's own size. */
export function svgToPng(svg: string): Buffer {
  // Loaded on first use (a native module): nothing else of the report needs it.
  resvg ??= createRequire(import.meta.url)('@resvg/resvg-js') as ResvgModule;
  const r = new resvg.Resvg(svg, {
    font: { fontFiles: [chartFontFile()], loadSystemFonts: true, defaultFontFamily: CHART_FONT, sansSerifFamily: CHART_FONT },
    background: '#ffffff',
  });
  return Buffer.from(r.render().asPng());
}

/** The chart as PNG bytes: exactly progress.svg, rasterised. */
export function renderPng(data: ChartData, size = CHART_SIZE): Buffer {
  return svgToPng(renderSvg(data, size));
}
