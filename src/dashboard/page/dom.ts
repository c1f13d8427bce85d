// Building the page: every string goes in as text (textContent, attributes set one by one), never as HTML.
import { fmtValue, MISSING } from '../../format.js';

type Attrs = Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>;
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else if (k === 'class') el.className = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

export function append(el: Node, children: Child[]): void {
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
}

/** Replace an element's children. */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

export const fmt = {
  // A value and a missing one shown as everywhere else (src/format.ts).
  value: fmtValue,
  delta(d: number | null): string {
    return d === null ? MISSING : (d > 0 ? '+' : d < 0 ? '−' : '±') + Math.abs(d).toFixed(6);
  },
  duration(ms: number): string {
    if (!(ms > 0)) return MISSING;
    const s = Math.round(ms / 1000);
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const ss = String(s % 60).padStart(2, '0');
    return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
  },
  uptime(s: number | null): string {
    if (s === null || !(s >= 0)) return MISSING;
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    if (h) return `${h}h${String(m).padStart(2, '0')}m`;
    if (m) return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
    return `${Math.floor(s)}s`;
  },
  time(t: number | null): string {
    if (t === null || !Number.isFinite(t)) return MISSING;
    const d = new Date(t);
    return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  },
  cut(s: string, n: number): string {
    return s.length > n ? s.slice(0, n - 1) + '…' : s;
  },
};
