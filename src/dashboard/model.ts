// The live model behind the dashboard: every ledger, session and lane of a repository, kept current by
// watching their folders (inotify through fs.watch, and a slow safety poll), reading only what was appended.
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { Tmux, type TmuxApi } from '../adapters/tmux.js';
import { loadConfig } from '../config.js';
import { readState } from '../engine/state.js';
import { LANES_DIR } from '../lanes/manifest.js';
import { recordsPath, STATE_ROOT, stateDir } from '../paths.js';
import { wireStats } from '../report/html.js';
import { summarize } from '../report/summary.js';
import { agentSession } from '../supervisor/files.js';
import { readSupervisorState } from '../supervisor/state.js';
import { LedgerFeed } from './feed.js';
import { laneView, SupervisorCheck } from './lanes.js';
import { findPlaces, type Place } from './places.js';
import { columnsOfRuns, type Delta, type Snapshot, type WireColumns, type WireLane, type WirePaneLine, type WireStats } from '../report/wire.js';
import { paneLines, paneText } from './ansi.js';

export interface ModelOptions {
  repo: string;
  /** The tmux of a socket (default: the adapter on that socket). */
  tmux?: (socket: string) => TmuxApi;
  /** Re-read everything this often even without a file event (default 2000 ms; 1000 while a run trains). */
  pollMs?: number;
  /** How often a watched pane is captured (default 500 ms). */
  paneMs?: number;
  isSupervisor?: (pid: number, tag: string) => boolean;
  /** Keys out of a pane line before its colours are kept (the server's redactor). */
  redact?: (text: string) => string;
}

interface Tag {
  place: Place;
  feed: LedgerFeed;
  metric: string;
  goal: 'min' | 'max';
  budgetSeconds: number | null;
  watcher: FSWatcher | null;
}

export class DashboardModel extends EventEmitter {
  private tags = new Map<string, Tag>();
  private lanes: WireLane[] = [];
  private laneJson = new Map<string, string>();
  private stats = new Map<string, WireStats>();
  private statsDirty = new Set<string>();
  /** The watches on .autoresearch/ (new tags) and .autoresearch/.lanes/ (new lane sets), once those exist. */
  private rootWatch: FSWatcher | null = null;
  private lanesWatch: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private paneTimer: NodeJS.Timeout | null = null;
  private pending: NodeJS.Timeout | null = null;
  private rescan = true;
  private panes = new Map<string, { watchers: number; raw: string | null; last: { text: string; lines: WirePaneLine[] } | null }>();
  readonly sup: SupervisorCheck;
  private tmuxes = new Map<string, TmuxApi>();
  private closed = false;
  readonly repo: string;
  /** Changes told so far (runs, lanes, stats; not panes): a snapshot names the count it includes. */
  seq = 0;
  /** Bumped whenever any ledger's runs change (the server keeps their JSON until then). */
  runsVersion = 0;
  private columns: { version: number; columns: WireColumns } | null = null;

  constructor(private readonly o: ModelOptions) {
    super();
    this.repo = path.resolve(o.repo);
    this.sup = new SupervisorCheck(o.isSupervisor);
  }

  start(): void {
    this.refresh();
    this.tick();
  }

  close(): void {
    this.closed = true;
    this.rootWatch?.close();
    this.lanesWatch?.close();
    for (const t of this.tags.values()) t.watcher?.close();
    for (const t of [this.timer, this.paneTimer, this.pending]) if (t) clearTimeout(t);
  }

  snapshot(): Snapshot {
    const first = this.tags.values().next().value as Tag | undefined;
    return {
      repo: path.basename(this.repo),
      metric: first?.metric ?? 'val_bpb',
      goal: first?.goal ?? 'min',
      lanes: this.lanes,
      runs: [],
      columns: this.runColumns(),
      stats: [...this.stats.values()],
      actions: false,
      live: true,
      now: Date.now(),
      seq: this.seq,
    };
  }

