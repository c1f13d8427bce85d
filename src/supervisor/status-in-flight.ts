// `status`'s runs in flight: a line each (a sweep's runs side by side each get one), and the tags of the current
// repository that have runs in flight but no session (a `run`, `sweep` or `compare` typed by hand).
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { topLevelSync } from '../adapters/git.js';
import { runsInFlight, type RunInFlight } from '../engine/in-flight.js';
import { whereRow } from '../engine/where.js';
import { STATE_ROOT } from '../paths.js';

/** `t: running  pid 4312   34 s  X=2.0 (log …)`; a stale one says what becomes of it. */
export function inFlightLine(who: string, tag: string, r: RunInFlight, now: number): string {
  const what = `${r.id ? `#${r.id} ` : ''}${r.description} (log ${r.log})`;
  const fate = r.state === 'stale' ? `: its runner is gone; the next command on ${tag} records it as an interrupted crash` : '';
  return `${who}: ${whereRow(r.state, r.place, r.since, now)}  ${what}${fate}`;
}

/** The tags of cwd's repository (but those `shown` already) with runs in flight, and those runs. */
export function tagsInFlightHere(cwd: string, shown: (repo: string, tag: string) => boolean): { repo: string; tag: string; runs: RunInFlight[] }[] {
  const top = topLevelSync(cwd);
  if (!top || !existsSync(path.join(top, STATE_ROOT))) return [];
  const out = [];
  for (const tag of readdirSync(path.join(top, STATE_ROOT)).sort()) {
    if (tag.startsWith('.') || shown(top, tag)) continue;
    const runs = runsInFlight(top, tag);
    if (runs.length) out.push({ repo: top, tag, runs });
  }
  return out;
}
