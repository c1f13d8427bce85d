// The live page's HTML: its script and style come from the same server; the action token (if any) rides in a meta tag.
import { escapeHtml, htmlShell } from '../report/html.js';

export function livePage(o: { repo: string; actionToken: string | null; token: string | null }): string {
  const meta = o.actionToken ? `<meta name="ar-actions" content="${escapeHtml(o.actionToken)}">\n` : '';
  // The snapshot downloads while the script loads (the page's fetch of the same address takes this answer).
  const snap = `api/snapshot${o.token ? `?token=${encodeURIComponent(o.token)}` : ''}`;
  return htmlShell(
    `autoresearch: ${o.repo}`,
    `${meta}<link rel="preload" href="${escapeHtml(snap)}" as="fetch" crossorigin="anonymous">\n<link rel="stylesheet" href="app.css">\n<script src="app.js" defer></script>`,
  );
}
