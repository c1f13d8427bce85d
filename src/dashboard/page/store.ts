// The page's copy of the model: the snapshot, then the server's deltas applied to it.
import { runsOfColumns, type Delta, type Snapshot, type WireLane, type WireRun, type WireStats } from '../../report/wire.js';

export class Store {
  snap: Snapshot;
  /** Runs by tag, in ledger order (the chart's x is the position in its tag). */
  byTag = new Map<string, WireRun[]>();
  /** Server clock minus ours (elapsed times are the server's). */
  skew = 0;
  private listeners = new Set<(what: 'runs' | 'lanes' | 'stats') => void>();

  constructor(snap: Snapshot) {
    this.snap = withRuns(snap);
    this.skew = snap.now - Date.now();
    this.index();
  }

  private index(): void {
    this.byTag.clear();
    for (const r of this.snap.runs) {
      let l = this.byTag.get(r.tag);
      if (!l) this.byTag.set(r.tag, (l = []));
      l.push(r);
    }
  }

  on(fn: (what: 'runs' | 'lanes' | 'stats') => void): void {
    this.listeners.add(fn);
  }

  private tell(what: 'runs' | 'lanes' | 'stats'): void {
    for (const fn of this.listeners) fn(what);
  }

  replace(snap: Snapshot): void {
    this.snap = withRuns(snap);
    this.skew = snap.now - Date.now();
    this.index();
    this.tell('runs');
    this.tell('lanes');
    this.tell('stats');
  }

  apply(d: Delta): void {
    if (d.kind === 'runs') {
      for (const r of d.runs) {
        this.snap.runs.push(r);
        let l = this.byTag.get(r.tag);
        if (!l) this.byTag.set(r.tag, (l = []));
        l.push(r);
      }
      this.tell('runs');
    } else if (d.kind === 'reset') {
      this.snap.runs = this.snap.runs.filter((r) => r.tag !== d.tag).concat(d.runs);
      this.index();
      this.tell('runs');
    } else if (d.kind === 'lanes') {
      this.snap.lanes = d.lanes;
      this.skew = d.now - Date.now();
      this.tell('lanes');
    } else if (d.kind === 'stats') {
      this.snap.stats = d.stats;
      this.tell('stats');
    }
  }

  now(): number {
    return Date.now() + this.skew;
  }

  lane(tag: string): WireLane | undefined {
    return this.snap.lanes.find((l) => l.tag === tag);
  }

  stats(tag: string): WireStats | undefined {
    return this.snap.stats.find((s) => s.tag === tag);
  }

  /** Whether more than one tag has runs or lanes (then a lane column and one chart line each). */
  multi(): boolean {
    return new Set([...this.snap.lanes.map((l) => l.tag), ...this.byTag.keys()]).size > 1;
  }

  better(a: number, b: number): boolean {
    return this.snap.goal === 'min' ? a < b : a > b;
  }
}

/** A snapshot's runs as objects (it carries them as columns). */
function withRuns(snap: Snapshot): Snapshot {
  if (snap.columns) {
    snap.runs = runsOfColumns(snap.columns);
    delete snap.columns;
  }
  return snap;
}

/** The name a tag shows as: `session:lane` for a lane. */
export function laneLabel(store: Store, tag: string): string {
  const l = store.lane(tag);
  return l && l.lane ? `${l.session}:${l.lane}` : tag;
}
