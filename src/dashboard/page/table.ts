// The ledger: every run in a table, filtered by status and text, sorted by any column; only the rows in view
// are in the DOM, so 10,000 runs open as fast as 10.
import type { WireRun } from '../../report/wire.js';
import { fill, fmt, h } from './dom.js';
import { laneLabel, type Store } from './store.js';

const ROW_H = 28;
const OVERSCAN = 12;

type Key = 'lane' | 'id' | 'status' | 'value' | 'delta' | 'lines' | 'description' | 'commit' | 'duration' | 'start';

interface Column {
  key: Key;
  label: string;
  cls?: string;
  num?: boolean;
}

export function statusOf(r: WireRun): string {
  if (r.violation) return 'violation';
  return r.status;
}

function delta(r: WireRun): number | null {
  return r.value === null || r.bestBefore === null ? null : r.value - r.bestBefore;
}

export class LedgerTable {
  readonly el: HTMLElement;
  private body: HTMLTableSectionElement;
  private scroller: HTMLElement;
  private count: HTMLElement;
  private head: HTMLTableRowElement;
  private rows: WireRun[] = [];
  private status = 'all';
  private text = '';
  private sort: { key: Key; dir: 1 | -1 } = { key: 'start', dir: -1 };
  private selected: WireRun | null = null;
  private frame = 0;

  constructor(
    private readonly store: Store,
    private readonly onOpen: (r: WireRun) => void,
  ) {
    const select = h(
      'select',
      { id: 'status-filter', 'aria-label': 'status', onchange: (e: Event) => this.setFilter((e.target as HTMLSelectElement).value, this.text) },
      ...['all', 'keep', 'discard', 'crash', 'violation'].map((s) => h('option', { value: s }, s === 'all' ? 'every status' : s)),
    );
    const input = h('input', {
      id: 'text-filter',
      type: 'search',
      placeholder: 'filter: description, commit, #id, lane',
      'aria-label': 'filter text',
      oninput: (e: Event) => this.setFilter(this.status, (e.target as HTMLInputElement).value),
    });
    this.count = h('span', { class: 'count', id: 'run-count' });
    this.head = h('tr');
    this.body = h('tbody');
    this.scroller = h('div', { class: 'scroller', onscroll: () => this.paint() }, h('table', { class: 'ledger' }, h('thead', {}, this.head), this.body));
    this.el = h('section', { class: 'card ledger-card' }, h('div', { class: 'card-head' }, h('h2', {}, 'Ledger'), h('div', { class: 'filters' }, select, input, this.count)), this.scroller);
    store.on((what) => what === 'runs' && this.update());
    window.addEventListener('resize', () => this.paint());
  }

  private columns(): Column[] {
    const c: Column[] = [];
    if (this.store.multi()) c.push({ key: 'lane', label: 'lane' });
    c.push(
      { key: 'id', label: '#', num: true },
      { key: 'status', label: 'status' },
      { key: 'value', label: this.store.snap.metric, num: true },
      { key: 'delta', label: 'Δ best', num: true },
      { key: 'lines', label: 'lines', num: true },
      { key: 'description', label: 'description', cls: 'desc' },
      { key: 'commit', label: 'commit' },
      { key: 'duration', label: 'time', num: true },
      { key: 'start', label: 'started' },
    );
    return c;
  }

  setFilter(status: string, text: string): void {
    this.status = status;
    this.text = text;
    this.update();
  }

