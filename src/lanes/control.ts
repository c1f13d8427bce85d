import { pause } from '../supervisor/control.js';
// `kill`, `tail` and `status` for lanes: a name is a lane (`apr5:gpu1`) or a whole lane set (`apr5`).
import stripAnsi from 'strip-ansi';
import type { TmuxApi } from '../adapters/tmux.js';
import { UsageError } from '../errors.js';
import { discover, isSupervisorProcess, type Found } from '../supervisor/discover.js';
import { agentSession } from '../supervisor/files.js';
import { readSupervisorState } from '../supervisor/state.js';
import { mainRepoOf, readManifest, readMarker, updateManifest, type LaneEntry, type LaneManifest } from './manifest.js';
import { formatLaneRef, laneTag, parseLaneRef } from './names.js';
import { archiveAndRemove, removalRisk } from './worktrees.js';

export interface LaneTarget {
  name: string;
  tag: string;
  /** The manifest's entry (null for a live lane whose manifest could not be found). */
  entry: LaneEntry | null;
  /** Its tmux sessions and supervisor, when any are there. */
  found: Found | null;
}

export interface LaneSet {
  session: string;
  main: string | null;
  manifest: LaneManifest | null;
  /** The lanes the name covers: one for `apr5:gpu1`, all for `apr5`. */
  lanes: LaneTarget[];
  /** True when the name named one lane. */
  single: boolean;
}

const isLive = (f: Found | null) => !!f && !!(f.agent || f.supervisor || f.supervisorPid);

/**
 * What a name given to tail/kill/status means for lanes; null when it is not about lanes (a plain session, or
 * nothing known by that name). `apr5:x` for a lane nobody knows is an error naming the lanes there are.
 */
export function findLaneSet(found: Found[], name: string, cwd?: string): LaneSet | null {
  const ref = parseLaneRef(name);
  if (!ref.lane && found.some((f) => f.tag === name && isLive(f))) return null; // a plain session of that name
  const markers = found.map((f) => ({ f, m: f.repo ? readMarker(f.repo, f.tag) : null })).filter((x) => x.m && x.m.session === ref.session);
  const mains = new Set<string>();
  const here = cwd ? mainRepoOf(cwd) : null;
  if (here) mains.add(here);
  for (const x of markers) mains.add(x.m!.main);
  let main: string | null = null;
  let manifest: LaneManifest | null = null;
  for (const m of mains) {
    const man = readManifest(m, ref.session);
    if (man) {
      main = m;
      manifest = man;
      break;
    }
  }
  const names = new Set<string>([...(manifest?.lanes.map((l) => l.name) ?? []), ...markers.map((x) => x.m!.lane)]);
  if (names.size === 0) {
    if (ref.lane) throw new UsageError(`there is no lane ${name} (no lanes of ${ref.session} are known here; run this in the repo that started them).`);
    return null;
  }
  const pick = ref.lane ? [ref.lane] : [...names].sort();
  if (ref.lane && !names.has(ref.lane)) {
    throw new UsageError(`there is no lane ${name} (lanes of ${ref.session}: ${[...names].sort().join(', ')}).`);
  }
  const lanes = pick.map((n) => {
    const tag = laneTag(ref.session, n);
    return { name: n, tag, entry: manifest?.lanes.find((l) => l.name === n) ?? null, found: found.find((f) => f.tag === tag) ?? null };
  });
  return { session: ref.session, main, manifest, lanes, single: !!ref.lane };
}

/** The lane set every live session belongs to, when they all belong to one (for `tail` with no name). */
export function onlyLaneSet(found: Found[]): string | null {
  const live = found.filter((f) => f.agent);
  const sessions = new Set(live.map((f) => (f.repo ? readMarker(f.repo, f.tag)?.session : undefined) ?? `\0${f.tag}`));
  if (live.length < 2 || sessions.size !== 1) return null;
  const s = [...sessions][0]!;
  return s.startsWith('\0') ? null : s;
}

export interface LaneKillOptions {
  clean?: boolean;
  force?: boolean;
}

/** A lane whose supervisor is still alive after the kill (then its worktree is not touched). */
function stillRunning(l: LaneEntry): boolean {
  const s = readSupervisorState(l.worktree, l.tag);
  return !!s && s.state !== 'stopped' && s.state !== 'failed' && isSupervisorProcess(s.pid, l.tag);
}

/**
 * End the lanes of a set (all at once: each supervisor settles its own ledger), then with --clean archive each
 * lane's ledger and state into the main repo and remove its worktree; lines starting "Not removed" are refusals.
 */
