// The dashboard's model shows every run in flight on a tag (a parallel sweep's pending-<n>.json markers): they
// appear and go as the markers are written and removed, read again on the model's watch of the tag's folder;
// each carries its own log's last lines (runs side by side are watched at once), never a file outside the home.
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DashboardModel } from '../../src/dashboard/model.js';
import type { WireLane } from '../../src/report/wire.js';
import { until } from '../helpers/until.js';
import { cleanup, makeNight } from './helpers.js';

afterAll(cleanup);

describe('dashboard: runs in flight', () => {
  it('lists each marker of a tag (local, queued on Slurm), live as they are written and removed', async () => {
    const { repo } = makeNight();
    const dir = path.join(repo, '.autoresearch', 'mar5');
    // No poll in the test's time: the folder's watch must bring the markers in.
    const model = new DashboardModel({ repo, pollMs: 600_000, isSupervisor: () => false });
    let lanes: WireLane[] = [];
    model.on('delta', (d: { kind: string; lanes?: WireLane[] }) => d.kind === 'lanes' && (lanes = d.lanes!));
    model.start();
    const mar5 = () => lanes.find((l) => l.tag === 'mar5') ?? model.snapshot().lanes.find((l) => l.tag === 'mar5');
    try {
      expect(mar5()!.inFlight).toEqual([]);
      const start = new Date(Date.now() - 5_000).toISOString();
      const base = { id: 0, pid: 4242, runner: process.pid, commit: 'c', parent: 'p', start, log: '.autoresearch/mar5/logs/b.log' };
      writeFileSync(path.join(dir, 'pending-1.json'), JSON.stringify({ ...base, description: 'LR=0.02' }));
      const job = { engine: 'slurm', id: '812', name: 'ar-mar5-s1', place: { state: 'queued', queuedMs: 5_000, reason: 'Resources' } };
      writeFileSync(path.join(dir, 'pending-2.json'), JSON.stringify({ ...base, pid: null, job, description: 'LR=0.04' }));
      await until('two runs in flight', () => mar5()!.inFlight.length === 2, 20_000);
      expect(mar5()!.inFlight).toEqual([
        { id: null, description: 'LR=0.02', state: 'running', place: 'pid 4242', sinceMs: Date.parse(start), tail: '' },
        { id: null, description: 'LR=0.04', state: 'pending', place: 'job 812 (Resources)', sinceMs: Date.parse(start), tail: '' },
      ]);
      unlinkSync(path.join(dir, 'pending-1.json'));
      await until('one run left in flight', () => mar5()!.inFlight.length === 1, 20_000);
      expect(mar5()!.inFlight[0]!.description).toBe('LR=0.04');
    } finally {
      model.close();
    }
  });

  it('gives each run in flight its own short tail (ANSI stripped, bounded), none of a log outside the home, and none twice for the current run', () => {
    const { repo } = makeNight();
    const dir = path.join(repo, '.autoresearch', 'mar5');
    const lines = (k: number) => Array.from({ length: 40 }, (_, i) => `\x1b[32mpoint ${k}\x1b[0m step ${i} loss ${(4 - i / 20).toFixed(2)}`).join('\n') + '\n';
    writeFileSync(path.join(dir, 'logs', 'b1.log'), lines(1));
    writeFileSync(path.join(dir, 'logs', 'b2.log'), lines(2));
    writeFileSync(path.join(dir, 'logs', 'b3.log'), 'x'.repeat(100_000) + '\nlast line\n');
    const away = mkdtempSync(path.join(tmpdir(), 'ar-outside-'));
    onTestFinished(() => rmSync(away, { recursive: true, force: true }));
    const outside = path.join(away, 'secret.log');
    writeFileSync(outside, 'SECRET outside the home\n');
    const start = new Date().toISOString();
    const base = { id: 0, pid: 4242, runner: process.pid, commit: 'c', parent: 'p', start };
    const marker = (name: string, description: string, log: string) => writeFileSync(path.join(dir, name), JSON.stringify({ ...base, description, log }));
    marker('pending-1.json', 'LR=0.02', '.autoresearch/mar5/logs/b1.log');
    marker('pending-2.json', 'LR=0.04', '.autoresearch/mar5/logs/b2.log');
    marker('pending-3.json', 'a long line', '.autoresearch/mar5/logs/b3.log');
    marker('pending-4.json', 'outside', path.relative(repo, outside));
    const lane = () => {
      const model = new DashboardModel({ repo, pollMs: 600_000, isSupervisor: () => false });
      model.start();
      try {
        return model.snapshot().lanes.find((l) => l.tag === 'mar5')!;
      } finally {
        model.close();
      }
    };
    const runs = lane().inFlight;
    expect(runs.map((r) => r.description)).toEqual(['LR=0.02', 'LR=0.04', 'a long line', 'outside']);
    const want = (k: number) => Array.from({ length: 10 }, (_, i) => `point ${k} step ${30 + i} loss ${(4 - (30 + i) / 20).toFixed(2)}`).join('\n');
    expect(runs[0]!.tail).toBe(want(1));
    expect(runs[1]!.tail).toBe(want(2));
    expect(runs[2]!.tail).toBe('last line');
    for (const r of runs) expect(Buffer.byteLength(r.tail ?? '')).toBeLessThanOrEqual(4096);
    expect(runs[3]!.tail).toBe('');
    expect(JSON.stringify(lane())).not.toContain('SECRET');
    // With a live pending.json, its run is the current one: its 30 lines are in current.tail, not again in the list.
    writeFileSync(path.join(dir, 'pending.json'), JSON.stringify({ ...base, id: 7, description: 'the step', log: '.autoresearch/mar5/logs/b1.log' }));
    const withCurrent = lane();
    expect(withCurrent.current!.tail.split('\n')).toHaveLength(30);
    expect(withCurrent.inFlight[0]!.description).toBe('the step');
    expect(withCurrent.inFlight[0]!.tail).toBeUndefined();
    expect(withCurrent.inFlight[1]!.tail).toBe(want(1));
  });
});
