import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/config-schema.js';
import { applyEnv } from '../config/env.js';
import { CONFIG_FILE, stateDir } from '../paths.js';
import { writeAtomic } from '../fs/atomic.js';
import { buildStamp } from '../build-stamp.js';

// `run` loads the config once per experiment; the YAML parser and the config's schema are most of the CLI's
// code, so the last parse is kept in the tag's state folder and reused while autoresearch.yaml is byte for
// byte the same. This module imports only the config's types: the schema is loaded on a miss alone.

interface Cached {
  /** The build that parsed it: a rebuilt tool may parse the same text differently. */
  build: string;
  text: string;
  config: Config;
}

export function configCachePath(repo: string, tag: string): string {
  return path.join(stateDir(repo, tag), 'config-cache.json');
}

/** The cheap check of a cache hit: this build wrote it for this text (the schema checked it then). */
function hit(c: unknown, build: string, text: string): c is Cached {
  if (!c || typeof c !== 'object') return false;
  const o = c as Record<string, unknown>;
  return o.build === build && o.text === text && !!o.config && typeof o.config === 'object' && !Array.isArray(o.config);
}

/** The same answer as loadConfig(repo, env), without loading the YAML parser or the schema when the file is unchanged. */
export async function loadConfigCached(repo: string, tag: string, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  let text: string;
  try {
    text = readFileSync(path.join(repo, CONFIG_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      const { defaultConfig } = await import('../config/config-schema.js'); // no YAML parser: the schema's defaults
      return applyEnv(defaultConfig(), env);
    }
    const { loadConfig } = await import('../config.js');
    return loadConfig(repo, env); // says what is wrong with the file
  }
  const file = configCachePath(repo, tag);
  const build = buildStamp();
  try {
    const c: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (hit(c, build, text)) return applyEnv(c.config, env);
  } catch {
    /* no cache yet, or a damaged one: parse */
  }
  const { loadConfig, parseConfig } = await import('../config.js');
  if (text.includes('\u0000')) return loadConfig(repo, env); // says it is not a text file
  const config = parseConfig(text, CONFIG_FILE); // before TIME_BUDGET: the cache holds the file's meaning only
  try {
    writeAtomic(file, JSON.stringify({ build, text, config } satisfies Cached), 0o600);
  } catch {
    /* a cache that cannot be written costs the next run a parse, nothing more */
  }
  return applyEnv(config, env);
}
