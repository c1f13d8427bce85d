import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import YAML, { LineCounter } from 'yaml';
import { UsageError } from './errors.js';
import { CONFIG_FILE } from './paths.js';
import { checkTemplate } from './commit-message.js';
import { PROFILE_NAMES } from './config/agent-names.js';

export * from './config-defaults.js';
import { applyEnv, checkRemote, defaultConfig, type Config, type TaskSpec } from './config-defaults.js';

type Kind = 'profile' | 'string' | 'optstring' | 'number' | 'posnumber' | 'int' | 'bool' | 'argv' | 'strings' | 'args' | 'goal' | 'tasks' | 'url' | 'remote' | 'template' | 'engine' | 'stale' | 'depth';
type Schema = { [key: string]: Kind | Schema };

const SCHEMA: Schema = {
  command: 'argv',
  budget_seconds: 'posnumber',
  metric: 'string',
  goal: 'goal',
  editable: 'strings',
  readonly: 'strings',
  memory_metric: 'string',
  ledger_columns: 'strings',
  check: 'argv',
  timeout_factor: 'posnumber',
  kill_grace_seconds: 'posnumber',
  dependency_files: 'strings',
  objective: 'string',
  agent: { profile: 'profile', command: 'string', args: 'strings' },
  tasks: 'tasks',
  noise: { reruns: 'int', sigma: 'posnumber' },
  notify: { webhook: 'url', bell: 'bool', desktop: 'bool' },
  supervisor: { restart_after_turns: 'int', unknown_screen_timeout: 'posnumber', backoff_initial: 'posnumber', backoff_max: 'posnumber', unavailable_limit: 'posnumber' },
  git: { push: 'remote', push_refs: 'bool', message: 'template' },
  pipeline: { depth: 'depth', stale: 'stale' },
  executor: { kind: 'engine', partition: 'optstring', gres: 'optstring', account: 'optstring', qos: 'optstring', time_padding: 'int', args: 'args', retries: 'int' },
};

/** Split a command string on whitespace (no shell, so no quoting rules to get wrong). */
export function splitArgv(s: string): string[] {
  return s.trim().split(/\s+/).filter(Boolean);
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'a mapping' : `${typeof v} ${JSON.stringify(v)}`;
}

function checkValue(key: string, kind: Kind, v: unknown, file: string): unknown {
  const bad = (want: string) => new UsageError(`${file}: "${key}" must be ${want}, not ${typeName(v)}.`);
  switch (kind) {
    case 'profile':
      if (typeof v !== 'string' || !(PROFILE_NAMES as readonly string[]).includes(v)) throw bad(`one of ${PROFILE_NAMES.join(', ')}`);
      return v;
    case 'string':
      if (typeof v !== 'string' || v.trim() === '') throw bad('a non-empty string');
      return v;
    case 'optstring':
      if (v === null) return null;
      if (typeof v !== 'string' || v.trim() === '' || /\s/.test(v)) throw bad('a word without spaces (or null)');
      return v;
    case 'engine':
      if (v !== 'local' && v !== 'slurm') throw bad('"local" or "slurm"');
      return v;
    case 'stale':
      if (v !== 'remeasure' && v !== 'discard') throw bad('"remeasure" or "discard"');
      return v;
    case 'depth':
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 64) throw bad('a whole number from 1 to 64');
      return v;
    case 'args':
      if (Array.isArray(v) && v.every((x) => typeof x === 'string' && x !== '')) return v;
      throw bad('a list of arguments (strings)');
    case 'url':
      if (v === null) return null;
      if (typeof v !== 'string' || !/^https?:\/\/\S+$/.test(v)) throw bad('an http(s) URL');
      return v;
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v)) throw bad('a number');
      return v;
    case 'posnumber':
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw bad('a positive number');
      return v;
    case 'int':
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw bad('a whole number >= 0');
      return v;
    case 'bool':
      if (typeof v !== 'boolean') throw bad('true or false');
      return v;
    case 'goal':
      if (v !== 'min' && v !== 'max') throw bad('"min" or "max"');
      return v;
    case 'argv':
      if (typeof v === 'string' && v.trim() !== '') return splitArgv(v);
      if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && x !== '')) return v;
      throw bad('a command (a string or a list of strings)');
    case 'strings':
      if (Array.isArray(v) && v.every((x) => typeof x === 'string' && x.trim() !== '')) return v;
      throw bad('a list of strings');
    case 'tasks':
      return parseTasks(v, `${file}: "${key}"`);
    case 'remote':
      if (v === null) return null;
      if (typeof v !== 'string') throw bad('a git remote (a name such as origin, a URL or a path)');
      return checkRemote(v, `${file}: "${key}"`);
    case 'template':
      if (typeof v !== 'string' || v.trim() === '') throw bad('a non-empty message template');
      checkTemplate(v, `${file}: "${key}"`);
      return v;
  }
}

