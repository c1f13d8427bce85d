import { describe, expect, it } from 'vitest';
import { LaneManifestSchema, LaneMarkerSchema, LedgerMetaSchema, parseStateFile, TagStateSchema } from '../../src/config/state-files.js';

describe('state files', () => {
  const marker = { v: 1, session: 'apr5', lane: 'gpu0', main: '/repo', env: { CUDA_VISIBLE_DEVICES: '0' } };

  it('reads a valid file, keeping keys a newer version added', () => {
    const r = parseStateFile(JSON.stringify({ ...marker, later: true }), LaneMarkerSchema);
    expect(r).toEqual({ ok: true, value: { ...marker, later: true } });
  });

  it('names the key that is wrong, in one phrase', () => {
    const r = parseStateFile(JSON.stringify({ ...marker, env: { CUDA_VISIBLE_DEVICES: 0 } }), LaneMarkerSchema);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.why).toMatch(/^"env\.CUDA_VISIBLE_DEVICES" .*string/);
    const m = parseStateFile(JSON.stringify({ v: 1, session: 's', repo: '/r', base: 'b', created: '', lanes: [{ name: 'x' }] }), LaneManifestSchema);
    expect(!m.ok && m.why).toMatch(/^"lanes\.0\.tag" /);
  });

  it('says what is wrong with text that is not JSON', () => {
    const r = parseStateFile('{"v": 1,', TagStateSchema);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.why).not.toMatch(/\.$/);
  });
});

describe('state files read back through their schemas', () => {
  it('a damaged supervisor.json, push.json or unavailable line reads as none; a damaged ledger tip alone is dropped', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = (await import('node:path')).default;
    const { readSupervisorState } = await import('../../src/supervisor/state.js');
    const { readPushState } = await import('../../src/engine/push.js');
    const { readUnavailable } = await import('../../src/unavailable.js');
    const repo = mkdtempSync(path.join(tmpdir(), 'ar-state-files-'));
    try {
      const dir = path.join(repo, '.autoresearch', 't');
      mkdirSync(dir, { recursive: true });
      const st = { v: 1, tag: 't', repo, pid: 1, socket: 's', started: '', updated: '', state: 'busy', iterations: 2, restarts: 0, currentTask: null, doneTasks: [], agentSession: 'ar-t', agentPane: null, agentPid: null, supervisorSession: null };
      writeFileSync(path.join(dir, 'supervisor.json'), JSON.stringify(st));
      expect(readSupervisorState(repo, 't')).toMatchObject({ state: 'busy', iterations: 2 });
      writeFileSync(path.join(dir, 'supervisor.json'), JSON.stringify({ ...st, state: 'dancing' }));
      expect(readSupervisorState(repo, 't')).toBeNull();
      writeFileSync(path.join(dir, 'push.json'), JSON.stringify({ remote: 'origin', pushed: 7, target: null, at: '', ok: true, error: null, failingSince: null }));
      expect(readPushState(repo, 't')).toBeNull();
      const line = (o: object) => JSON.stringify(o) + '\n';
      writeFileSync(path.join(dir, 'unavailable.jsonl'), line({ from: '2026-01-01T02:00:00Z', to: 'soon', cause: 'rate limited' }) + line({ from: 'yesterday', to: null, cause: 'x' }) + '{"from":');
      expect(readUnavailable(repo, 't')).toEqual([{ from: '2026-01-01T02:00:00Z', to: null, cause: 'rate limited' }]);
      const meta = parseStateFile(JSON.stringify({ tsv: 10, records: 20, tip: { count: -1, lastKeep: null } }), LedgerMetaSchema);
      expect(meta).toEqual({ ok: true, value: { tsv: 10, records: 20, tip: undefined } });
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });

  it('a pending marker or queue entry of the wrong shape reads as none; a report cache with a bad header is no cache', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = (await import('node:path')).default;
    const { readPending, pendingPath, runPlace } = await import('../../src/engine/pending.js');
    const { readQueue, queueDir } = await import('../../src/engine/queue.js');
    const { decodeTable, encodeTable } = await import('../../src/report/table-cache.js');
    const { RunTable } = await import('../../src/report/runs.js');
    const repo = mkdtempSync(path.join(tmpdir(), 'ar-state-files-'));
    try {
      mkdirSync(queueDir(repo, 't'), { recursive: true });
      const p = { id: 3, pid: null, runner: process.pid, commit: 'c', parent: 'p', description: 'd', start: '', log: 'l', job: { engine: 'slurm', id: '9', place: { state: 'queued', queuedMs: 5 } } };
      writeFileSync(pendingPath(repo, 't'), JSON.stringify(p));
      expect(readPending(pendingPath(repo, 't'))).toMatchObject({ id: 3, job: { id: '9' } });
      expect(runPlace(repo, 't')).toEqual({ state: 'queued', queuedMs: 5, engine: 'slurm', id: '9' });
      writeFileSync(pendingPath(repo, 't'), JSON.stringify({ ...p, job: { engine: 'slurm', id: '9', place: { state: 'lost', queuedMs: 5 } } }));
      expect(runPlace(repo, 't')).toBeNull();
      writeFileSync(pendingPath(repo, 't'), JSON.stringify({ ...p, runner: 'me' }));
      expect(readPending(pendingPath(repo, 't'))).toBeNull();
      const e = { n: 1, commit: 'c', parent: 'p', description: 'd', queued: '', state: 'queued' };
      writeFileSync(path.join(queueDir(repo, 't'), '1.json'), JSON.stringify(e));
      writeFileSync(path.join(queueDir(repo, 't'), '2.json'), JSON.stringify({ ...e, n: 2, state: 'lost' }));
      expect(readQueue(repo, 't').map((x) => x.n)).toEqual([1]);
      const good = encodeTable({ size: 0, sha1: 'x', table: new RunTable(), reader: { lineNo: 0, count: 0, warnings: { out: [], perKind: [] } } });
      expect(decodeTable(good)).not.toBeNull();
      const bad = Buffer.from(good.toString('latin1').replace('"lineNo":0', '"lineNo":"0"'), 'latin1');
      expect(decodeTable(bad)).toBeNull();
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});
