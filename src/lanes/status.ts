// `status` for lanes: each lane row says its lane set and lane; lanes that are not running (killed, crashed) are
// listed too while their set has a live lane or is asked for by name; and the best across a set's lanes.
import type { TmuxApi } from '../adapters/tmux.js';
import { readState } from '../engine/state.js';
import { bestRun } from '../supervisor/claudemd.js';
import { collectStatus, formatStatus, type SessionStatus } from '../supervisor/status.js';
import { readSupervisorState, shownState } from '../supervisor/state.js';
import { mainRepoOf, readManifest } from './manifest.js';
import { parseLaneRef } from './names.js';
import { readLaneRecords } from './peers.js';
import { laneOf } from './which.js';

/** `status`: every session's row, lanes marked, and the lanes of a running set that are not running themselves. */
export async function collectStatusWithLanes(tmux: TmuxApi, o: Parameters<typeof collectStatus>[1] = {}): Promise<SessionStatus[]> {
  const out = await collectStatus(tmux, o);
  markLaneRows(out);
  out.push(...deadLaneRows(out, { cwd: o.cwd }));
  return out.sort((a, b) => (a.session ?? a.name).localeCompare(b.session ?? b.name) || (a.lane ?? '').localeCompare(b.lane ?? ''));
}

/** The status table, with a line per lane set: the best across its lanes. */
export function formatStatusWithLanes(rows: SessionStatus[]): string {
  return formatStatus(rows) + laneSetLines(rows).map((l) => l + '\n').join('');
}

/** Fill in the lane fields of the rows that are lanes (from the lane's marker in its worktree). */
export function markLaneRows(rows: SessionStatus[]): void {
  for (const r of rows) {
    const m = laneOf(r.repo, r.name);
    if (!m) continue;
    r.session = m.session;
    r.lane = m.lane;
    r.gpu = m.env.CUDA_VISIBLE_DEVICES ?? null;
    try {
      r.goal = readState(r.repo!, r.name)?.goal;
    } catch {
      /* no state yet */
    }
  }
}

/** Rows for the lanes of these sets that are not running (from the manifests). */
export function deadLaneRows(rows: SessionStatus[], o: { cwd?: string; sessions?: string[] }): SessionStatus[] {
  const mains = new Set<string>();
  const here = o.cwd ? mainRepoOf(o.cwd) : null;
  const sets = new Set<string>(o.sessions ?? []);
  for (const r of rows) {
    if (!r.session || !r.repo) continue;
    sets.add(r.session);
    const m = laneOf(r.repo, r.name);
    if (m) mains.add(m.main);
  }
  if (here) mains.add(here);
  const out: SessionStatus[] = [];
  const have = new Set(rows.map((r) => r.name));
  for (const session of sets) {
    for (const main of mains) {
      let man = null;
      try {
        man = readManifest(main, session);
      } catch {
        man = null;
      }
      if (!man) continue;
      for (const l of man.lanes) {
        if (have.has(l.tag)) continue;
        have.add(l.tag);
        const lr = readLaneRecords(l);
        const b = bestRun(lr.records);
        // How it ended, from its supervisor's file (while its worktree is there).
        const st = l.removed ? null : readSupervisorState(l.worktree, l.tag);
        out.push({
          name: l.tag,
          state: shownState(st, false),
          iterations: st?.iterations ?? 0,
          runs: lr.records.length,
          best: b ? { metric: b.metric, value: b.value, commit: b.commit } : null,
          task: null,
          uptimeSeconds: null,
          repo: l.removed ? null : l.worktree,
          supervisorPid: null,
          agentPid: null,
          restarts: st?.restarts ?? 0,
          error: st?.state === 'failed' ? (st.error ?? null) : null,
          stopReason: st?.stopReason ?? null,
          endedAt: st ? (st.endedAt ?? st.updated ?? null) : null,
          session,
          lane: l.name,
          gpu: l.gpu,
          goal: lr.goal ?? undefined,
          ...(st?.agent ? { agent: st.agent, model: st.model ?? null } : l.agent ? { agent: l.agent, model: null } : {}),
          ...(l.removed ? { removed: true } : {}),
        });
      }
      break;
    }
  }
  return out;
}

/** `status apr5` / `status apr5:gpu1` / `status d1`: the rows that name covers (lanes not running included). */
export function filterStatus(rows: SessionStatus[], name: string, cwd?: string): SessionStatus[] {
  const ref = parseLaneRef(name);
  const all = [...rows, ...deadLaneRows(rows, { cwd, sessions: [ref.session] })];
  if (ref.lane) return all.filter((r) => r.session === ref.session && r.lane === ref.lane);
  const plain = all.filter((r) => r.name === name && !r.lane);
  return plain.length ? plain : all.filter((r) => r.session === ref.session);
}

/** One line per lane set: the best across its lanes. */
export function laneSetLines(rows: SessionStatus[]): string[] {
  const sets = new Map<string, SessionStatus[]>();
  for (const r of rows) if (r.session && r.lane) sets.set(r.session, [...(sets.get(r.session) ?? []), r]);
  const lines: string[] = [];
  for (const [session, rs] of sets) {
    const goal = rs.find((r) => r.goal)?.goal ?? 'min';
    let best: SessionStatus | null = null;
    for (const r of rs) {
      if (!r.best || r.best.value === null) continue;
      if (!best || (goal === 'min' ? r.best.value < best.best!.value! : r.best.value > best.best!.value!)) best = r;
    }
    const runs = rs.reduce((a, r) => a + r.runs, 0);
    const live = rs.filter((r) => r.state !== 'dead' && r.state !== 'stopped' && r.state !== 'failed').length;
    lines.push(
      `${session}: ${rs.length} lanes (${live} running), ${runs} runs; best across lanes: ` +
        (best ? `${best.best!.metric} ${best.best!.value!.toFixed(6)} on ${best.lane} (${best.best!.commit.slice(0, 7)})` : 'none yet'),
    );
  }
  return lines;
}
