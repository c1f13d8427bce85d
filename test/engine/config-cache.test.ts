import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { configCachePath, loadConfigCached } from '../../src/engine/config-cache.js';
import { UsageError } from '../../src/errors.js';
import { cleanupRepos, makeRepo } from '../helpers/repo.js';

afterAll(cleanupRepos);

function repoWith(yaml: string | null): string {
  const repo = makeRepo(yaml === null ? { 'train.py': '' } : { 'train.py': '', 'autoresearch.yaml': yaml });
  mkdirSync(path.join(repo, '.autoresearch', 't'), { recursive: true });
  return repo;
}

describe('loadConfigCached', () => {
  it('gives what loadConfig gives, from the cache while the file is unchanged, TIME_BUDGET applied on top', async () => {
    const repo = repoWith('command: python3 train.py\nbudget_seconds: 20\ngoal: max\n');
    const first = await loadConfigCached(repo, 't', {});
    expect(first).toEqual(loadConfig(repo, {}));
    const cache = JSON.parse(readFileSync(configCachePath(repo, 't'), 'utf8'));
    expect(cache.config.budget_seconds).toBe(20);
    // A planted answer proves the second call reads the cache rather than the YAML.
    cache.config.metric = 'from_cache';
    writeFileSync(configCachePath(repo, 't'), JSON.stringify(cache));
    expect((await loadConfigCached(repo, 't', {})).metric).toBe('from_cache');
    const withEnv = await loadConfigCached(repo, 't', { TIME_BUDGET: '7' });
    expect(withEnv.budget_seconds).toBe(7);
    expect(JSON.parse(readFileSync(configCachePath(repo, 't'), 'utf8')).config.budget_seconds).toBe(20);
  });

  it('parses again when the file changes or the cache is damaged, and still refuses bad YAML', async () => {
    const repo = repoWith('budget_seconds: 20\n');
    expect((await loadConfigCached(repo, 't', {})).budget_seconds).toBe(20);
    writeFileSync(path.join(repo, 'autoresearch.yaml'), 'budget_seconds: 30\n');
    expect((await loadConfigCached(repo, 't', {})).budget_seconds).toBe(30);
    writeFileSync(configCachePath(repo, 't'), '{"build": tru');
    expect((await loadConfigCached(repo, 't', {})).budget_seconds).toBe(30);
    writeFileSync(path.join(repo, 'autoresearch.yaml'), 'budget_seconds: [\n');
    await expect(loadConfigCached(repo, 't', {})).rejects.toThrow(UsageError);
    await expect(loadConfigCached(repo, 't', {})).rejects.toThrow(/broken YAML at line/);
    writeFileSync(path.join(repo, 'autoresearch.yaml'), 'budget_seconds: 30\n');
    await expect(loadConfigCached(repo, 't', { TIME_BUDGET: 'soon' })).rejects.toThrow(/TIME_BUDGET must be a positive number/);
  });

  it('uses the defaults without a file and without writing a cache', async () => {
    const repo = repoWith(null);
    expect(await loadConfigCached(repo, 't', {})).toEqual(loadConfig(repo, {}));
    expect(() => readFileSync(configCachePath(repo, 't'))).toThrow();
  });
});
