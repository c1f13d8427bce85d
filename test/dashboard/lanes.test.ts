import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LedgerFeed } from '../../src/dashboard/feed.js';
import { laneView, SupervisorCheck } from '../../src/dashboard/lanes.js';
import type { Place } from '../../src/dashboard/places.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A checkout whose run in progress is a scheduler job, with the place its (live) runner last wrote. */
function placeWith(place: object | null): Place {
  const home = mkdtempSync(path.join(tmpdir(), 'ar-dash-lanes-'));
  dirs.push(home);
  const dir = path.join(home, '.autoresearch', 't');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'runs.jsonl'), '');
  const job = { engine: 'slurm', id: '42', name: 'ar-t-3', ...(place ? { place } : {}) };
  const pending = { id: 3, pid: null, job, runner: process.pid, commit: 'c', parent: 'p', description: 'idea', start: new Date().toISOString(), log: '.autoresearch/t/logs/3.log' };
  writeFileSync(path.join(dir, 'pending.json'), JSON.stringify(pending));
  return { tag: 't', home, session: 't', lane: null, gpu: null };
}

const view = (p: Place) => laneView(p, new LedgerFeed('t', path.join(p.home, '.autoresearch', 't', 'runs.jsonl')), { sup: new SupervisorCheck(() => false), budgetSeconds: 10, goal: 'min' });

describe('the executor of a lane', () => {
  it('shows the job of the run in progress: queued with its reason, then running and where', () => {
    const q = view(placeWith({ state: 'queued', queuedMs: 12_400, reason: 'Resources' }));
    expect(q.executor).toBe('slurm job 42 queued (Resources)');
    expect(q.job).toMatchObject({ engine: 'slurm', id: '42', state: 'queued (Resources)', queuedSeconds: 12 });
    const r = view(placeWith({ state: 'running', queuedMs: 3_000, node: 'a07' }));
    expect(r.executor).toBe('slurm job 42 running on a07');
    expect(r.job).toMatchObject({ node: 'a07', state: 'running', queuedSeconds: 3 });
    expect(r.current?.id).toBe(3);
  });

  it('is local when no run is on a scheduler', () => {
    expect(view(placeWith(null)).executor).toBe('local');
  });
});
