// `ar-supervise status`: what each of our sessions is doing.
import type { TmuxApi } from '../adapters/tmux.js';
import { readRecords } from '../engine/records.js';
import { bestRun, fmtValue } from './claudemd.js';
import { discover } from './discover.js';
import { deadLaneRows, laneSetLines, markLaneRows } from '../lanes/status.js';

export type ShownState = 'starting' | 'dialog' | 'busy' | 'ready' | 'stopping' | 'dead';

export interface SessionStatus {
  name: string;
  state: ShownState;
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
  /** Lanes (`--gpus`/`--lanes`): the lane set, the lane, its GPU and the metric's direction. */
  session?: string;
  lane?: string | null;
  gpu?: string | null;
  goal?: 'min' | 'max';
  /** A lane whose worktree `kill --clean` removed (its ledger is archived). */
  removed?: boolean;
}

export async function collectStatus(tmux: TmuxApi, o: { cwd?: string; now?: number; isSupervisor?: (pid: number, tag: string) => boolean } = {}): Promise<SessionStatus[]> {
  const now = o.now ?? Date.now();
  const out: SessionStatus[] = [];
  for (const f of await discover(tmux, { cwd: o.cwd, isSupervisor: o.isSupervisor })) {
    const st = f.state;
    let state: ShownState = 'dead';
    if (f.supervisorPid && st) {
      state = st.state === 'restarting' || st.state === 'starting' ? 'starting' : st.state === 'stopped' || st.state === 'failed' ? 'dead' : st.state;
    }
    // Without a supervisor, a live agent pane is still worth telling apart from a dead one.
    let agentPid: number | null = null;
    if (f.agent) {
      const info = await tmux.paneInfo(f.agent.name);
      if (info && !info.dead) agentPid = info.pid;
    }
    let runs = 0;
    let best: SessionStatus['best'] = null;
    if (f.repo) {
      try {
        const { records } = readRecords(f.repo, f.tag);
        runs = records.length;
        const b = bestRun(records);
        if (b) best = { metric: b.metric, value: b.value, commit: b.commit };
      } catch {
        // no ledger here
      }
    }
    const started = st?.started ? Date.parse(st.started) : f.supervisor?.created ? f.supervisor.created * 1000 : f.agent ? f.agent.created * 1000 : NaN;
    out.push({
      name: f.tag,
      state,
      iterations: st?.iterations ?? 0,
      runs,
      best,
      task: state === 'dead' ? null : (st?.currentTask ?? null),
      uptimeSeconds: Number.isFinite(started) && state !== 'dead' ? Math.max(0, Math.round((now - started) / 1000)) : null,
      repo: f.repo,
      supervisorPid: f.supervisorPid,
      agentPid,
      restarts: st?.restarts ?? 0,
      error: st?.state === 'failed' ? (st.error ?? null) : null,
    });
  }
  // Lanes: which set and lane each row is; the lanes of a running set that are not running themselves.
  markLaneRows(out);
  out.push(...deadLaneRows(out, { cwd: o.cwd }));
  return out.sort((a, b) => (a.session ?? a.name).localeCompare(b.session ?? b.name) || (a.lane ?? '').localeCompare(b.lane ?? ''));
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
  const table = [['SESSION', ...(lanes ? ['LANE'] : []), 'STATE', 'TURNS', 'RUNS', 'BEST', 'TASK', 'UPTIME']];
  for (const r of rows) {
    table.push([
      r.lane ? r.session! : r.name,
      ...(lanes ? [r.lane ?? '-'] : []),
      r.removed ? 'removed' : r.state,
      String(r.iterations),
      String(r.runs),
      r.best ? `${r.best.metric} ${fmtValue(r.best.value)} (${r.best.commit.slice(0, 7)})` : '-',
      cut(r.task ?? '-', 40),
      fmtDuration(r.uptimeSeconds),
    ]);
  }
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const lines = table.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
  for (const r of rows) if (r.error) lines.push(`${r.lane ? `${r.session}:${r.lane}` : r.name}: ${r.error}`);
  if (lanes) lines.push(...laneSetLines(rows));
  return lines.join('\n') + '\n';
}
