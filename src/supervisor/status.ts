// `ar-supervise status`: what each of our sessions is doing.
import path from 'node:path';
import type { TmuxApi } from '../adapters/tmux.js';
import { readRecords } from '../engine/records.js';
import { pushProblem } from '../engine/push.js';
import { fmtValue } from '../format.js';
import { bestRun } from './claudemd.js';
import { runPlace } from '../engine/pending.js';
import { runsInFlight, type RunInFlight } from '../engine/in-flight.js';
import { inFlightLine, tagsInFlightHere } from './status-in-flight.js';
import { discover } from './discover.js';
import { shownState, stopReasonWords, type ShownState, type SupervisorState } from './state.js';

export type { ShownState };

export interface SessionStatus {
  name: string;
  /** idle: no session, only runs in flight (a `run` or `sweep` typed by hand). */
  state: ShownState | 'idle';
  iterations: number;
  runs: number;
  best: { metric: string; value: number | null; commit: string } | null;
  task: string | null;
  uptimeSeconds: number | null;
  repo: string | null;
  supervisorPid: number | null;
  agentPid: number | null;
  restarts: number;
  error: string | null;
  /** How it ended (`stopped`/`failed`): the reason (max-iterations, until, signal, agent-failed, error) and when. */
  stopReason?: string | null;
  endedAt?: string | null;
  /** While `waiting`: until when (ISO) and why. */
  waitUntil?: string | null;
  waitReason?: string | null;
  /** Lanes (`--gpus`/`--lanes`): the lane set, the lane, its GPU and the metric's direction. */
  session?: string;
  lane?: string | null;
  gpu?: string | null;
  goal?: 'min' | 'max';
  /** A lane whose worktree `kill --clean` removed (its ledger is archived). */
  removed?: boolean;
  /** Why pushing kept runs to the remote fails (git.push, --push). */
  push?: string;
  /** The dashboard served beside the session (`--dashboard`), while it runs. */
  dashboard?: string;
  /** The agent profile the supervisor drives (claude, codex, gemini) and its model, when known. */
  agent?: string;
  model?: string | null;
  /** The run in progress on a scheduler: `queued 12s` or `running on a07`. */
  job?: string;
  /** Every run in flight (pending.json and a batch's pending-<n>.json), while there are any. */
  inFlight?: RunInFlight[];
}

/** The ledger's run count, best and push problem (none when there is no ledger). */
function ledgerFacts(repo: string, tag: string): { runs: number; best: SessionStatus['best']; push: string | null } {
  try {
    const { records } = readRecords(repo, tag);
    const b = bestRun(records);
    return { runs: records.length, best: b ? { metric: b.metric, value: b.value, commit: b.commit } : null, push: pushProblem(repo, tag, records) };
  } catch {
    return { runs: 0, best: null, push: null };
  }
}

export async function collectStatus(tmux: TmuxApi, o: { cwd?: string; now?: number; isSupervisor?: (pid: number, tag: string) => boolean } = {}): Promise<SessionStatus[]> {
  const now = o.now ?? Date.now();
  const out: SessionStatus[] = [];
  for (const f of await discover(tmux, { cwd: o.cwd, isSupervisor: o.isSupervisor })) {
    const st = f.state;
    const state = shownState(st, !!f.supervisorPid);
    // Without a supervisor, a live agent pane is still worth telling apart from a dead one.
    let agentPid: number | null = null;
    if (f.agent) {
      const info = await tmux.paneInfo(f.agent.name);
      if (info && !info.dead) agentPid = info.pid;
    }
    const { runs, best, push } = f.repo ? ledgerFacts(f.repo, f.tag) : { runs: 0, best: null, push: null };
    let job: string | undefined;
    if (f.repo) {
      const p = runPlace(f.repo, f.tag);
      if (p) job = p.state === 'queued' ? `queued ${fmtDuration(Math.round(p.queuedMs / 1000))}` : `running${p.node ? ` on ${p.node}` : ''}`;
    }
    const started = st?.started ? Date.parse(st.started) : f.supervisor?.created ? f.supervisor.created * 1000 : f.agent ? f.agent.created * 1000 : NaN;
    out.push({
      ...rowFromState(f.tag, st, state, { runs, best, now, started }),
      repo: f.repo,
      supervisorPid: f.supervisorPid,
      agentPid,
      ...(push ? { push } : {}),
      ...(st?.dashboard && state !== 'dead' ? { dashboard: st.dashboard } : {}),
      ...(job ? { job } : {}),
      ...inFlightOf(f.repo, f.tag),
    });
  }
  // A sweep or run typed by hand has no session: its tag shows while it has runs in flight.
  if (o.cwd) {
    for (const t of tagsInFlightHere(o.cwd, (repo, tag) => out.some((r) => r.name === tag && r.repo !== null && path.resolve(r.repo) === repo))) {
      const { runs, best, push } = ledgerFacts(t.repo, t.tag);
      out.push({ ...rowFromState(t.tag, null, 'dead', { runs, best, now }), state: 'idle', repo: t.repo, supervisorPid: null, agentPid: null, ...(push ? { push } : {}), inFlight: t.runs });
    }
  }
  return out.sort((a, b) => (a.session ?? a.name).localeCompare(b.session ?? b.name) || (a.lane ?? '').localeCompare(b.lane ?? ''));
}

