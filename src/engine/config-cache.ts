import { readFileSync } from 'node:fs';
import path from 'node:path';
import { applyEnv, defaultConfig, type Config } from '../config-defaults.js';
import { CONFIG_FILE, stateDir } from '../paths.js';
import { writeAtomic } from '../fs/atomic.js';
import { buildStamp } from '../build-stamp.js';

// `run` loads the config once per experiment; the YAML parser is a quarter of the CLI's code, so the last
// parse is kept in the tag's state folder and reused while autoresearch.yaml is byte for byte the same.

interface Cached {
  /** The build that parsed it: a rebuilt tool may parse the same text differently. */
  build: string;
  text: string;
  config: Config;
}

export function configCachePath(repo: string, tag: string): string {
  return path.join(stateDir(repo, tag), 'config-cache.json');
}

/** The same answer as loadConfig(repo, env), without loading the YAML parser when the file is unchanged. */
export async function loadConfigCached(repo: string, tag: string, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  let text: string;
  try {
    text = readFileSync(path.join(repo, CONFIG_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return applyEnv(defaultConfig(), env);
    const { loadConfig } = await import('../config.js');
    return loadConfig(repo, env); // says what is wrong with the file
  }
  const file = configCachePath(repo, tag);
  const build = buildStamp();
  try {
    const c = JSON.parse(readFileSync(file, 'utf8')) as Cached;
    if (c.build === build && c.text === text && c.config && typeof c.config === 'object') return applyEnv(c.config, env);
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
