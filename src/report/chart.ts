// The progress chart in the manner of karpathy's progress.png: every run a dot, kept runs green,
// discards grey, crashes as red crosses on the worse edge, the running best as a step line.
// One geometry (chart-model.ts), two renderings: SVG text (and the PNG resvg makes of it) and the terminal.
export { CHART_SIZE, chartData, geometry, niceStep, ticks, yDomain } from './chart-model.js';
export type { ChartData, ChartPoint, Geometry, PointKind } from './chart-model.js';
export { renderSvg } from './chart-svg.js';
export { renderPng, svgToPng } from './chart-png.js';
export { renderTerminalChart, type TerminalChartOptions } from './terminal-chart.js';
