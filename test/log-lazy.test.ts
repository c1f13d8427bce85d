import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { lazyLogger } from '../src/log-lazy.js';
import { cleanupRepos, makeRepo } from './helpers/repo.js';

afterAll(cleanupRepos);

describe('lazyLogger', () => {
  it('writes lines logged before pino loaded, in order, each with the time it was logged', async () => {
    const repo = makeRepo({ 'a.txt': '' });
    const log = lazyLogger(repo, 't');
    const t0 = Date.now();
    log.info({ id: 1 }, 'run started');
    await new Promise((r) => setTimeout(r, 30));
    log.warn({ id: 1, note: 'x' }, 'second');
    await log.flush();
    log.info({ id: 1, status: 'keep' }, 'run recorded'); // after loading: written at once
    const lines = readFileSync(path.join(repo, '.autoresearch', 't', 'ar.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.msg)).toEqual(['run started', 'second', 'run recorded']);
    expect(lines.map((l) => l.level)).toEqual([30, 40, 30]);
    expect(lines[0].time).toBeGreaterThanOrEqual(t0);
    expect(lines[1].time - lines[0].time).toBeGreaterThanOrEqual(25);
    expect(lines[2]).toMatchObject({ id: 1, status: 'keep', name: 'ar', pid: process.pid });
  });
});
