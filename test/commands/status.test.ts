// `status` shows every run in flight: pending.json's and each of a batch's pending-<n>.json (runs side by side),
// where each is (running, pending in the scheduler's queue, stale when its runner is gone), for how long, its log.
import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { BIN, cli, cleanupRepos, jobRepo, requireBuild } from '../helpers/repo.js';
import { rendezvous } from '../helpers/experiments.js';
import { until } from '../helpers/until.js';

afterAll(cleanupRepos);
beforeAll(requireBuild);

// A socket no server listens on: no sessions, only the tag's runs in flight.
const env = { AR_TMUX_SOCKET: `ar-status-test-${process.pid}` };
const ago = (s: number) => new Date(Date.now() - s * 1000).toISOString();
const marker = (over: object) => ({ id: 0, pid: null, runner: process.pid, commit: 'c0ffee', parent: 'beef', log: '.autoresearch/t/logs/x.log', ...over });

interface Row {
  name: string;
  state: string;
  inFlight?: { marker: string; description: string; state: string; place: string; log: string; slot?: string; job?: { id: string; reason?: string; node?: string } }[];
}

describe('status: runs in flight', () => {
  it('a line for each marker of a tag without a session: local, queued and running on Slurm, stale; --json carries them', async () => {
    const repo = jobRepo('summary.py');
    const dir = path.join(repo, '.autoresearch', 't');
    mkdirSync(dir, { recursive: true });
    const gone = execa('true');
    const dead = gone.pid!;
    await gone;
    const write = (n: number, m: object) => writeFileSync(path.join(dir, `pending-${n}.json`), JSON.stringify(marker(m)));
    write(1, { pid: 4242, description: 'X=2.0', start: ago(5), log: '.autoresearch/t/logs/batch-9-0-1.log' });
    write(2, { description: 'X=3.0', start: ago(12), job: { engine: 'slurm', id: '812', name: 'ar-t-s1-a', place: { state: 'queued', queuedMs: 12_000, reason: 'Resources' } } });
    write(3, { description: 'X=4.0', start: ago(30), runner: dead });
    write(4, { description: 'X=5.0', start: ago(100), job: { engine: 'slurm', id: '813', name: 'ar-t-s2-a', place: { state: 'running', queuedMs: 40_000, node: 'a07' } } });
    write(5, { description: 'X=6.0', start: ago(1), slot: 'gpu 4' }); // its process not spawned yet: no pid

    const r = await cli(['status'], { cwd: repo, env });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toMatch(/^t +idle /m);
    const secs = (re: RegExp) => Number(re.exec(r.stdout)?.[1]);
    expect(r.stdout).toMatch(/^t: running +pid 4242 +\d+ s {2}X=2\.0 \(log \.autoresearch\/t\/logs\/batch-9-0-1\.log\)$/m);
    expect(secs(/^t: pending +job 812 \(Resources\) +(\d+) s {2}X=3\.0 \(log \.autoresearch\/t\/logs\/x\.log\)$/m)).toBeGreaterThanOrEqual(12);
    // Running since its time queued ended: 100 s ago it was submitted, 40 s of which it waited.
    expect(secs(/^t: running +job 813 on a07 +(\d+) s {2}X=5\.0/m)).toBeLessThan(100);
    expect(r.stdout).toMatch(/^t: running +starting on gpu 4 +\d+ s {2}X=6\.0 /m);
    expect(r.stdout).toMatch(new RegExp(`^t: stale +runner ${dead} gone +\\d+ s {2}X=4\\.0 \\(log .*\\): its runner is gone; the next command on t records it as an interrupted crash$`, 'm'));

    const j = await cli(['status', '--json'], { cwd: repo, env });
    expect(j.exitCode, j.all).toBe(0);
    const row = (JSON.parse(j.stdout) as Row[]).find((x) => x.name === 't')!;
    expect(row.state).toBe('idle');
    expect(row.inFlight!.map((f) => [f.marker, f.state, f.description])).toEqual([
      ['pending-1.json', 'running', 'X=2.0'],
      ['pending-2.json', 'pending', 'X=3.0'],
      ['pending-3.json', 'stale', 'X=4.0'],
      ['pending-4.json', 'running', 'X=5.0'],
      ['pending-5.json', 'running', 'X=6.0'],
    ]);
    expect(row.inFlight![1]!.job).toMatchObject({ id: '812', reason: 'Resources' });
    expect(row.inFlight![3]!.job).toMatchObject({ id: '813', node: 'a07' });
  });

  it('a sweep on two GPUs: both runs waiting at the rendezvous are shown with their GPU, and gone once they are recorded; its piped output has no live line', async () => {
    const repo = jobRepo('rendezvous.py', { budget_seconds: 60 }, { 'grid.yaml': 'strategy: grid\nparameters:\n  X: [2.0, 3.0]\n' });
    expect((await cli(['init', '--tag', 't'], { cwd: repo, env })).exitCode).toBe(0);
    // Three must meet and two run: they wait until the test makes the third.
    const rv = rendezvous(3);
    const sweep = execa('node', [BIN, 'sweep', 'grid.yaml', '--gpus', '4,7'], { cwd: repo, reject: false, all: true, env: { ...rv, ...env, NO_COLOR: '1' } });
    try {
      await until('both runs at the rendezvous', () => readdirSync(rv.RENDEZVOUS!).length >= 2, 90_000);
      const r = await cli(['status'], { cwd: repo, env });
      expect(r.exitCode, r.all).toBe(0);
      const lines = r.stdout.split('\n').filter((l) => l.startsWith('t: '));
      expect(lines).toHaveLength(2);
      for (const x of ['X=2.0', 'X=3.0']) expect(r.stdout).toMatch(new RegExp(`^t: running +pid \\d+ on gpu [47] +\\d+ s {2}${x} \\(log \\.autoresearch/t/logs/batch-\\d+-\\d-\\d\\.log\\)$`, 'm'));
      expect(lines.map((l) => / on (gpu \d)/.exec(l)?.[1]).sort()).toEqual(['gpu 4', 'gpu 7']);
      const j = JSON.parse((await cli(['status', '--json'], { cwd: repo, env })).stdout) as Row[];
      const flying = j.find((x) => x.name === 't')!.inFlight!;
      expect(flying.map((f) => f.state)).toEqual(['running', 'running']);
      expect(flying.map((f) => f.slot).sort()).toEqual(['gpu 4', 'gpu 7']);
    } finally {
      writeFileSync(path.join(rv.RENDEZVOUS!, 'third'), '');
    }
    const done = await sweep;
    expect(done.exitCode, done.all).toBe(0);
    // Not a TTY: the batch's line and a line per finished run, nothing redrawn.
    expect(done.stdout).not.toMatch(/\x1b\[|\r/);
    expect(done.stdout.split('\n').slice(0, 3)).toEqual([
      'Side by side: X=2.0 | X=3.0',
      expect.stringMatching(/^\[[12]\/2\] X=[23]\.0 {2}(keep|discard) {2}val_bpb /),
      expect.stringMatching(/^\[[12]\/2\] X=[23]\.0 {2}(keep|discard) {2}val_bpb /),
    ]);
    const after = await cli(['status'], { cwd: repo, env });
    expect(after.stdout).toBe('No autoresearch sessions are running.');
  }, 180_000);
});
