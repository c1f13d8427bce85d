// Which ledgers a repository holds: its tag folders, and the lanes its lane manifests name (each in its
// worktree, or archived back into the repo by `kill --clean`).
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { listManifests, readManifest } from '../lanes/manifest.js';
import { laneHome } from '../lanes/peers.js';
import { STATE_ROOT, stateDir } from '../paths.js';

export interface Place {
  tag: string;
  /** The checkout that holds `.autoresearch/<tag>/` (the repo, or the lane's worktree). */
  home: string;
  /** The lane set, or the tag for a plain session. */
  session: string;
  lane: string | null;
  gpu: string | null;
}

/** Every tag of the repo and of its lane sets, sorted by session then lane. */
export function findPlaces(repo: string): Place[] {
  const byTag = new Map<string, Place>();
  for (const session of listManifests(repo)) {
    let m;
    try {
      m = readManifest(repo, session);
    } catch {
      continue; // a damaged manifest: its lanes' archived folders still show below as plain tags
    }
    if (!m) continue;
    for (const l of m.lanes) {
      const home = laneHome(l);
      if (home) byTag.set(l.tag, { tag: l.tag, home, session, lane: l.name, gpu: l.gpu });
    }
  }
  let entries: string[] = [];
  try {
    entries = readdirSync(path.join(repo, STATE_ROOT), { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name);
  } catch {
    entries = [];
  }
  for (const tag of entries) {
    if (byTag.has(tag)) continue;
    if (!existsSync(stateDir(repo, tag))) continue;
    byTag.set(tag, { tag, home: repo, session: tag, lane: null, gpu: null });
  }
  return [...byTag.values()].sort((a, b) => a.session.localeCompare(b.session) || (a.lane ?? '').localeCompare(b.lane ?? '') || a.tag.localeCompare(b.tag));
}
