// The page's HTML: served live (scripts from the server) or as report.html (everything inline, one file).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../package-root.js';
import type { Snapshot } from './wire.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The built page, shipped in the bundle: dashboard-page.js (the page and uPlot) and dashboard-page.css. */
export function pageAssets(): { js: string; css: string } {
  const dir = path.join(packageRoot(), 'dist', 'bundle');
  const js = path.join(dir, 'dashboard-page.js');
  if (!existsSync(js)) throw new Error(`${js} is missing: build first (npm run build)`);
  return { js: readFileSync(js, 'utf8'), css: readFileSync(path.join(dir, 'dashboard-page.css'), 'utf8') };
}

function shell(title: string, head: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
${head}
</head>
<body>
<noscript>This page needs JavaScript.</noscript>
${body}
</body>
</html>
`;
}

/** The live page: its script and style come from the same server; the action token (if any) rides in a meta tag. */
export function livePage(o: { repo: string; actionToken: string | null }): string {
  const meta = o.actionToken ? `<meta name="ar-actions" content="${escapeHtml(o.actionToken)}">` : '';
  return shell(`autoresearch: ${o.repo}`, `${meta}\n<link rel="stylesheet" href="app.css">\n<script src="app.js" defer></script>`, '');
}

/** JSON that is safe inside a <script> element. */
export function scriptJson(x: unknown): string {
  return JSON.stringify(x).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** report.html: the same table and chart, with the data inline and no server behind it. */
export function staticPage(snap: Snapshot, assets = pageAssets()): string {
  const js = assets.js.replace(/<\/script/gi, '<\\/script');
  const css = assets.css.replace(/<\/style/gi, '<\\/style');
  return shell(
    `autoresearch: ${snap.repo}`,
    `<style>${css}</style>\n<script type="application/json" id="ar-data">${scriptJson(snap)}</script>\n<script>${js}</script>`,
    '',
  );
}
