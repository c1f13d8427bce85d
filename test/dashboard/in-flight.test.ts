// The dashboard's model shows every run in flight on a tag (a parallel sweep's pending-<n>.json markers): they
// appear and go as the markers are written and removed, read again on the model's watch of the tag's folder.
import { afterAll, describe, expect, it } from 'vitest';
import { unlinkSync, writeFileSync } from 'node:fs';
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
        { id: null, description: 'LR=0.02', state: 'running', place: 'pid 4242', sinceMs: Date.parse(start) },
        { id: null, description: 'LR=0.04', state: 'pending', place: 'job 812 (Resources)', sinceMs: Date.parse(start) },
      ]);
      unlinkSync(path.join(dir, 'pending-1.json'));
      await until('one run left in flight', () => mar5()!.inFlight.length === 1, 20_000);
      expect(mar5()!.inFlight[0]!.description).toBe('LR=0.04');
    } finally {
      model.close();
    }
  });
});
