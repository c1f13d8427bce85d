import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { localExecutor } from '../../src/executors/local.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ar-local-exec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fixture = (name: string) => path.resolve('test/fixtures/jobs', name);
const spec = (name: string, over: object = {}) => ({
  argv: ['python3', fixture(name)],
  cwd: dir,
  env: { ...process.env, PYTHONUNBUFFERED: '1' },
  logFiles: [path.join(dir, `${name}.log`)],
  limitMs: 60_000,
  graceMs: 5000,
  name: 'test',
  ...over,
});

describe('local executor: how a run ended is the first cause that happened', () => {
  it('an exit is an exit, with its time and the output in the log', async () => {
    const o = await localExecutor.run(spec('error.py'));
    expect(o.cause.kind).toBe('exit');
    expect(o.exitCode).not.toBe(0);
    expect(o.timedOut || o.interrupted).toBe(false);
    expect(o.cause.atMs).toBeGreaterThan(0);
    expect(readFileSync(path.join(dir, 'error.py.log'), 'utf8')).toContain('Traceback');
  });
  it('an interrupt during a timeout grace period leaves it a timeout; a timeout during an interrupt leaves it interrupted', async () => {
    const ac = new AbortController();
    const t = localExecutor.run(spec('ignore_term.py', { limitMs: 400, graceMs: 1500, signal: ac.signal }));
    setTimeout(() => ac.abort(), 900); // after the limit, before the SIGKILL that ends the grace
    const o = await t;
    expect(o.cause.kind).toBe('timeout');
    expect(o.cause.atMs).toBeLessThan(900);
    expect(o.timedOut).toBe(true);
    expect(o.interrupted).toBe(false);

    const ac2 = new AbortController();
    const t2 = localExecutor.run(spec('ignore_term.py', { limitMs: 900, graceMs: 1500, signal: ac2.signal }));
    setTimeout(() => ac2.abort(), 300);
    const o2 = await t2;
    expect(o2.cause.kind).toBe('interrupted');
    expect(o2.timedOut).toBe(false);
    expect(o2.interrupted).toBe(true);
  });
  it('the handle cancels the process group from elsewhere', async () => {
    let handle: { engine: string; id: string | null } | null = null;
    const t = localExecutor.run(spec('sleep_forever.py', { onStart: (h: { engine: string; id: string | null }) => (handle = h) }));
    while (!handle) await new Promise((r) => setTimeout(r, 20));
    expect(handle).toMatchObject({ engine: 'local' });
    await localExecutor.cancel(handle);
    const o = await t;
    expect(o.signal).toBe('SIGKILL');
    expect(o.cause.kind).toBe('signal');
  });
});