  /** Every run of every ledger, as columns (made again only after the runs changed). */
  runColumns(): WireColumns {
    if (this.columns?.version !== this.runsVersion) this.columns = { version: this.runsVersion, columns: columnsOfRuns([...this.tags.values()].flatMap((t) => t.feed.runs)) };
    return this.columns.columns;
  }

  /** A change of what a snapshot holds: counted, then told. */
  private tell(d: Delta): void {
    this.seq++;
    this.emit('delta', d);
  }

  /** The place and log path of a run (for the diff and log endpoints); null for an unknown tag or run. */
  run(tag: string, id: number): { place: Place; log: string } | null {
    const t = this.tags.get(tag);
    if (!t) return null;
    const i = t.feed.runs.findIndex((r) => r.id === id);
    return i < 0 ? null : { place: t.place, log: t.feed.logs[i] ?? '' };
  }

  place(tag: string): Place | null {
    return this.tags.get(tag)?.place ?? null;
  }

  /** A client watches a lane's pane (until the returned function is called). */
  watchPane(tag: string): () => void {
    const p = this.panes.get(tag) ?? { watchers: 0, raw: null, last: null };
    p.watchers++;
    this.panes.set(tag, p);
    const last = p.last;
    if (last) queueMicrotask(() => this.emit('delta', { kind: 'pane', tag, ...last } satisfies Delta));
    this.paneTick();
    return () => {
      if (--p.watchers <= 0) this.panes.delete(tag);
    };
  }

  private watchDir(dir: string, structural: boolean): FSWatcher | null {
    try {
      const w = watch(dir, { persistent: false }, () => this.soon(structural));
      w.on('error', () => this.soon(true));
      return w;
    } catch {
      return null; // not there yet: the poll finds it, and a rescan watches it
    }
  }

  /** Coalesce a burst of file events into one refresh. */
  private soon(structural: boolean): void {
    if (structural) this.rescan = true;
    if (this.pending || this.closed) return;
    this.pending = setTimeout(() => {
      this.pending = null;
      this.refresh();
    }, 25);
  }

  private tick(): void {
    if (this.closed) return;
    const training = this.lanes.some((l) => l.current || l.inFlight.some((r) => r.state !== 'stale'));
    this.timer = setTimeout(() => {
      this.rescan = true;
      this.refresh();
      this.tick();
    }, training ? Math.min(1000, this.o.pollMs ?? 2000) : (this.o.pollMs ?? 2000));
    this.timer.unref?.();
  }

  /** Read what changed and tell the listeners: new runs, lanes whose view changed, fresh statistics. */
  refresh(): void {
    if (this.closed) return;
    if (this.rescan) {
      this.rescan = false;
      this.scan();
    }
    const added = [];
    for (const t of this.tags.values()) {
      const got = t.feed.poll();
      if (got.reset) this.tell({ kind: 'reset', tag: t.place.tag, runs: got.runs } satisfies Delta);
      else if (got.runs.length) added.push(...got.runs);
      if (got.reset || got.runs.length) {
        this.statsDirty.add(t.place.tag);
        this.runsVersion++;
      }
    }
    if (added.length) this.tell({ kind: 'runs', runs: added } satisfies Delta);
    const lanes = [...this.tags.values()].map((t) => laneView(t.place, t.feed, { sup: this.sup, budgetSeconds: t.budgetSeconds, goal: t.goal }));
    let changed = lanes.length !== this.lanes.length;
    const json = new Map<string, string>();
    for (const l of lanes) {
      const j = JSON.stringify(l);
      json.set(l.tag, j);
      if (this.laneJson.get(l.tag) !== j) changed = true;
    }
    this.lanes = lanes;
    this.laneJson = json;
    if (changed) this.tell({ kind: 'lanes', lanes, now: Date.now() } satisfies Delta);
    if (this.statsDirty.size) {
      for (const tag of this.statsDirty) {
        const t = this.tags.get(tag);
        if (t) this.stats.set(tag, statsOf(t));
        else this.stats.delete(tag);
      }
      this.statsDirty.clear();
      this.tell({ kind: 'stats', stats: [...this.stats.values()] } satisfies Delta);
    }
    if (lanes.some((l) => l.pane && this.panes.has(l.tag))) this.paneTick();
  }

