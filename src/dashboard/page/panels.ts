// The sessions table, the agent's pane and current run of the chosen lane, the statistics, a run's diff and log.
import type { WireLane, WirePaneLine, WireRun } from '../../report/wire.js';
import { showPane } from './pane.js';
import { fill, fmt, h } from './dom.js';
import { laneLabel, type Store } from './store.js';
import { statusOf } from './table.js';

export class SessionsPanel {
  readonly el: HTMLElement;
  private body: HTMLTableSectionElement;

  constructor(
    private readonly store: Store,
    private readonly chosen: () => string | null,
    private readonly choose: (tag: string) => void,
  ) {
    this.body = h('tbody');
    const cols = ['session', 'state', 'task', 'turns', 'restarts', 'uptime', 'executor', 'runs', 'best', 'current run'];
    this.el = h(
      'section',
      { class: 'card sessions-card' },
      h('div', { class: 'card-head' }, h('h2', {}, 'Sessions and lanes')),
      h('div', { class: 'wide' }, h('table', { class: 'sessions' }, h('thead', {}, h('tr', {}, ...cols.map((c) => h('th', {}, c)))), this.body)),
    );
    store.on((what) => what === 'lanes' && this.update());
    setInterval(() => this.update(), 1000);
  }

  update(): void {
    const lanes = this.store.snap.lanes;
    if (lanes.length === 0) {
      fill(this.body, h('tr', {}, h('td', { colspan: 10, class: 'empty' }, 'No session or tag in this repository yet.')));
      return;
    }
    const now = this.store.now();
    fill(this.body, ...lanes.map((l) => this.row(l, now)));
  }

  private row(l: WireLane, now: number): HTMLTableRowElement {
    const cur = l.current;
    let run: Node | string = '-';
    if (cur) {
      const el = (now - cur.startMs) / 1000;
      const frac = cur.budgetSeconds ? Math.min(1, el / cur.budgetSeconds) : 0;
      run = h(
        'div',
        { class: 'run-now', title: cur.description },
        h('div', { class: 'bar' }, h('i', { style: `width:${(frac * 100).toFixed(1)}%`, class: el > (cur.budgetSeconds ?? Infinity) ? 'over' : '' })),
        h('span', {}, `#${cur.id} ${fmt.uptime(el)}${cur.budgetSeconds ? ` / ${fmt.uptime(cur.budgetSeconds)}` : ''} · ${fmt.cut(cur.description, 40)}`),
      );
    }
    const flying = inFlightCount(l);
    const uptime = l.startedMs ? (now - l.startedMs) / 1000 : null;
    return h(
      'tr',
      { class: `lane${this.chosen() === l.tag ? ' selected' : ''}`, 'data-tag': l.tag, onclick: () => this.choose(l.tag) },
      h('td', {}, h('b', {}, l.session), l.lane ? ` : ${l.lane}` : '', l.gpu !== null ? h('span', { class: 'muted' }, ` gpu ${l.gpu}`) : ''),
      h('td', {}, h('span', { class: `state ${l.state}`, title: l.reason ?? '' }, l.state), l.reason ? h('div', { class: 'muted small' }, fmt.cut(l.reason, 60)) : ''),
      h('td', { class: 'task', title: l.task ?? '' }, l.task ? fmt.cut(l.task, 60) : '-'),
      h('td', { class: 'num' }, String(l.turns)),
      h('td', { class: 'num' }, String(l.restarts)),
      h('td', { class: 'num' }, fmt.uptime(uptime)),
      h('td', {}, l.job ? h('span', { title: `${l.job.engine} job ${l.job.id}` }, `${l.job.engine} ${l.job.id}`, h('span', { class: 'muted' }, ` ${l.job.state ?? ''}${l.job.node ? ' on ' + l.job.node : ''}${l.job.queuedSeconds ? `, queued ${fmt.uptime(l.job.queuedSeconds)}` : ''}`)) : l.executor),
      h('td', { class: 'num' }, String(l.runs)),
      h('td', {}, l.best ? h('span', {}, fmt.value(l.best.value), h('span', { class: 'muted' }, ` #${l.best.id} `), h('code', {}, l.best.commit.slice(0, 7))) : '-'),
      h('td', { class: 'current' }, cur || !flying ? run : null, flying ? h('div', { class: 'muted small in-flight-count' }, flying) : null),
    );
  }
}

/** `3 runs in flight, 1 stale`; null when the current run is all there is (its bar says it). */
function inFlightCount(l: WireLane): string | null {
  const live = l.inFlight.filter((r) => r.state !== 'stale').length;
  const stale = l.inFlight.length - live;
  if (live <= (l.current ? 1 : 0) && !stale) return null;
  return [live ? `${live} run${live === 1 ? '' : 's'} in flight` : '', stale ? `${stale} stale (runner gone)` : ''].filter(Boolean).join(', ');
}

