// Parallel lanes end to end with real tmux (private socket), the fake agent and a job that prints
// CUDA_VISIBLE_DEVICES and sleeps: three lanes at once, each on its own worktree, branch, ledger and device.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Tmux } from '../../src/adapters/tmux.js';
import { stillRunning } from '../../src/adapters/procs.js';
import { readManifest } from '../../src/lanes/manifest.js';
import { readSupervisorState } from '../../src/supervisor/state.js';
import { killSessionsAndLanes as killSessions } from '../../src/lanes/control.js';
import { collectStatusWithLanes as collectStatus, filterStatus, formatStatusWithLanes as formatStatus } from '../../src/lanes/status.js';
import type { RunRecord } from '../../src/engine/types.js';
import { cleanupRepos, cli, git, jobRepo, ROOT, requireBuild } from '../helpers/repo.js';
import { until } from '../helpers/until.js';

const SOCKET = `artest-${process.pid}-lanes`;
const tmux = new Tmux(SOCKET);
const FAKE = path.join(ROOT, 'test', 'fixtures', 'fake-agent.mjs');
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'ar-lanes-'));
  requireBuild();
});
afterAll(async () => {
  // Supervisors first (each settles its lane), so nothing writes into the repos while they are removed.
  await killSessions(tmux, { all: true, supervisorGraceMs: 10_000 }).catch(() => []);
  await tmux.killServer();
  cleanupRepos();
  rmSync(tmp, { recursive: true, force: true });
});


function records(wt: string, tag: string): RunRecord[] {
  const f = path.join(wt, '.autoresearch', tag, 'runs.jsonl');
  if (!existsSync(f)) return [];
  return readFileSync(f, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as RunRecord);
}