  /** Find the tags and lanes (new folders, new manifests, removed lanes). */
  private scan(): void {
    const places = findPlaces(this.repo);
    const seen = new Set<string>();
    for (const p of places) {
      seen.add(p.tag);
      const have = this.tags.get(p.tag);
      if (have && have.place.home === p.home) {
        have.place = p;
        if (!have.watcher) have.watcher = this.watchDir(stateDir(p.home, p.tag), false);
        continue;
      }
      have?.watcher?.close();
      let state = null;
      try {
        state = readState(p.home, p.tag);
      } catch {
        state = null;
      }
      let budgetSeconds: number | null = null;
      try {
        budgetSeconds = loadConfig(p.home).budget_seconds;
      } catch {
        budgetSeconds = null; // a broken autoresearch.yaml: the run shows without its budget
      }
      const feed = new LedgerFeed(p.tag, recordsPath(p.home, p.tag));
      const t: Tag = { place: p, feed, metric: state?.metric ?? 'val_bpb', goal: state?.goal ?? 'min', budgetSeconds, watcher: null };
      t.watcher = this.watchDir(stateDir(p.home, p.tag), false);
      this.tags.set(p.tag, t);
      this.statsDirty.add(p.tag);
      this.runsVersion++;
    }
    for (const [tag, t] of this.tags) {
      if (seen.has(tag)) continue;
      t.watcher?.close();
      this.tags.delete(tag);
      this.statsDirty.add(tag);
      this.runsVersion++;
    }
    // Folders made after we started are watched from the scan that finds them.
    this.rootWatch ??= this.watchDir(path.join(this.repo, STATE_ROOT), true);
    this.lanesWatch ??= this.watchDir(path.join(this.repo, STATE_ROOT, LANES_DIR), true);
  }

  private paneBusy = false;
  /** Capture the watched panes of live agents; tell the listeners about those that changed. */
  private paneTick(): void {
    if (this.paneTimer || this.closed) return;
    this.paneTimer = setTimeout(async () => {
      this.paneTimer = null;
      if (this.paneBusy || this.panes.size === 0) return;
      this.paneBusy = true;
      try {
        for (const [tag, p] of this.panes) {
          const lane = this.lanes.find((l) => l.tag === tag);
          const t = this.tags.get(tag);
          if (!lane?.pane || !t) continue;
          const st = readSupervisorState(t.place.home, tag);
          if (!st) continue;
          let raw: string;
          try {
            raw = await this.tmuxOn(st.socket).capture(agentSession(tag), { ansi: true });
          } catch {
            continue; // between restarts: no pane for a moment
          }
          if (raw !== p.raw) {
            p.raw = raw;
            const lines = paneLines(raw, this.o.redact);
            const text = paneText(lines);
            p.last = { text, lines };
            this.emit('delta', { kind: 'pane', tag, text, lines } satisfies Delta);
          }
        }
      } finally {
        this.paneBusy = false;
      }
      if (this.panes.size && this.lanes.some((l) => l.pane && this.panes.has(l.tag))) this.paneTick();
    }, this.o.paneMs ?? 500);
  }

  private tmuxOn(socket: string): TmuxApi {
    let t = this.tmuxes.get(socket);
    if (!t) {
      t = this.o.tmux ? this.o.tmux(socket) : new Tmux(socket);
      this.tmuxes.set(socket, t);
    }
    return t;
  }
}

function statsOf(t: Tag): WireStats {
  return wireStats(t.place.tag, summarize(t.feed.table, { tag: t.place.tag, metric: t.metric, goal: t.goal, source: 'runs.jsonl' }));
}