/** The chosen lane's agent pane (live, from the server) and its current run's log. */
export class LanePanel {
  readonly el: HTMLElement;
  private title: HTMLElement;
  private pane: HTMLPreElement;
  private log: HTMLPreElement;
  private logTitle: HTMLElement;
  private flying: HTMLUListElement;
  private flyingRows: { li: HTMLLIElement; where: HTMLDivElement; tail: HTMLPreElement }[] = [];
  private source: EventSource | null = null;
  private tag: string | null = null;

  constructor(
    private readonly store: Store,
    private readonly api: Api | null,
  ) {
    this.title = h('h2', {}, 'Agent');
    this.pane = h('pre', { class: 'pane', id: 'pane' }, 'Choose a session above.');
    this.logTitle = h('h2', {}, 'Current run');
    this.log = h('pre', { class: 'log', id: 'run-log' }, '');
    this.flying = h('ul', { class: 'in-flight', id: 'in-flight', hidden: true });
    this.el = h(
      'div',
      { class: 'grid2' },
      h('section', { class: 'card' }, h('div', { class: 'card-head' }, this.title), this.pane),
      h('section', { class: 'card' }, h('div', { class: 'card-head' }, this.logTitle), this.flying, this.log),
    );
    store.on((what) => what === 'lanes' && this.update());
    setInterval(() => this.listInFlight(), 1000);
  }

  /** The chosen lane's runs in flight, each with where it is, for how long and its last lines (shown when more than its current run). */
  private listInFlight(): void {
    const lane = this.tag ? this.store.lane(this.tag) : undefined;
    const runs = lane?.inFlight ?? [];
    this.flying.hidden = runs.length === 0 || (runs.length === 1 && !!lane?.current);
    if (this.flying.hidden) return;
    const now = this.store.now();
    // Redrawn every second for the clocks: the rows are kept so a tail's scroll and selection survive.
    if (this.flyingRows.length !== runs.length) {
      this.flyingRows = runs.map(() => ({ li: h('li', {}), where: h('div', { class: 'where' }), tail: h('pre', { class: 'run-tail' }) }));
      for (const row of this.flyingRows) row.li.append(row.where, row.tail);
      fill(this.flying, ...this.flyingRows.map((row) => row.li));
    }
    runs.forEach((r, i) => {
      const row = this.flyingRows[i]!;
      row.li.className = r.state;
      row.li.title = r.description;
      fill(
        row.where,
        h('span', { class: `state ${r.state}` }, r.state),
        ` ${r.place} `,
        h('span', { class: 'muted' }, r.sinceMs ? fmt.uptime(Math.max(0, (now - r.sinceMs) / 1000)) : ''),
        ` · ${r.id ? `#${r.id} ` : ''}${fmt.cut(r.description, 60)}`,
      );
      // The current run's lines are in the log box; every other run shows its own.
      row.tail.hidden = r.tail === undefined;
      const text = r.tail || (r.state === 'pending' ? '(queued)' : '(no output yet)');
      if (r.tail !== undefined && row.tail.textContent !== text) {
        row.tail.textContent = text;
        row.tail.scrollTop = row.tail.scrollHeight;
      }
    });
  }

  show(tag: string | null): void {
    if (tag === this.tag) return;
    this.tag = tag;
    this.source?.close();
    this.source = null;
    this.update();
    const lane = tag ? this.store.lane(tag) : undefined;
    if (!tag || !this.api) {
      this.pane.textContent = this.api ? 'Choose a session above.' : 'The agent’s pane is shown by the live dashboard (ar-supervise dashboard).';
      return;
    }
    this.pane.textContent = lane?.pane ? 'Waiting for the pane…' : 'No agent is running in this session.';
    this.source = this.api.stream(`api/pane?tag=${encodeURIComponent(tag)}`, { pane: (d: { text: string; lines?: WirePaneLine[] }) => showPane(this.pane, d) });
  }

  update(): void {
    const tag = this.tag;
    const lane = tag ? this.store.lane(tag) : undefined;
    this.title.textContent = lane ? `Agent · ${laneLabel(this.store, lane.tag)}` : 'Agent';
    const cur = lane?.current;
    const n = lane?.inFlight.length ?? 0;
    this.logTitle.textContent = cur ? `Current run #${cur.id} · ${fmt.cut(cur.description, 60)}` : n ? `Runs in flight (${n})` : 'Current run';
    this.log.textContent = cur ? cur.tail || '(no output yet)' : n ? '' : lane ? 'No run in progress.' : '';
    this.log.hidden = !cur && n > 0;
    this.listInFlight();
    if (lane && !lane.pane && this.api && this.pane.textContent === 'Waiting for the pane…') this.pane.textContent = 'No agent is running in this session.';
  }
}

export class StatsPanel {
  readonly el: HTMLElement;
  private body: HTMLElement;

  constructor(private readonly store: Store) {
    this.body = h('div', { class: 'stats' });
    this.el = h('section', { class: 'card stats-card' }, h('div', { class: 'card-head' }, h('h2', {}, 'Statistics')), this.body);
    store.on((what) => what === 'stats' && this.update());
  }