describe('lanes: one agent per GPU (real tmux, fake agent)', () => {
  it('three lanes run at once, each on its own worktree, branch, ledger and device; killing one leaves the others', async () => {
    const repo = jobRepo('env_dump.py', { agent: { command: 'node', args: [FAKE] }, budget_seconds: 20 });
    const base = git(repo, ['rev-parse', 'HEAD']);
    const env = {
      AR_TMUX_SOCKET: SOCKET,
      SLEEP: '1',
      FAKE_AGENT_TURN_MS: '100',
      // The agent's own shell sees its lane's device, and so does every run it starts.
      FAKE_AGENT_RUN: `echo "# idea $CUDA_VISIBLE_DEVICES $(date +%s%N)" >> train.py; ar-supervise run -m "idea on gpu $CUDA_VISIBLE_DEVICES"`,
    };
    const start = await cli(['--session', 'ln', '--gpus', '0,1,2'], { cwd: repo, env });
    expect(start.exitCode, start.all).toBe(0);
    expect(start.stdout).toMatch(/ln:gpu0 +GPU 0, branch autoresearch\/ln-gpu0/);
    expect(start.stdout).toContain('ar-supervise tail ln');

    const m = readManifest(repo, 'ln')!;
    expect(m.lanes.map((l) => [l.name, l.tag, l.branch, l.gpu])).toEqual([
      ['gpu0', 'ln-gpu0', 'autoresearch/ln-gpu0', '0'],
      ['gpu1', 'ln-gpu1', 'autoresearch/ln-gpu1', '1'],
      ['gpu2', 'ln-gpu2', 'autoresearch/ln-gpu2', '2'],
    ]);
    for (const l of m.lanes) expect(l.worktree).toBe(path.join(repo, '.autoresearch', '.lanes', 'ln', l.name));
    await until('two runs in every lane', () => m.lanes.every((l) => records(l.worktree, l.tag).length >= 2), 45_000);

    // status shows all three lanes, with the lane column and the best across lanes.
    const st = await cli(['status', '--json'], { cwd: repo, env });
    expect(st.exitCode, st.all).toBe(0);
    const rows = JSON.parse(st.stdout) as { name: string; session: string; lane: string; state: string; gpu: string }[];
    expect(rows.map((r) => [r.session, r.lane, r.gpu])).toEqual([
      ['ln', 'gpu0', '0'],
      ['ln', 'gpu1', '1'],
      ['ln', 'gpu2', '2'],
    ]);
    expect(rows.every((r) => r.state !== 'dead')).toBe(true);
    const table = formatStatus(filterStatus(await collectStatus(tmux), 'ln'));
    expect(table).toMatch(/^SESSION\s+LANE\s+STATE/);
    expect(table).toMatch(/\nln\s+gpu1\s+/);
    expect(table).toMatch(/ln: 3 lanes \(3 running\), \d+ runs; best across lanes: val_bpb 1\.000000 on gpu\d/);
    const tail = await cli(['tail', 'ln', '--lines', '2'], { cwd: '/', env });
    expect(tail.exitCode, tail.all).toBe(0);
    expect(tail.stdout.match(/^── ln:gpu\d ──$/gm)).toEqual(['── ln:gpu0 ──', '── ln:gpu1 ──', '── ln:gpu2 ──']);

    // Each lane's CLAUDE.md shows what the other lanes kept and tried.
    const mdFile = path.join(m.lanes[0]!.worktree, 'CLAUDE.md');
    await until("gpu1's first idea in gpu0's CLAUDE.md", () => /\| discard \| idea on gpu 1 \|/.test(readFileSync(mdFile, 'utf8')), 20_000);
    const md = readFileSync(mdFile, 'utf8');
    expect(md).toContain('## Other lanes');
    expect(md).toMatch(/### ln:gpu1 \(GPU 1\), branch `autoresearch\/ln-gpu1`/);
    expect(md).toMatch(/### ln:gpu2 \(GPU 2\)/);
    expect(md).not.toMatch(/### ln:gpu0/);
    expect(md).toMatch(/\| \d+ \| [0-9a-f]{7} \| 1\.000000 \| discard \| idea on gpu 1 \|/);

    // Kill one lane: its supervisor and agent end; the other two keep running and keep recording.
    const s1 = readSupervisorState(m.lanes[1]!.worktree, 'ln-gpu1')!;
    const k = await cli(['kill', 'ln:gpu1'], { cwd: repo, env, timeout: 40_000 });
    expect(k.exitCode, k.all).toBe(0);
    expect(k.stdout).toMatch(/^Ended ln:gpu1: supervisor \(pid \d+\)/);
    expect(await stillRunning([s1.pid, s1.agentPid!])).toEqual([]);
    const before = [0, 2].map((i) => records(m.lanes[i]!.worktree, m.lanes[i]!.tag).length);
    await until('another run in gpu0 and gpu2', () => [0, 2].every((i, j) => records(m.lanes[i]!.worktree, m.lanes[i]!.tag).length >= before[j]! + 1), 30_000);
    for (const i of [0, 2]) expect(readSupervisorState(m.lanes[i]!.worktree, m.lanes[i]!.tag)!.state).not.toMatch(/stopped|failed/);
    const after = filterStatus(await collectStatus(tmux, { cwd: repo }), 'ln');
    // The killed lane says it stopped (not dead), and how many turns it had.
    expect(after.map((r) => [r.lane, r.state === 'stopped'])).toEqual([
      ['gpu0', false],
      ['gpu1', true],
      ['gpu2', false],
    ]);
    // Each lane says which agent it runs, the ended one too.
    expect(after.map((r) => r.agent)).toEqual(['claude', 'claude', 'claude']);
    expect(after[1]).toMatchObject({ stopReason: 'signal', iterations: readSupervisorState(m.lanes[1]!.worktree, 'ln-gpu1')!.iterations });

    // End the rest, then check every ledger and branch.
    const k2 = await killSessions(tmux, { name: 'ln', cwd: repo });
    expect(k2.sort()).toEqual([expect.stringMatching(/^Ended ln:gpu0:/), expect.stringMatching(/^Ended ln:gpu2:/)]);

    const spans: { lane: string; start: number; end: number }[] = [];
    for (const [i, l] of m.lanes.entries()) {
      const recs = records(l.worktree, l.tag);
      expect(recs.length).toBeGreaterThanOrEqual(2);
      // Only its own rows, each whole: one TSV row per record, five columns, the same commits.
      const tsv = readFileSync(path.join(l.worktree, 'results.tsv'), 'utf8');
      expect(tsv.endsWith('\n')).toBe(true);
      const rowsTsv = tsv.trimEnd().split('\n').slice(1).map((x) => x.split('\t'));
      expect(rowsTsv.every((r) => r.length === 5)).toBe(true);
      expect(rowsTsv.map((r) => r[0])).toEqual(recs.map((r) => r.commit.slice(0, 7)));
      for (const r of recs) {
        expect(r).toMatchObject({ tag: `ln-gpu${i}`, lane: `gpu${i}` });
        if (r.description !== 'baseline') expect(r.description).toBe(`idea on gpu ${i}`);
        // Every run saw its own device (a run cut off by the kill may have printed nothing).
        if (r.status === 'crash') continue;
        expect(readFileSync(path.join(l.worktree, r.log), 'utf8')).toContain(`CUDA_VISIBLE_DEVICES=${i}\n`);
        spans.push({ lane: l.name, start: Date.parse(r.start), end: Date.parse(r.end) });
      }
      // The branch holds only this lane's commits (each run's commit, kept or not, under refs/autoresearch/<tag>/).
      const subjects = git(repo, ['log', '--format=%s', `${base}..${l.branch}`]);
      // A kept commit says what was found: `keep: <description> (val_bpb <value>, <change>)`.
      const found = (subjects === '' ? [] : subjects.split('\n')).map((x) => x.replace(/^keep: (.*) \(val_bpb [^()]*\)$/, '$1'));
      expect(found).toEqual(recs.filter((r) => r.status === 'keep' && r.commit !== base).map((r) => r.description).reverse());
      const all = git(repo, ['for-each-ref', '--format=%(objectname)', `refs/autoresearch/${l.tag}/`]).split('\n');
      for (const sha of all) if (sha !== base) expect(git(repo, ['log', '-1', '--format=%s', sha])).toMatch(new RegExp(`^(keep: )?idea on gpu ${i}( \\(val_bpb [^()]*\\))?$`));
      // Nothing of ours shows in git; at most the agent's unfinished edit of train.py (killed between edit and run).
      expect(['', 'M train.py']).toContain(git(l.worktree, ['status', '--porcelain']));
    }
    // They ran at once: runs of different lanes overlap in time.
    const overlap = spans.some((a) => spans.some((b) => a.lane !== b.lane && a.start < b.end && b.start < a.end));
    expect(overlap).toBe(true);
    expect(git(repo, ['status', '--porcelain'])).toBe('');
    expect(git(repo, ['branch', '--show-current'])).toBe('main');

    // --clean: ledgers archived into the main repo's state folder, worktrees gone, branches kept.
    const clean = await cli(['kill', 'ln', '--clean'], { cwd: repo, env });
    expect(clean.exitCode, clean.all).toBe(0);
    expect(clean.stdout.match(/^Removed ln:gpu\d's worktree/gm)).toHaveLength(3);
    for (const l of m.lanes) {
      expect(existsSync(l.worktree)).toBe(false);
      expect(existsSync(path.join(repo, '.autoresearch', l.tag, 'runs.jsonl'))).toBe(true);
      expect(git(repo, ['branch', '--list', l.branch])).toContain(l.branch);
    }
    const gone = filterStatus(await collectStatus(tmux, { cwd: repo }), 'ln', repo);
    expect(gone.map((r) => [r.lane, r.removed, r.runs >= 2])).toEqual([
      ['gpu0', true, true],
      ['gpu1', true, true],
      ['gpu2', true, true],
    ]);
    expect(await tmux.listSessions()).toEqual([]);
  }, 150_000);
});
