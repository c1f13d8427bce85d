// The live page's HTML: its script and style come from the same server; the action token (if any) rides in a meta tag.
import { escapeHtml, htmlShell } from '../report/html.js';

export function livePage(o: { repo: string; actionToken: string | null }): string {
  const meta = o.actionToken ? `<meta name="ar-actions" content="${escapeHtml(o.actionToken)}">\n` : '';
  return htmlShell(`autoresearch: ${o.repo}`, `${meta}<link rel="stylesheet" href="app.css">\n<script src="app.js" defer></script>`);
}
