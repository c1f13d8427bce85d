// Claude Code hooks: install ours into <repo>/.claude/settings.local.json (merged, never clobbered), and read
// the events file they append to.
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { writeAtomic } from '../engine/ledger.js';
import type { HookEvent } from '../agent/hook.js';
import { shellQuote } from './claudemd.js';
import { hookScript } from './files.js';

/** Stop ends a normal turn; StopFailure a turn that ended in an API error (Stop does not fire then). */
export const HOOK_EVENTS = ['UserPromptSubmit', 'Stop', 'StopFailure', 'SessionEnd'] as const;
/** A shell comment at the end of our hook commands, to find (and remove) them again. */
export const HOOK_MARK = '# autoresearch-hook';

export function settingsPath(repo: string): string {
  return path.join(repo, '.claude', 'settings.local.json');
}

export function hookCommand(eventsFile: string, event: string, script = hookScript(), node = process.execPath): string {
  return `${shellQuote(node)} ${shellQuote(script)} ${shellQuote(eventsFile)} ${event} ${HOOK_MARK}`;
}

type Json = Record<string, unknown>;
interface HookGroup {
  matcher?: string;
  hooks?: { type?: string; command?: string }[];
}

function isOurs(g: HookGroup): boolean {
  return Array.isArray(g.hooks) && g.hooks.some((h) => typeof h.command === 'string' && h.command.includes(HOOK_MARK));
}

function readSettings(file: string): Json | null {
  if (!existsSync(file)) return null;
  const text = readFileSync(file, 'utf8');
  if (text.trim() === '') return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Json;
  } catch {
    // fall through
  }
  throw new UsageError(`${file} is not a JSON object; fix or remove it so the supervisor can add its hooks.`);
}

/** Our hook groups removed from a settings object (in place); returns it. */
function stripOurs(settings: Json): Json {
  const hooks = settings.hooks;
  if (!hooks || typeof hooks !== 'object' || Array.isArray(hooks)) return settings;
  const h = hooks as Record<string, unknown>;
  for (const [ev, groups] of Object.entries(h)) {
    if (!Array.isArray(groups)) continue;
    const kept = (groups as HookGroup[]).filter((g) => !isOurs(g));
    if (kept.length) h[ev] = kept;
    else delete h[ev];
  }
  if (Object.keys(h).length === 0) delete settings.hooks;
  return settings;
}

/** Add our Stop/UserPromptSubmit/SessionEnd hooks, keeping everything else in the file. */
export function installHooks(repo: string, eventsFile: string, script = hookScript()): string {
  const file = settingsPath(repo);
  const settings = stripOurs(readSettings(file) ?? {});
  const hooks = (settings.hooks && typeof settings.hooks === 'object' && !Array.isArray(settings.hooks) ? settings.hooks : {}) as Record<string, unknown>;
  for (const ev of HOOK_EVENTS) {
    const groups = Array.isArray(hooks[ev]) ? (hooks[ev] as HookGroup[]) : [];
    groups.push({ hooks: [{ type: 'command', command: hookCommand(eventsFile, ev, script), timeout: 10 } as { type: string; command: string }] });
    hooks[ev] = groups;
  }
  settings.hooks = hooks;
  mkdirSync(path.dirname(file), { recursive: true });
  writeAtomic(file, JSON.stringify(settings, null, 2) + '\n');
  return file;
}

/** Take our hooks out again; a file left empty is removed. */
export function removeHooks(repo: string): void {
  const file = settingsPath(repo);
  let settings: Json | null;
  try {
    settings = readSettings(file);
  } catch {
    return;
  }
  if (!settings) return;
  stripOurs(settings);
  if (Object.keys(settings).length === 0) {
    rmSync(file, { force: true });
    return;
  }
  writeAtomic(file, JSON.stringify(settings, null, 2) + '\n');
}

/** Reads complete new lines of the events file since the last call. */
export class EventReader {
  private offset = 0;
  private partial: Buffer = Buffer.alloc(0);
  constructor(readonly file: string) {}

  /** Skip what is already there. */
  skipToEnd(): void {
    this.partial = Buffer.alloc(0);
    try {
      const fd = openSync(this.file, 'r');
      try {
        this.offset = fstatSync(fd).size;
      } finally {
        closeSync(fd);
      }
    } catch {
      this.offset = 0;
    }
  }

  read(): HookEvent[] {
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch {
      return [];
    }
    let data: Buffer;
    try {
      const size = fstatSync(fd).size;
      if (size < this.offset) this.offset = 0; // truncated or replaced
      if (size === this.offset) return [];
      const buf = Buffer.alloc(size - this.offset);
      const n = readSync(fd, buf, 0, buf.length, this.offset);
      this.offset += n;
      data = Buffer.concat([this.partial, buf.subarray(0, n)]);
    } finally {
      closeSync(fd);
    }
    const end = data.lastIndexOf(0x0a);
    this.partial = Buffer.from(data.subarray(end + 1));
    const lines = data.subarray(0, end + 1).toString('utf8').split('\n');
    const out: HookEvent[] = [];
    for (const l of lines) {
      if (l.trim() === '') continue;
      try {
        const e = JSON.parse(l) as HookEvent;
        if (e && typeof e.event === 'string') out.push(e);
      } catch {
        // a torn line: skip
      }
    }
    return out;
  }
}
