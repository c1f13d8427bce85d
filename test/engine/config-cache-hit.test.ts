import { afterAll, describe, expect, it, vi } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupRepos, makeRepo } from '../helpers/repo.js';

// `run`'s hot path: a cache hit must not load the config's schema, the YAML parser or valibot at all.
const loaded: string[] = [];
vi.mock('valibot', async (actual) => (loaded.push('valibot'), await actual()));
vi.mock('yaml', async (actual) => (loaded.push('yaml'), await actual()));
vi.mock('../../src/config/config-schema.js', async (actual) => (loaded.push('config-schema'), await actual()));

afterAll(cleanupRepos);

describe('loadConfigCached on a hit', () => {
  it('answers from the cache without loading any schema code', async () => {
    const { configCachePath, loadConfigCached } = await import('../../src/engine/config-cache.js');
    const { buildStamp } = await import('../../src/build-stamp.js');
    const text = 'budget_seconds: 20\n';
    const repo = makeRepo({ 'train.py': '', 'autoresearch.yaml': text });
    mkdirSync(path.join(repo, '.autoresearch', 't'), { recursive: true });
    const config = { budget_seconds: 20, metric: 'planted' };
    writeFileSync(configCachePath(repo, 't'), JSON.stringify({ build: buildStamp(), text, config }));
    expect(await loadConfigCached(repo, 't', { TIME_BUDGET: '7' })).toEqual({ budget_seconds: 7, metric: 'planted' });
    expect(loaded).toEqual([]);
    // A miss does load them: the check above can fail.
    writeFileSync(path.join(repo, 'autoresearch.yaml'), 'budget_seconds: 30\n');
    expect((await loadConfigCached(repo, 't', {})).budget_seconds).toBe(30);
    expect(loaded).toEqual(expect.arrayContaining(['valibot', 'yaml', 'config-schema']));
  });
});