/** Validate a task list: strings or {text, priority}. Shared with `--tasks` files. */
export function parseTasks(v: unknown, where: string): TaskSpec[] {
  if (!Array.isArray(v)) throw new UsageError(`${where} must be a list of tasks, not ${typeName(v)}.`);
  return v.map((t, i) => {
    if (typeof t === 'string' && t.trim() !== '') return { text: t, priority: 0 };
    if (t && typeof t === 'object' && !Array.isArray(t)) {
      const o = t as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        if (k !== 'text' && k !== 'priority') throw new UsageError(`${where}: task ${i + 1} has an unknown key "${k}" (use text and priority).`);
      }
      if (typeof o.text !== 'string' || o.text.trim() === '') throw new UsageError(`${where}: task ${i + 1} needs a non-empty "text".`);
      const p = o.priority ?? 0;
      if (typeof p !== 'number' || !Number.isFinite(p)) throw new UsageError(`${where}: task ${i + 1} has a "priority" that is not a number.`);
      return { text: o.text, priority: p };
    }
    throw new UsageError(`${where}: task ${i + 1} must be a string or a mapping with text and priority.`);
  });
}

function merge(target: Record<string, unknown>, raw: Record<string, unknown>, schema: Schema, prefix: string, file: string): void {
  for (const [k, v] of Object.entries(raw)) {
    const key = prefix + k;
    const kind = schema[k];
    if (kind === undefined) {
      const known = Object.keys(schema).join(', ');
      throw new UsageError(`${file}: unknown key "${key}" (known keys: ${known}).`);
    }
    if (typeof kind === 'object') {
      if (v === null && k === 'noise') {
        target[k] = null;
        continue;
      }
      if (!v || typeof v !== 'object' || Array.isArray(v)) {
        throw new UsageError(`${file}: "${key}" must be a mapping, not ${typeName(v)}.`);
      }
      const sub = (target[k] && typeof target[k] === 'object' ? target[k] : {}) as Record<string, unknown>;
      if (k === 'noise') {
        // noise has no defaults: both keys or none.
        const o = v as Record<string, unknown>;
        if (o.reruns === undefined || o.sigma === undefined) throw new UsageError(`${file}: "noise" needs both "reruns" and "sigma".`);
      }
      merge(sub, v as Record<string, unknown>, kind, key + '.', file);
      target[k] = sub;
    } else {
      target[k] = checkValue(key, kind, v, file);
    }
  }
}

/** ledger_columns: summary-line names, each once, none a column results.tsv has anyway. */
function checkLedgerColumns(cols: string[], metric: string, file: string): void {
  const seen = new Set<string>();
  for (const c of cols) {
    if (!SUMMARY_NAME.test(c)) throw new UsageError(`${file}: "ledger_columns" names "${c}", which is not a summary-line name (a letter or _, then letters, digits, _ . -).`);
    if (c === metric || ['commit', 'memory_gb', 'status', 'description'].includes(c.toLowerCase())) {
      throw new UsageError(`${file}: "ledger_columns" names "${c}", which results.tsv has as a column already.`);
    }
    if (seen.has(c)) throw new UsageError(`${file}: "ledger_columns" names "${c}" twice.`);
    seen.add(c);
  }
}

/** What a summary line's name may be (engine/metrics.ts reads `name: value`). */
const SUMMARY_NAME = /^[A-Za-z_][A-Za-z0-9_.\-]*$/;

/** Parse YAML text into a validated config, filling defaults. */
export function parseConfig(text: string, file = CONFIG_FILE): Config {
  const lineCounter = new LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const pos = err.linePos?.[0] ?? (err.pos ? lineCounter.linePos(err.pos[0]) : undefined);
    const where = pos ? `line ${pos.line}` : 'somewhere';
    const what = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+.*$/, '').replace(/\.$/, '');
    throw new UsageError(`${file}: broken YAML at ${where}: ${what}.`);
  }
  const raw = doc.toJS() as unknown;
  const cfg = defaultConfig() as unknown as Record<string, unknown>;
  if (raw === null || raw === undefined) return cfg as unknown as Config;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UsageError(`${file}: the top level must be a mapping of keys to values, not ${typeName(raw)}.`);
  }
  merge(cfg, raw as Record<string, unknown>, SCHEMA, '', file);
  const c = cfg as unknown as Config;
  if (c.editable.length === 0) throw new UsageError(`${file}: "editable" must name at least one file.`);
  const both = c.editable.filter((f) => c.readonly.includes(f));
  if (both.length) throw new UsageError(`${file}: "${both[0]}" cannot be both editable and readonly.`);
  checkLedgerColumns(c.ledger_columns, c.metric, file);
  return c;
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
