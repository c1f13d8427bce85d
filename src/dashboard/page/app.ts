// The dashboard page: live (a snapshot, then the server's events) or static (report.html: the data inline).
import 'uplot/dist/uPlot.min.css';
import './style.css';
import type { Delta, Snapshot } from '../../report/wire.js';
import { RunChart } from './chart.js';
import { h } from './dom.js';
import { ActionsPanel } from './actions.js';
import { LanePanel, RunDetail, SessionsPanel, StatsPanel, type Api } from './panels.js';
import { Store } from './store.js';
import { LedgerTable } from './table.js';

function liveApi(token: string | null): Api {
  const action = document.querySelector('meta[name="ar-actions"]')?.getAttribute('content') ?? null;
  const q = (p: string) => (token ? `${p}${p.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}` : p);
  return {
    async json<T>(p: string): Promise<T> {
      // The same address, mode and credentials as the page's preload link, so the browser hands over that answer.
      const res = await fetch(q(p), { mode: 'cors', credentials: 'same-origin' });
      if (!res.ok) throw new Error(`the dashboard answered ${res.status}`);
      return (await res.json()) as T;
    },
    async text(p) {
      try {
        const res = await fetch(p, { headers: token ? { 'X-AR-Token': token } : {} });
        return await res.text();
      } catch (e) {
        return `The dashboard did not answer: ${(e as Error).message}`;
      }
    },
    async post(p, body) {
      try {
        const headers: Record<string, string> = { 'Content-Type': 'application/json', 'X-AR-Action': action ?? '' };
        if (token) headers['X-AR-Token'] = token;
        const res = await fetch(p, { method: 'POST', headers, body: JSON.stringify(body) });
        const o = (await res.json().catch(() => ({}))) as { message?: string; error?: string };
        return { ok: res.ok, message: o.message ?? o.error ?? `The dashboard answered ${res.status}.` };
      } catch (e) {
        return { ok: false, message: `The dashboard did not answer: ${(e as Error).message}` };
      }
    },
    stream(p, on) {
      const es = new EventSource(q(p));
      for (const [name, fn] of Object.entries(on)) es.addEventListener(name, (e) => (fn as (d: unknown) => void)(JSON.parse((e as MessageEvent).data)));
      return es;
    },
  };
}

function mount(store: Store, api: Api | null): { status: HTMLElement } {
  const snap = store.snap;
  let chosen: string | null = snap.lanes.find((l) => l.pane)?.tag ?? snap.lanes[0]?.tag ?? null;
  const detail = new RunDetail(store, api);
  const open = (r: Parameters<RunDetail['open']>[0]) => detail.open(r);
  const lanePanel = new LanePanel(store, api);
  const sessions = new SessionsPanel(
    store,
    () => chosen,
    (tag) => {
      chosen = tag;
      lanePanel.show(tag);
      sessions.update();
    },
  );
  const chart = new RunChart(store, open);
  const stats = new StatsPanel(store);
  const table = new LedgerTable(store, open);
  const status = h('span', { class: 'conn', id: 'conn' }, api ? 'connecting' : 'static report');
  const mode = h('span', { class: 'mode' }, !api ? `made ${new Date(snap.now).toLocaleString()}` : snap.actions ? 'actions allowed' : 'read-only');
  const header = h(
    'header',
    {},
    h('h1', {}, 'autoresearch'),
    h('span', { class: 'repo', id: 'repo' }, snap.repo),
    h('span', { class: 'metric' }, `${snap.metric}, ${snap.goal === 'min' ? 'lower' : 'higher'} is better`),
    h('span', { class: 'spacer' }),
    mode,
    status,
  );
  const actions = api && snap.actions ? new ActionsPanel(store, api).el : null;
  // report.html has no sessions to watch: the chart, the statistics and the ledger.
  const live = api ? [sessions.el, actions, lanePanel.el] : [];
  document.body.replaceChildren(header, h('main', {}, ...live.filter((x): x is HTMLElement => !!x), h('div', { class: 'grid2 wide-left' }, chart.el, stats.el), table.el, detail.el));
  sessions.update();
  lanePanel.show(chosen);
  chart.update();
  stats.update();
  table.update();
  return { status };
}

function start(): void {
  const inline = document.getElementById('ar-data');
  if (inline) {
    const snap = JSON.parse(inline.textContent || '{}') as Snapshot;
    mount(new Store(snap), null);
    return;
  }
  const token = new URLSearchParams(location.search).get('token');
  const api = liveApi(token);
  let store: Store | null = null;
  let status: HTMLElement | null = null;
  const setStatus = (text: string, cls: string) => {
    if (status) {
      status.textContent = text;
      status.className = `conn ${cls}`;
    }
  };
  const listen = (seq: number | null) => {
    const es = api.stream(seq === null ? 'api/events' : `api/events?since=${seq}`, {
      snapshot: (snap: Snapshot) => {
        if (!store) {
          store = new Store(snap);
          status = mount(store, api).status;
        } else store.replace(snap);
        setStatus('live', 'on');
      },
      hello: () => setStatus('live', 'on'),
      runs: (d: Delta) => store?.apply(d),
      reset: (d: Delta) => store?.apply(d),
      lanes: (d: Delta) => store?.apply(d),
      stats: (d: Delta) => store?.apply(d),
    });
    es.onerror = () => setStatus('reconnecting', 'off');
  };
  // The snapshot as one JSON answer (preloaded by the HTML), then the stream of what changed after it.
  api.json<Snapshot>('api/snapshot').then(
    (snap: Snapshot) => {
      store = new Store(snap);
      status = mount(store, api).status;
      listen(snap.seq ?? null);
    },
    () => listen(null),
  );
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
