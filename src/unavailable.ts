// When the agent could not work (API refused, rate limited, usage limit) and why: written by the supervisor,
// read by the report. One JSON line per change in .autoresearch/<tag>/unavailable.jsonl; the last line for a
// start time wins (a stretch is written when it begins, and again when it ends).
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { stateDir } from './paths.js';
import { parseStateFile, UnavailableSchema, type Unavailable } from './config/state-files.js';

export type { Unavailable };

export function unavailablePath(repo: string, tag: string): string {
  return path.join(stateDir(repo, tag), 'unavailable.jsonl');
}

export function recordUnavailable(repo: string, tag: string, p: Unavailable): void {
  const file = unavailablePath(repo, tag);
  mkdirSync(path.dirname(file), { recursive: true });
  appendFileSync(file, JSON.stringify({ from: p.from, to: p.to, cause: p.cause }) + '\n');
}

export function readUnavailable(repo: string, tag: string): Unavailable[] {
  const file = unavailablePath(repo, tag);
  if (!existsSync(file)) return [];
  const byFrom = new Map<string, Unavailable>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const r = parseStateFile(line, UnavailableSchema);
    if (r.ok) byFrom.set(r.value.from, r.value); // else a torn or foreign line: skip
  }
  return [...byFrom.values()].sort((a, b) => a.from.localeCompare(b.from));
}

/** "02:10-03:40" in local time, or "02:10-03:40 UTC" (with dates when it spans days). */
export function fmtPeriod(p: Unavailable, o: { utc?: boolean } = {}): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const u = !!o.utc;
  const hm = (d: Date) => `${two(u ? d.getUTCHours() : d.getHours())}:${two(u ? d.getUTCMinutes() : d.getMinutes())}`;
  const ymd = (d: Date) => (u ? d.toISOString().slice(0, 10) : `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`);
  const zone = u ? ' UTC' : '';
  const a = new Date(p.from);
  const b = p.to ? new Date(p.to) : null;
  if (!b) return `from ${ymd(a)} ${hm(a)}${zone}`;
  return ymd(a) === ymd(b) ? `${hm(a)}-${hm(b)}${zone}` : `${ymd(a)} ${hm(a)}-${ymd(b)} ${hm(b)}${zone}`;
}