  update(): void {
    const stats = this.store.snap.stats.filter((s) => s.runs > 0);
    if (stats.length === 0) {
      fill(this.body, h('p', { class: 'muted' }, 'No runs yet.'));
      return;
    }
    fill(
      this.body,
      ...stats.map((s) =>
        h(
          'div',
          { class: 'stat' },
          h('h3', {}, laneLabel(this.store, s.tag)),
          h(
            'dl',
            {},
            h('dt', {}, 'runs'),
            h('dd', {}, `${s.runs}: ${s.keep} kept, ${s.discard} discarded, ${s.crash} crashed${s.violations ? `, ${s.violations} violations` : ''}`),
            h('dt', {}, 'keep rate'),
            h('dd', {}, s.keepRate === null ? '-' : `${(s.keepRate * 100).toFixed(0)}%`),
            h('dt', {}, 'baseline → best'),
            h('dd', {}, s.baseline && s.best ? `${fmt.value(s.baseline.value)} → ${fmt.value(s.best.value)}${s.change?.percent != null ? ` (${s.change.percent > 0 ? '+' : ''}${s.change.percent.toFixed(2)}%)` : ''}` : '-'),
            h('dt', {}, 'best'),
            h('dd', {}, s.best ? `#${s.best.id} ${fmt.cut(s.best.description, 50)}` : '-'),
            h('dt', {}, 'noise σ'),
            h('dd', {}, s.noise ? `${s.noise.sigma.toFixed(6)} (${s.noise.from}, n=${s.noise.n})` : 'not measured'),
            h('dt', {}, 'since last keep'),
            h('dd', { class: s.stalled ? 'bad' : '' }, `${s.runsSinceKeep} run${s.runsSinceKeep === 1 ? '' : 's'}${s.stalled ? ' (stalled)' : ''}`),
            ...(s.jobs ?? []).flatMap((j) => [
              h('dt', {}, 'cluster'),
              h('dd', { class: 'cluster' }, `${j.engine}: ${j.runs} job${j.runs === 1 ? '' : 's'} on ${j.nodes.length} node${j.nodes.length === 1 ? '' : 's'}; queued ${fmt.duration(j.queuedSeconds.total * 1000)} in all, median ${fmt.duration(j.queuedSeconds.median * 1000)}`),
            ]),
          ),
          s.recommendations.length ? h('ul', { class: 'recs' }, ...s.recommendations.map((t) => h('li', {}, t))) : null,
        ),
      ),
    );
  }
}

/** A run's details: its diff (git show of its ref) and its log, from the server. */
export class RunDetail {
  readonly el: HTMLElement;
  private head: HTMLElement;
  private pre: HTMLPreElement;
  private tabs: HTMLElement;
  private run: WireRun | null = null;
  private what: 'diff' | 'log' = 'diff';

  constructor(
    private readonly store: Store,
    private readonly api: Api | null,
  ) {
    this.head = h('h2', {}, 'Run');
    this.pre = h('pre', { class: 'detail', id: 'detail' });
    this.tabs = h('div', { class: 'tabs' });
    this.el = h('section', { class: 'card detail-card', hidden: true }, h('div', { class: 'card-head' }, this.head, this.tabs, h('button', { class: 'close', onclick: () => (this.el.hidden = true), 'aria-label': 'close' }, '×')), this.pre);
  }

  open(r: WireRun): void {
    this.run = r;
    this.el.hidden = false;
    const st = statusOf(r);
    fill(this.head, `${this.store.multi() ? laneLabel(this.store, r.tag) + ' ' : ''}#${r.id} `, h('span', { class: `badge ${st}` }, st), ' ', h('span', { class: 'desc' }, r.description));
    this.show(this.what);
    this.el.scrollIntoView({ block: 'nearest' });
  }

  private async show(what: 'diff' | 'log'): Promise<void> {
    this.what = what;
    fill(this.tabs, ...(['diff', 'log'] as const).map((w) => h('button', { class: w === what ? 'on' : '', onclick: () => this.show(w) }, w)));
    const r = this.run!;
    if (!this.api) {
      const lines = [`commit ${r.commit}`, `status ${statusOf(r)}${r.crashReason ? ` (${r.crashReason})` : ''}${r.violation ? `: ${r.violation}` : ''}`, `value ${fmt.value(r.value)}`, `lines +${r.added} −${r.removed}`, `started ${r.startMs === null ? '-' : new Date(r.startMs).toISOString()}`, '', 'Diffs and logs are shown by the live dashboard (ar-supervise dashboard).'];
      this.pre.textContent = lines.join('\n');
      return;
    }
    this.pre.textContent = 'Loading…';
    const text = await this.api.text(`api/${what}?tag=${encodeURIComponent(r.tag)}&id=${r.id}`);
    if (this.run === r && this.what === what) this.pre.textContent = text;
  }
}

/** Talking to the server: the access token (if any) on every request. */
export interface Api {
  json<T>(path: string): Promise<T>;
  text(path: string): Promise<string>;
  stream(path: string, on: Record<string, (data: never) => void>): EventSource;
  /** An action, with the page's action token; the server's sentence back. */
  post(path: string, body: object): Promise<{ ok: boolean; message: string }>;
}
