// The agent's pane with its colours: each span built with textContent (the text never becomes markup), its
// colours taken only in the server's #rrggbb form.
import type { WirePaneLine } from '../../report/wire.js';

const HEX = /^#[0-9a-f]{6}$/;

export function showPane(el: HTMLElement, d: { text: string; lines?: WirePaneLine[] }): void {
  if (!d.lines) {
    el.textContent = d.text;
    return;
  }
  const out: Node[] = [];
  d.lines.forEach((line, k) => {
    if (k) out.push(document.createTextNode('\n'));
    for (const s of line) {
      if (!s.fg && !s.bg && !s.b && !s.d && !s.i && !s.u && !s.r) {
        out.push(document.createTextNode(s.t));
        continue;
      }
      const span = document.createElement('span');
      span.textContent = s.t;
      let fg = s.fg && HEX.test(s.fg) ? s.fg : '';
      let bg = s.bg && HEX.test(s.bg) ? s.bg : '';
      if (s.r) [fg, bg] = [bg || 'var(--card)', fg || 'var(--text)'];
      if (fg) span.style.color = fg;
      if (bg) span.style.backgroundColor = bg;
      if (s.b) span.style.fontWeight = 'bold';
      if (s.d) span.style.opacity = '0.6';
      if (s.i) span.style.fontStyle = 'italic';
      if (s.u) span.style.textDecoration = 'underline';
      out.push(span);
    }
  });
  el.replaceChildren(...out);
}