export async function killLaneSet(set: LaneSet, killOne: (f: Found) => Promise<string>, o: LaneKillOptions): Promise<string[]> {
  const live = set.lanes.filter((l) => isLive(l.found));
  if (live.length === 0 && !o.clean) {
    throw new UsageError(
      set.single
        ? `lane ${formatLaneRef(set.session, set.lanes[0]!.name)} is not running.`
        : `no lane of ${set.session} is running (lanes: ${set.lanes.map((l) => l.name).join(', ')}).`,
    );
  }
  const lines = await Promise.all(
    live.map(async (l) => (await killOne(l.found!)).replace(/^Ended [^:]+:/, `Ended ${formatLaneRef(set.session, l.name)}:`)),
  );
  if (!o.clean) return lines;
  if (!set.main || !set.manifest) {
    lines.push(`Not removed: the lanes manifest of ${set.session} was not found; run "kill --clean" in the repo that started the lanes.`);
    return lines;
  }
  const main = set.main;
  for (const t of set.lanes) {
    const l = t.entry;
    const ref = formatLaneRef(set.session, t.name);
    if (!l) continue;
    if (l.removed) {
      lines.push(`${ref}: worktree already removed; its ledger is in ${l.archive}.`);
      continue;
    }
    if (stillRunning(l)) {
      lines.push(`Not removed ${ref}: it is still running.`);
      continue;
    }
    const risk = await removalRisk(main, l);
    if (risk && !o.force) {
      lines.push(`Not removed ${ref}: ${risk} in ${l.worktree}; --force removes it anyway.`);
      continue;
    }
    const archive = await archiveAndRemove(main, l);
    updateManifest(main, set.session, (m) => {
      const cur = m ?? set.manifest!;
      const e = cur.lanes.find((x) => x.name === l.name);
      if (e) {
        e.removed = new Date().toISOString();
        e.archive = archive;
      }
      return cur;
    });
    lines.push(`Removed ${ref}'s worktree; ledger and state archived in ${archive}; branch ${l.branch} kept.`);
  }
  return lines;
}

/** The agent sessions `tail` should show for a name (or for none): one, or every live lane of a set. */
export async function tailTargets(tmux: TmuxApi, name: string | undefined, cwd?: string): Promise<{ label: string; session: string }[] | null> {
  const found = await discover(tmux);
  let set: LaneSet | null = null;
  if (name) set = findLaneSet(found, name, cwd);
  else {
    const only = onlyLaneSet(found);
    if (only) set = findLaneSet(found, only, cwd);
  }
  if (!set) return null;
  const live = set.lanes.filter((l) => l.found?.agent);
  if (live.length === 0) {
    throw new UsageError(set.single ? `lane ${name} is not running.` : `no lane of ${set.session} is running.`);
  }
  return live.map((l) => ({ label: formatLaneRef(set.session, l.name), session: agentSession(l.tag) }));
}

function lastLines(text: string, n: number): string[] {
  const lines = text.replace(/\n$/, '').split('\n');
  while (lines.length && lines[lines.length - 1]!.trim() === '') lines.pop();
  return lines.slice(-n);
}

/** Several panes at once: each lane's last lines under a header. */
export async function snapshotMany(tmux: TmuxApi, targets: { label: string; session: string }[], n: number, raw = false): Promise<string> {
  const parts: string[] = [];
  for (const t of targets) {
    let text = '';
    try {
      text = await tmux.capture(t.session, { ansi: raw, history: n });
    } catch {
      text = '(ended)';
    }
    if (!raw) text = stripAnsi(text);
    parts.push(`── ${t.label} ──\n${lastLines(text, n).join('\n')}\n`);
  }
  return parts.join('');
}

/** Follow several lanes: redraw all of them (each its share of the screen) whenever one changes. */
export async function followMany(
  tmux: TmuxApi,
  targets: { label: string; session: string }[],
  o: { raw?: boolean; signal?: AbortSignal; write: (s: string) => void; tty?: boolean; rows?: number; intervalMs?: number },
): Promise<'stopped' | 'ended'> {
  const per = Math.max(3, Math.floor(((o.rows ?? 50) - targets.length) / targets.length));
  let last: string | null = null;
  while (!o.signal?.aborted) {
    let alive = 0;
    for (const t of targets) if (await tmux.hasSession(t.session).catch(() => false)) alive++;
    if (alive === 0) return 'ended';
    const text = await snapshotMany(tmux, targets, per, !!o.raw);
    if (text !== last) {
      o.write(o.tty ? `\x1b[H\x1b[2J${text}` : `${last === null ? '' : '\n'}── ${new Date().toLocaleTimeString()} ──\n${text}`);
      last = text;
    }
    await pause(o.intervalMs ?? 250, o.signal);
  }
  return 'stopped';
}