  update(): void {
    const cols = this.columns();
    fill(
      this.head,
      ...cols.map((c) =>
        h(
          'th',
          { class: (c.num ? 'num ' : '') + (c.cls ?? ''), 'data-key': c.key, onclick: () => this.sortBy(c.key) },
          c.label,
          this.sort.key === c.key ? (this.sort.dir === 1 ? ' ▲' : ' ▼') : '',
        ),
      ),
    );
    const q = this.text.trim().toLowerCase();
    const all = this.store.snap.runs;
    const st = this.status;
    const rows = all.filter((r) => {
      if (st !== 'all' && statusOf(r) !== st && !(st === 'discard' && r.status === 'discard')) return false;
      if (!q) return true;
      return (
        r.description.toLowerCase().includes(q) ||
        r.commit.startsWith(q) ||
        `#${r.id}` === q ||
        String(r.id) === q ||
        r.tag.toLowerCase().includes(q) ||
        (r.crashReason ?? '').includes(q)
      );
    });
    const { key, dir } = this.sort;
    const v = (r: WireRun): number | string => {
      switch (key) {
        case 'lane':
          return r.tag;
        case 'id':
          return r.id;
        case 'status':
          return statusOf(r);
        case 'value':
          return r.value ?? (dir === 1 ? Infinity : -Infinity);
        case 'delta':
          return delta(r) ?? (dir === 1 ? Infinity : -Infinity);
        case 'lines':
          return r.added + r.removed;
        case 'description':
          return r.description.toLowerCase();
        case 'commit':
          return r.commit;
        case 'duration':
          return r.durationMs;
        case 'start':
          return r.startMs ?? -Infinity;
      }
    };
    // Each key computed once; ties keep ledger order (the filter kept it, so a row's index is its place).
    const keys = rows.map(v);
    const at = rows.map((_, i) => i);
    at.sort((a, b) => {
      const x = keys[a]!;
      const y = keys[b]!;
      return (x < y ? -1 : x > y ? 1 : 0) * dir || (a - b) * dir;
    });
    this.rows = at.map((i) => rows[i]!);
    this.paint();
  }

  private sortBy(key: Key): void {
    this.sort = this.sort.key === key ? { key, dir: this.sort.dir === 1 ? -1 : 1 } : { key, dir: key === 'description' || key === 'lane' || key === 'status' ? 1 : -1 };
    this.update();
  }

  /** Draw the rows in view (next frame; many updates in one frame draw once). */
  private paint(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private draw(): void {
    const cols = this.columns();
    const top = this.scroller.scrollTop;
    const height = this.scroller.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / ROW_H) - OVERSCAN);
    const last = Math.min(this.rows.length, Math.ceil((top + height) / ROW_H) + OVERSCAN);
    const pad = (px: number) => h('tr', { class: 'pad', style: `height:${px}px` });
    const trs: Node[] = [];
    if (first > 0) trs.push(pad(first * ROW_H));
    for (let i = first; i < last; i++) trs.push(this.row(this.rows[i]!, cols));
    if (last < this.rows.length) trs.push(pad((this.rows.length - last) * ROW_H));
    if (this.rows.length === 0) trs.push(h('tr', {}, h('td', { colspan: cols.length, class: 'empty' }, this.store.snap.runs.length ? 'No run matches the filter.' : 'No runs yet.')));
    this.body.replaceChildren(...trs);
    // The count is drawn with the rows, so what it says is what the table shows.
    const n = this.store.snap.runs.length;
    const k = this.rows.length;
    this.count.textContent = k === n ? `${n} run${n === 1 ? '' : 's'}` : `${k} of ${n} runs`;
  }

  private row(r: WireRun, cols: Column[]): HTMLTableRowElement {
    const s = statusOf(r);
    const d = delta(r);
    const good = d !== null && (this.store.snap.goal === 'min' ? d < 0 : d > 0);
    const cells: Record<Key, () => Node | string> = {
      lane: () => laneLabel(this.store, r.tag),
      id: () => String(r.id),
      status: () => h('span', { class: `badge ${s}`, title: r.violation ?? r.crashReason ?? s }, r.status === 'crash' && r.crashReason ? `crash (${r.crashReason})` : s),
      value: () => fmt.value(r.value),
      delta: () => h('span', { class: d === null ? '' : good ? 'good' : 'bad' }, fmt.delta(d)),
      lines: () => (r.added || r.removed ? `+${r.added} −${r.removed}` : '-'),
      description: () => r.description,
      commit: () => h('code', {}, r.commit.slice(0, 7)),
      duration: () => fmt.duration(r.durationMs),
      start: () => fmt.time(r.startMs),
    };
    const tr = h('tr', { class: `run ${s}${r === this.selected ? ' selected' : ''}`, 'data-id': r.id, 'data-tag': r.tag, onclick: () => this.open(r) });
    for (const c of cols) tr.appendChild(h('td', { class: (c.num ? 'num ' : '') + (c.cls ?? ''), title: c.key === 'description' ? r.description : null }, cells[c.key]()));
    return tr;
  }

  private open(r: WireRun): void {
    this.selected = r;
    this.paint();
    this.onOpen(r);
  }
}
