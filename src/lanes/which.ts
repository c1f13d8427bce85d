// Which sessions are lanes: the one place that reads lane markers and manifests to decide it. Every command that
// treats a lane set differently from a single session (tail, kill, status, report, --session) asks here.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import type { Found } from '../supervisor/discover.js';
import type { SessionLane } from '../supervisor/session.js';
import { topLevelSync } from '../adapters/git.js';
import { mainRepoOf, readManifest, readMarker, type LaneEntry, type LaneManifest, type LaneMarker } from './manifest.js';
import { laneTag, parseLaneRef } from './names.js';
import { sectionForMarker } from './peers.js';

/** The lane a session's checkout is (its marker), or null for a plain session. */
export function laneOf(repo: string | null, tag: string): LaneMarker | null {
  return repo ? readMarker(repo, tag) : null;
}

/** Whether `name` is a lane set of the repo holding `cwd` (its manifest exists and reads). */
export function isLaneSet(cwd: string, name: string): boolean {
  if (!existsSync(cwd)) return false;
  const main = mainRepoOf(cwd);
  try {
    return !!main && readManifest(main, name) !== null;
  } catch {
    return false;
  }
}

/**
 * What the lane set adds to one of its sessions (`--session apr5-gpu0`, run by the lane set in the lane's worktree):
 * the lane's environment and the "Other lanes" section of its CLAUDE.md. Undefined for a plain session.
 */
export function sessionLane(o: { name: string; repo?: string }): SessionLane | undefined {
  const dir = path.resolve(o.repo ?? process.cwd());
  const top = existsSync(dir) ? topLevelSync(dir) : null;
  const m = laneOf(top, o.name);
  if (!m) return undefined;
  return { name: m.lane, env: m.env, claudeMdSection: (metric) => sectionForMarker(m, metric) };
}

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

export const isLive = (f: Found | null) => !!f && !!(f.agent || f.supervisor || f.supervisorPid);

/**
 * What a name given to tail/kill/status means for lanes; null when it is not about lanes (a plain session, or
 * nothing known by that name). `apr5:x` for a lane nobody knows is an error naming the lanes there are.
 */
export function findLaneSet(found: Found[], name: string, cwd?: string): LaneSet | null {
  const ref = parseLaneRef(name);
  if (!ref.lane && found.some((f) => f.tag === name && isLive(f))) return null; // a plain session of that name
  const markers = found.map((f) => ({ f, m: laneOf(f.repo, f.tag) })).filter((x) => x.m && x.m.session === ref.session);
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
  const sessions = new Set(live.map((f) => laneOf(f.repo, f.tag)?.session ?? `\0${f.tag}`));
  if (live.length < 2 || sessions.size !== 1) return null;
  const s = [...sessions][0]!;
  return s.startsWith('\0') ? null : s;
}