/** The row's runs in flight, when there are any. */
function inFlightOf(repo: string | null, tag: string): { inFlight?: RunInFlight[] } {
  const runs = repo ? runsInFlight(repo, tag) : [];
  return runs.length ? { inFlight: runs } : {};
}

/** The fields of a row that come from the supervisor's file (shared with the lanes that are not running). */
export function rowFromState(
  name: string,
  st: SupervisorState | null,
  state: ShownState,
  o: { runs: number; best: SessionStatus['best']; now: number; started?: number },
): Omit<SessionStatus, 'repo' | 'supervisorPid' | 'agentPid'> {
  const live = state !== 'dead' && state !== 'stopped' && state !== 'failed';
  const started = o.started ?? (st?.started ? Date.parse(st.started) : NaN);
  return {
    name,
    state,
    iterations: st?.iterations ?? 0,
    runs: o.runs,
    best: o.best,
    task: live ? (st?.currentTask ?? null) : null,
    uptimeSeconds: Number.isFinite(started) && live ? Math.max(0, Math.round((o.now - started) / 1000)) : null,
    restarts: st?.restarts ?? 0,
    error: st?.state === 'failed' ? (st.error ?? null) : null,
    stopReason: st && !live ? (st.stopReason ?? null) : null,
    endedAt: st && !live ? (st.endedAt ?? st.updated ?? null) : null,
    waitUntil: state === 'waiting' ? (st?.waitUntil ?? null) : null,
    waitReason: state === 'waiting' ? (st?.waitReason ?? null) : null,
    ...(st?.agent ? { agent: st.agent, model: st.model ?? null } : {}),
  };
}

/** "06:12", or "2026-12-01 06:12" when not today (local time). */
function fmtWhen(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const two = (n: number) => String(n).padStart(2, '0');
  const hm = `${two(d.getHours())}:${two(d.getMinutes())}`;
  return new Date(now).toDateString() === d.toDateString() ? hm : `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${hm}`;
}

/** The line under the table that says what a session is waiting for, or how it ended. */
export function detailLine(r: SessionStatus, now = Date.now()): string | null {
  const who = r.lane ? `${r.session}:${r.lane}` : r.name;
  const at = (iso: string | null | undefined) => (fmtWhen(iso, now) ? ` at ${fmtWhen(iso, now)}` : '');
  if (r.state === 'waiting' && r.waitUntil) return `${who}: waiting until ${fmtWhen(r.waitUntil, now)} (${r.waitReason ?? 'agent unavailable'})`;
  if (r.state === 'failed') return `${who}: failed${at(r.endedAt)}: ${r.error ?? stopReasonWords(r.stopReason ?? undefined)}`;
  if (r.state === 'stopped' && !r.removed) return `${who}: stopped${at(r.endedAt)} (${stopReasonWords(r.stopReason ?? undefined)})`;
  if (r.state === 'dead' && r.endedAt && !r.removed) return `${who}: the supervisor is gone without having stopped (last heard from${at(r.endedAt)})`;
  return null;
}

export function fmtDuration(s: number | null): string {
  if (s === null) return '-';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

const cut = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + '…' : s);

export function formatStatus(rows: SessionStatus[]): string {
  if (rows.length === 0) return 'No autoresearch sessions are running.\n';
  const lanes = rows.some((r) => r.lane);
  const agents = rows.some((r) => r.agent);
  const jobs = rows.some((r) => r.job);
  const table = [['SESSION', ...(lanes ? ['LANE'] : []), 'STATE', ...(jobs ? ['JOB'] : []), 'TURNS', 'RUNS', 'BEST', 'TASK', 'UPTIME', ...(agents ? ['AGENT'] : [])]];
  for (const r of rows) {
    table.push([
      r.lane ? r.session! : r.name,
      ...(lanes ? [r.lane ?? '-'] : []),
      r.removed ? 'removed' : r.state,
      ...(jobs ? [r.job ?? '-'] : []),
      String(r.iterations),
      String(r.runs),
      r.best ? `${r.best.metric} ${fmtValue(r.best.value)} (${r.best.commit.slice(0, 7)})` : '-',
      cut(r.task ?? '-', 40),
      fmtDuration(r.uptimeSeconds),
      ...(agents ? [r.agent ? `${r.agent}${r.model ? ` (${r.model})` : ''}` : '-'] : []),
    ]);
  }
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const lines = table.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
  const now = Date.now();
  for (const r of rows) for (const f of r.inFlight ?? []) lines.push(inFlightLine(r.lane ? `${r.session}:${r.lane}` : r.name, r.name, f, now));
  for (const r of rows) {
    const d = detailLine(r);
    if (d) lines.push(d);
  }
  for (const r of rows) if (r.push) lines.push(`${r.lane ? `${r.session}:${r.lane}` : r.name}: ${r.push}`);
  for (const r of rows) if (r.dashboard) lines.push(`${r.name}: dashboard ${r.dashboard}`);
  return lines.join('\n') + '\n';
}
