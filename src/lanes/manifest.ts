// Where lanes live and the two small files that tie them together:
//   <main>/.autoresearch/.lanes/<session>.json           the manifest: every lane of a session (read by every command)
//   <main>/.autoresearch/.lanes/<session>/<lane>/        the lane's git worktree (branch autoresearch/<session>-<lane>)
//   <worktree>/.autoresearch/<tag>/lane.json             the marker: this checkout is a lane, of which session, where main is
// The `.lanes` folder starts with a dot, so it can never be a tag's folder (tags start with a letter or digit)
// and the report's "latest tag" ignores it.
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { commonDirSync, topLevelSync } from '../adapters/git.js';
import { writeAtomic } from '../fs/atomic.js';
import { withLockSync } from '../engine/lock.js';
import { ToolError } from '../errors.js';
import { branchFor, STATE_ROOT, stateDir } from '../paths.js';
import { LaneManifestSchema, LaneMarkerSchema, parseStateFile, type LaneEntry, type LaneManifest, type LaneMarker } from '../config/state-files.js';
import { laneTag } from './names.js';

export const LANES_DIR = '.lanes';

export type { LaneEntry, LaneManifest, LaneMarker } from '../config/state-files.js';

export function lanesRoot(main: string): string {
  return path.join(main, STATE_ROOT, LANES_DIR);
}
export function manifestPath(main: string, session: string): string {
  return path.join(lanesRoot(main), `${session}.json`);
}
export function worktreePath(main: string, session: string, lane: string): string {
  return path.join(lanesRoot(main), session, lane);
}
/** Where `kill --clean` archives a lane's ledger and state: a tag folder of the main repo (so `report --tag` finds it). */
export function archivePath(main: string, tag: string): string {
  return stateDir(main, tag);
}
/** The merged report of a session. */
export function sessionReportDir(main: string, session: string): string {
  return path.join(lanesRoot(main), session, 'report');
}
export function markerPath(worktree: string, tag: string): string {
  return path.join(stateDir(worktree, tag), 'lane.json');
}

export function readManifest(main: string, session: string): LaneManifest | null {
  const file = manifestPath(main, session);
  if (!existsSync(file)) return null;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ToolError(`the lanes manifest ${file} is unreadable: ${(e as Error).message}.`);
  }
  const r = parseStateFile(text, LaneManifestSchema);
  // A manifest of another version is not ours to read (as before: no lanes known from it).
  if (!r.ok) {
    if (/^"(v|lanes)" /.test(r.why)) return null;
    throw new ToolError(`the lanes manifest ${file} is unreadable: ${r.why}.`);
  }
  return r.value;
}

/** Sessions with a manifest in this main repo. */
export function listManifests(main: string): string[] {
  const dir = lanesRoot(main);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** Change the manifest under its lock (several commands may add or archive lanes at once). */
export function updateManifest(main: string, session: string, fn: (m: LaneManifest | null) => LaneManifest): LaneManifest {
  mkdirSync(lanesRoot(main), { recursive: true, mode: 0o700 });
  return withLockSync(path.join(lanesRoot(main), `${session}.lock`), () => {
    const m = fn(readManifest(main, session));
    writeAtomic(manifestPath(main, session), JSON.stringify(m, null, 2) + '\n', 0o600);
    return m;
  });
}

export function newEntry(main: string, session: string, spec: { name: string; gpu: string | null; env: Record<string, string> }): LaneEntry {
  const tag = laneTag(session, spec.name);
  return {
    name: spec.name,
    tag,
    branch: branchFor(tag),
    worktree: worktreePath(main, session, spec.name),
    gpu: spec.gpu,
    env: spec.env,
    created: new Date().toISOString(),
  };
}

export function readMarker(worktree: string, tag: string): LaneMarker | null {
  const file = markerPath(worktree, tag);
  if (!existsSync(file)) return null;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const r = parseStateFile(text, LaneMarkerSchema);
  return r.ok && laneTag(r.value.session, r.value.lane) === tag ? r.value : null;
}

export function writeMarker(worktree: string, tag: string, m: LaneMarker): void {
  mkdirSync(stateDir(worktree, tag), { recursive: true, mode: 0o700 });
  writeAtomic(markerPath(worktree, tag), JSON.stringify(m, null, 2) + '\n', 0o600);
}

/**
 * The main repository of a folder: the work tree of its git common dir (for a lane's worktree, the repo it was
 * made from). Null outside git.
 */
export function mainRepoOf(dir: string): string | null {
  const common = commonDirSync(dir);
  if (!common) return null;
  if (path.basename(common) === '.git') return path.dirname(common);
  // A bare or unusual layout: fall back to the folder's own top level.
  return topLevelSync(dir);
}

/** The manifest of the session a ref names, found from `cwd` (the main repo or any of its lanes). */
export function findManifest(cwd: string, session: string): LaneManifest | null {
  const main = mainRepoOf(cwd);
  return main ? readManifest(main, session) : null;
}

/** A lane's entry by name, or null. */
export function laneEntry(m: LaneManifest, lane: string): LaneEntry | null {
  return m.lanes.find((l) => l.name === lane) ?? null;
}
