// What each session or lane is doing, from the files its supervisor and its runs keep: supervisor.json,
// pending.json (the run in progress), a batch's pending-<n>.json (runs side by side) and the run's log. No tmux call: the page's pane is pane.ts's.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import stripAnsi from 'strip-ansi';
import { isAlive as pidAlive } from '../adapters/pid.js';
import { runsInFlight } from '../engine/in-flight.js';
import { pendingPath, readPending, runPlace } from '../engine/pending.js';
import { isSupervisorProcess } from '../supervisor/discover.js';
import { readSupervisorState } from '../supervisor/state.js';
import type { LedgerFeed } from './feed.js';
import type { Place } from './places.js';
import type { WireCurrentRun, WireLane, WireRunInFlight } from '../report/wire.js';

/** Whether a pid is a live supervisor of the tag; `ps` is asked once per pid, liveness every time. */
export class SupervisorCheck {
  private known = new Map<string, boolean>();
  constructor(private readonly check: (pid: number, tag: string) => boolean = isSupervisorProcess) {}
  alive(pid: number, tag: string): boolean {
    if (!pidAlive(pid)) return false;
    const key = `${tag}\0${pid}`;
    let ok = this.known.get(key);
    if (ok === undefined) {
      ok = this.check(pid, tag);
      this.known.set(key, ok);
    }
    return ok;
  }
}

const LIVE = new Set(['starting', 'dialog', 'busy', 'ready', 'restarting', 'stopping']);

export function laneView(p: Place, feed: LedgerFeed, o: { sup: SupervisorCheck; budgetSeconds: number | null; goal: 'min' | 'max' }): WireLane {
  const st = readSupervisorState(p.home, p.tag);
  const live = !!st && o.sup.alive(st.pid, p.tag);
  let state = 'idle';
  let reason: string | null = null;
  if (st) {
    if (live) state = st.state;
    else if (st.state === 'stopped' || st.state === 'failed') {
      state = st.state;
      reason = st.state === 'failed' ? (st.error ?? null) : (st.stopReason ?? null);
    } else {
      state = 'dead';
      reason = 'the supervisor is gone';
    }
  }
  const runs = feed.runs;
  let best: WireLane['best'] = null;
  let job: WireLane['job'] = null;
  for (let i = runs.length - 1; i >= 0 && !job; i--) if (runs[i]!.job) job = runs[i]!.job!;
  // The run in progress on a scheduler, as its runner last wrote it: queued (and why) or running, and where.
  const place = runPlace(p.home, p.tag);
  if (place?.id) {
    const state = place.state === 'queued' ? `queued${place.reason ? ` (${place.reason})` : ''}` : 'running';
    job = { engine: place.engine, id: place.id, node: place.node ?? null, queuedSeconds: Math.round(place.queuedMs / 1000), state };
  }
  for (const r of runs) {
    if (r.status !== 'keep' || r.violation || r.value === null) continue;
    if (!best || (o.goal === 'min' ? r.value < best.value : r.value > best.value)) best = { id: r.id, value: r.value, commit: r.commit };
  }
  const current = currentRun(p, o.budgetSeconds);
  return {
    tag: p.tag,
    session: p.session,
    lane: p.lane,
    gpu: p.gpu,
    state,
    reason,
    task: live ? (st?.currentTask ?? null) : null,
    turns: st?.iterations ?? 0,
    restarts: st?.restarts ?? 0,
    startedMs: live && st ? Date.parse(st.started) || null : null,
    executor: job ? `${job.engine} job ${job.id}${place?.id ? ` ${job.state}` : ''}${job.node ? ` on ${job.node}` : ''}` : 'local',
    job,
    runs: runs.length,
    best,
    current,
    inFlight: inFlightOf(p, !!current),
    pane: live && LIVE.has(st!.state),
    dashboard: live ? ((st as { dashboard?: string }).dashboard ?? null) : null,
  };
}

/** A run in flight's own short tail (runs side by side each show theirs): its last lines, from its log's last 4 KiB. */
const RUN_TAIL = { lines: 10, bytes: 4096 };

/** Every run in flight on the tag, where it is, since when and its last lines (the markers are read again on each refresh). */
function inFlightOf(p: Place, hasCurrent: boolean): WireRunInFlight[] {
  return runsInFlight(p.home, p.tag).map((r) => {
    const w: WireRunInFlight = { id: r.id, description: r.description, state: r.state, place: r.place, sinceMs: Date.parse(r.since) || null };
    // pending.json's run, while live, is the current run: its 30 lines are in the log box already.
    if (hasCurrent && r.marker === path.basename(pendingPath(p.home, p.tag))) return w;
    const log = path.resolve(p.home, r.log);
    return { ...w, tail: inside(p.home, log) ? tailText(log, RUN_TAIL.lines, RUN_TAIL.bytes) : '' };
  });
}

/** The run in progress (its runner alive), with its log's last lines. */
function currentRun(p: Place, budgetSeconds: number | null): WireCurrentRun | null {
  const pending = readPending(pendingPath(p.home, p.tag));
  if (!pending || !pidAlive(pending.runner)) return null;
  const log = path.resolve(p.home, pending.log);
  return {
    id: pending.id,
    description: pending.description,
    startMs: Date.parse(pending.start) || Date.now(),
    budgetSeconds,
    tail: log && inside(p.home, log) ? tailText(log, 30) : '',
  };
}

export function inside(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** The last `lines` lines of a text file (its last 64 KiB at most), ANSI stripped; '' when unreadable. */
export function tailText(file: string, lines: number, maxBytes = 64 * 1024): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const size = statSync(file).size;
    const n = Math.min(size, maxBytes);
    const buf = Buffer.alloc(n);
    readSync(fd, buf, 0, n, size - n);
    let text = stripAnsi(buf.toString('utf8'));
    if (n < size) text = text.slice(text.indexOf('\n') + 1);
    // A progress bar redraws its line after \r: only what it shows last.
    const all = text.replace(/\r?\n$/, '').split('\n').map(lastDraw);
    return all.slice(-lines).join('\n');
  } catch {
    return '';
  } finally {
    closeSync(fd);
  }
}

function lastDraw(line: string): string {
  const l = line.endsWith('\r') ? line.slice(0, -1) : line;
  return l.slice(l.lastIndexOf('\r') + 1);
}
