// What the lanes know of each other: each lane's records (from its worktree, or its archive once cleaned), and
// the "Other lanes" section of every lane's CLAUDE.md, so two agents do not spend the night on the same idea.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readRecords } from '../engine/records.js';
import { readState } from '../engine/state.js';
import type { RunRecord } from '../engine/types.js';
import { fmtValue } from '../format.js';
import { bestRun } from '../supervisor/claudemd.js';
import { readManifest, type LaneEntry, type LaneManifest, type LaneMarker } from './manifest.js';
import { formatLaneRef } from './names.js';

/** Where a lane's ledger is now: its worktree, or (after `kill --clean`) its archive in the main repo. */
export function laneHome(l: LaneEntry): string | null {
  if (existsSync(path.join(l.worktree, '.autoresearch', l.tag))) return l.worktree;
  if (l.archive && existsSync(l.archive)) return path.dirname(path.dirname(l.archive));
  return null;
}

export interface LaneRecords {
  lane: LaneEntry;
  records: RunRecord[];
  warnings: string[];
  metric: string | null;
  goal: 'min' | 'max' | null;
  base: string | null;
}

export function readLaneRecords(l: LaneEntry): LaneRecords {
  const home = laneHome(l);
  if (!home) return { lane: l, records: [], warnings: [], metric: null, goal: null, base: null };
  let state = null;
  try {
    state = readState(home, l.tag);
  } catch {
    state = null;
  }
  const { records, warnings } = readRecords(home, l.tag);
  return { lane: l, records, warnings, metric: state?.metric ?? records[0]?.metric ?? null, goal: state?.goal ?? null, base: state?.base ?? null };
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();

function statusText(r: RunRecord): string {
  if (r.violation) return `${r.status} (violation)`;
  if (r.status === 'crash' && r.crashReason) return `crash (${r.crashReason})`;
  return r.status;
}

/** One lane's part of the section: its best and its last few runs. */
export function laneSummary(session: string, l: LaneEntry, records: RunRecord[], metric: string, lastN = 5): string {
  const who = `${formatLaneRef(session, l.name)}${l.gpu !== null ? ` (GPU ${l.gpu})` : ''}, branch \`${l.branch}\``;
  const b = bestRun(records);
  const best = b ? `best ${metric} ${fmtValue(b.value)} at commit ${b.commit.slice(0, 7)} (run ${b.id}: ${cell(b.description)})` : 'no kept run yet';
  const lines = [`### ${who}`, records.length ? `${records.length} run${records.length === 1 ? '' : 's'}; ${best}.` : 'No runs yet.'];
  const tail = records.slice(-lastN);
  if (tail.length) {
    lines.push('', `| run | commit | ${metric} | status | description |`, '|---|---|---|---|---|');
    for (const r of tail) lines.push(`| ${r.id} | ${r.commit.slice(0, 7)} | ${fmtValue(r.value)} | ${statusText(r)} | ${cell(r.description)} |`);
  }
  return lines.join('\n');
}

/** The "Other lanes" section for one lane's CLAUDE.md (empty when it has no other lanes). */
export function otherLanesSection(m: LaneManifest, self: string, o: { lastN?: number; metric?: string } = {}): string {
  const others = m.lanes.filter((l) => l.name !== self);
  if (others.length === 0) return '';
  const parts: string[] = [];
  let overall: { lane: string; r: RunRecord } | null = null;
  let goal: 'min' | 'max' = 'min';
  for (const l of others) {
    const lr = readLaneRecords(l);
    const metric = lr.metric ?? o.metric ?? 'metric';
    if (lr.goal) goal = lr.goal;
    parts.push(laneSummary(m.session, l, lr.records, metric, o.lastN ?? 5));
    const b = bestRun(lr.records);
    if (b && b.value !== null && (!overall || (goal === 'min' ? b.value < overall.r.value! : b.value > overall.r.value!))) overall = { lane: l.name, r: b };
  }
  const head = [
    '## Other lanes',
    `Other agents work on the same goal at the same time, each in its own checkout and branch (this lane is ${formatLaneRef(m.session, self)}). ` +
      'Read what they kept and tried before you pick an idea: do not repeat their experiments; prefer ideas nobody has tried, ' +
      'or build on what worked for them by making the same change here. Their results are not comparable to yours to the last digit ' +
      '(another GPU, another baseline): compare each lane with its own best. Never touch their branches or folders.',
  ];
  if (overall) head.push('', `Best of the other lanes: ${overall.lane}, ${overall.r.metric} ${fmtValue(overall.r.value)} at commit ${overall.r.commit.slice(0, 7)} (${cell(overall.r.description)}).`);
  return [...head, '', parts.join('\n\n')].join('\n') + '\n';
}

/** The section for the lane a marker describes, read fresh from the manifest (lanes may be added while it runs). */
export function sectionForMarker(marker: LaneMarker, metric?: string): string {
  const m = readManifest(marker.main, marker.session);
  return m ? otherLanesSection(m, marker.lane, { metric }) : '';
}
