// `kill` and `tail` above single sessions: a name is a lane (`apr5:gpu1`), a whole lane set (`apr5`) or a plain session.
import stripAnsi from 'strip-ansi';
import type { TmuxApi } from '../adapters/tmux.js';
import { UsageError } from '../errors.js';
import { killOne, killSessions, pause, type KillOptions } from '../supervisor/control.js';
import { discover, isSupervisorProcess, type Found } from '../supervisor/discover.js';
import { agentSession } from '../supervisor/files.js';
import { readSupervisorState } from '../supervisor/state.js';
import { updateManifest, type LaneEntry } from './manifest.js';
import { formatLaneRef } from './names.js';
import { findLaneSet, isLive, onlyLaneSet, type LaneSet } from './which.js';
import { archiveAndRemove, removalRisk } from './worktrees.js';

export interface LaneKillOptions {
  /** Also archive each lane's ledger and remove its worktree (`kill apr5 --clean`). */
  clean?: boolean;
  /** With clean: remove a worktree even when one of its kept commits is on no branch or tag. */
  force?: boolean;
}

/** `kill`: a lane, a lane set (also the only one running, when no name is given), or else a single session. */
export async function killSessionsAndLanes(tmux: TmuxApi, o: KillOptions & LaneKillOptions): Promise<string[]> {
  if (o.name && o.all) return killSessions(tmux, o); // refused there
  if (o.clean && !o.name) throw new UsageError('--clean needs the lane set or lane to clean up, for example "kill apr5 --clean".');
  if (o.all) return killSessions(tmux, o);
  const found = await discover(tmux, { cwd: o.cwd, isSupervisor: o.isSupervisor });
  // No name: every live session is a lane of one set, then that set is "the" session.
  const name = o.name ?? (found.filter(isLive).length === 1 ? null : onlyLaneSet(found));
  if (name) {
    const set = findLaneSet(found, name, o.cwd);
    if (set) return killLaneSet(set, (x) => killOne(tmux, x, o), { clean: o.clean, force: o.force });
    if (o.clean) throw new UsageError(`--clean removes the worktrees of a lane set, and ${o.name} has no lanes.`);
  }
  return killSessions(tmux, o, found);
}

/** A lane whose supervisor is still alive after the kill (then its worktree is not touched). */
function stillRunning(l: LaneEntry): boolean {
  const s = readSupervisorState(l.worktree, l.tag);
  return !!s && s.state !== 'stopped' && s.state !== 'failed' && isSupervisorProcess(s.pid, l.tag);
}

/**
 * End the lanes of a set (all at once: each supervisor settles its own ledger), then with --clean archive each
 * lane's ledger and state into the main repo and remove its worktree; lines starting "Not removed" are refusals.
 */
export async function killLaneSet(set: LaneSet, killOne: (f: Found) => Promise<string>, o: LaneKillOptions): Promise<string[]> {
  const live = set.lanes.filter((l) => isLive(l.found));
  if (live.length === 0 && !o.clean) {
    throw new UsageError(
      set.single
        ? `lane ${formatLaneRef(set.session, set.lanes[0]!.name)} is not running.`
        : `no lane of ${set.session} is running (lanes: ${set.lanes.map((l) => l.name).join(', ')}).`,
    );
  }
  const lines = await Promise.all(
    live.map(async (l) => (await killOne(l.found!)).replace(/^Ended [^:]+:/, `Ended ${formatLaneRef(set.session, l.name)}:`)),
  );
  if (!o.clean) return lines;
  if (!set.main || !set.manifest) {
    lines.push(`Not removed: the lanes manifest of ${set.session} was not found; run "kill --clean" in the repo that started the lanes.`);
    return lines;
  }
  const main = set.main;
  for (const t of set.lanes) {
    const l = t.entry;
    const ref = formatLaneRef(set.session, t.name);
    if (!l) continue;
    if (l.removed) {
      lines.push(`${ref}: worktree already removed; its ledger is in ${l.archive}.`);
      continue;
    }
    if (stillRunning(l)) {
      lines.push(`Not removed ${ref}: it is still running.`);
      continue;
    }
    const risk = await removalRisk(main, l);
    if (risk && !o.force) {
      lines.push(`Not removed ${ref}: ${risk} in ${l.worktree}; --force removes it anyway.`);
      continue;
    }
    const archive = await archiveAndRemove(main, l);
    updateManifest(main, set.session, (m) => {
      const cur = m ?? set.manifest!;
      const e = cur.lanes.find((x) => x.name === l.name);
      if (e) {
        e.removed = new Date().toISOString();
        e.archive = archive;
      }
      return cur;
    });
    lines.push(`Removed ${ref}'s worktree; ledger and state archived in ${archive}; branch ${l.branch} kept.`);
  }
  return lines;
}

/** The agent sessions `tail` should show for a name (or for none): one, or every live lane of a set. */
export async function tailTargets(tmux: TmuxApi, name: string | undefined, cwd?: string): Promise<{ label: string; session: string }[] | null> {
  const found = await discover(tmux);
  let set: LaneSet | null = null;
  if (name) set = findLaneSet(found, name, cwd);
  else {
    const only = onlyLaneSet(found);
    if (only) set = findLaneSet(found, only, cwd);
  }
  if (!set) return null;
  const live = set.lanes.filter((l) => l.found?.agent);
  if (live.length === 0) {
    throw new UsageError(set.single ? `lane ${name} is not running.` : `no lane of ${set.session} is running.`);
  }
  return live.map((l) => ({ label: formatLaneRef(set.session, l.name), session: agentSession(l.tag) }));
}

function lastLines(text: string, n: number): string[] {
  const lines = text.replace(/\n$/, '').split('\n');
  while (lines.length && lines[lines.length - 1]!.trim() === '') lines.pop();
  return lines.slice(-n);
}

/** Several panes at once: each lane's last lines under a header. */
export async function snapshotMany(tmux: TmuxApi, targets: { label: string; session: string }[], n: number, raw = false): Promise<string> {
  const parts: string[] = [];
  for (const t of targets) {
    let text = '';
    try {
      text = await tmux.capture(t.session, { ansi: raw, history: n });
    } catch {
      text = '(ended)';
    }
    if (!raw) text = stripAnsi(text);
    parts.push(`── ${t.label} ──\n${lastLines(text, n).join('\n')}\n`);
  }
  return parts.join('');
}

/** Follow several lanes: redraw all of them (each its share of the screen) whenever one changes. */
export async function followMany(
  tmux: TmuxApi,
  targets: { label: string; session: string }[],
  o: { raw?: boolean; signal?: AbortSignal; write: (s: string) => void; tty?: boolean; rows?: number; intervalMs?: number },
): Promise<'stopped' | 'ended'> {
  const per = Math.max(3, Math.floor(((o.rows ?? 50) - targets.length) / targets.length));
  let last: string | null = null;
  while (!o.signal?.aborted) {
    let alive = 0;
    for (const t of targets) if (await tmux.hasSession(t.session).catch(() => false)) alive++;
    if (alive === 0) return 'ended';
    const text = await snapshotMany(tmux, targets, per, !!o.raw);
    if (text !== last) {
      o.write(o.tty ? `\x1b[H\x1b[2J${text}` : `${last === null ? '' : '\n'}── ${new Date().toLocaleTimeString()} ──\n${text}`);
      last = text;
    }
    await pause(o.intervalMs ?? 250, o.signal);
  }
  return 'stopped';
}
