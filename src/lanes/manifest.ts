// Where lanes live and the two small files that tie them together:
//   <main>/.autoresearch/.lanes/<session>.json           the manifest: every lane of a session (read by every command)
//   <main>/.autoresearch/.lanes/<session>/<lane>/        the lane's git worktree (branch autoresearch/<session>-<lane>)
//   <worktree>/.autoresearch/<tag>/lane.json             the marker: this checkout is a lane, of which session, where main is
// The `.lanes` folder starts with a dot, so it can never be a tag's folder (tags start with a letter or digit)
// and the report's "latest tag" ignores it.
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { writeAtomic } from '../engine/ledger.js';
import { withLockSync } from '../engine/lock.js';
import { ToolError } from '../errors.js';
import { branchFor, STATE_ROOT, stateDir } from '../paths.js';
import { laneTag } from './names.js';

export const LANES_DIR = '.lanes';

export interface LaneEntry {
  /** `gpu0` or `lane0`. */
  name: string;
  /** `<session>-<name>`: the lane's tag and tmux session. */
  tag: string;
  branch: string;
  /** Absolute path of the lane's worktree. */
  worktree: string;
  gpu: string | null;
  env: Record<string, string>;
  created: string;
  /** Set by `kill --clean`: the worktree is gone, its ledger and state were archived here (a tag folder of main). */
  removed?: string;
  archive?: string;
}

export interface LaneManifest {
  v: 1;
  session: string;
  /** The main repository (absolute). */
  repo: string;
  /** The commit the lanes started from. */
  base: string;
  created: string;
  lanes: LaneEntry[];
}

export interface LaneMarker {
  v: 1;
  session: string;
  lane: string;
  /** The main repository (absolute), where the manifest is. */
  main: string;
  env: Record<string, string>;
}

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
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')) as LaneManifest;
    return m && m.v === 1 && Array.isArray(m.lanes) ? m : null;
  } catch (e) {
    throw new ToolError(`the lanes manifest ${file} is unreadable: ${(e as Error).message}.`);
  }
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
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')) as LaneMarker;
    return m && m.v === 1 && typeof m.session === 'string' && typeof m.lane === 'string' && laneTag(m.session, m.lane) === tag ? m : null;
  } catch {
    return null;
  }
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
  try {
    const common = execFileSync('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    if (path.basename(common) === '.git') return path.dirname(common);
    // A bare or unusual layout: fall back to the folder's own top level.
    return execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
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

/** Whether `name` is a lane set of the repo holding `cwd` (its manifest exists and reads). */
export function isLaneSet(cwd: string, name: string): boolean {
  const main = mainRepoOf(cwd);
  try {
    return !!main && readManifest(main, name) !== null;
  } catch {
    return false;
  }
}
