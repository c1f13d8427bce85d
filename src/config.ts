import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from './errors.js';
import { CONFIG_FILE } from './paths.js';
import { ConfigSchema, defaultConfig, type Config } from './config/config-schema.js';
import { parseYaml, readWith } from './config/yaml-file.js';
import { typeName } from './config/sentence.js';
import { applyEnv } from './config/env.js';

export * from './config-defaults.js';

/** Parse YAML text into a validated config, filling defaults (config/config-schema.ts). */
export function parseConfig(text: string, file = CONFIG_FILE): Config {
  const { doc, line } = parseYaml(text, file);
  const raw = doc.toJS() as unknown;
  if (raw === null || raw === undefined) return defaultConfig();
  return readWith(ConfigSchema, raw, { file, got: typeName, line, lineInWhere: true });
}

/** Load `autoresearch.yaml` from the repo root (defaults when absent), then apply TIME_BUDGET. */
export function loadConfig(repo: string, env: NodeJS.ProcessEnv = process.env): Config {
  const file = path.join(repo, CONFIG_FILE);
  let cfg: Config;
  if (existsSync(file)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`${CONFIG_FILE} cannot be read: ${(e as Error).message}.`);
    }
    if (text.includes('\u0000')) throw new UsageError(`${CONFIG_FILE} is not a text file.`);
    cfg = parseConfig(text, CONFIG_FILE);
  } else {
    cfg = defaultConfig();
  }
  return applyEnv(cfg, env);
}
