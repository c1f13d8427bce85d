// Hooks in a JSON settings file of the shape Claude Code and Gemini CLI share
// ({"hooks": {"<Event>": [{"hooks": [{"type": "command", "command": "..."}]}]}}): ours merged in, never clobbering
// the user's, and taken out again afterwards. Our commands end in a mark so they can be found.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { writeAtomic } from '../fs/atomic.js';

/** A shell comment at the end of our hook commands, to find (and remove) them again. */
export const HOOK_MARK = '# autoresearch-hook';

/** Quote for a POSIX shell only when needed. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Our hook argv and the event name as one marked shell command. */
export function markedCommand(hook: readonly string[], event: string): string {
  return `${[...hook, event].map(shellQuote).join(' ')} ${HOOK_MARK}`;
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

/** Add one hook of ours per event (`extra` goes into each hook entry), keeping everything else in the file. */
export function installJsonHooks(file: string, hook: readonly string[], events: readonly string[], extra: Record<string, unknown> = {}): string {
  const settings = stripOurs(readSettings(file) ?? {});
  const hooks = (settings.hooks && typeof settings.hooks === 'object' && !Array.isArray(settings.hooks) ? settings.hooks : {}) as Record<string, unknown>;
  for (const ev of events) {
    const groups = Array.isArray(hooks[ev]) ? (hooks[ev] as HookGroup[]) : [];
    groups.push({ hooks: [{ type: 'command', command: markedCommand(hook, ev), ...extra }] });
    hooks[ev] = groups;
  }
  settings.hooks = hooks;
  mkdirSync(path.dirname(file), { recursive: true });
  writeAtomic(file, JSON.stringify(settings, null, 2) + '\n');
  return file;
}

/** Take our hooks out again; a file left empty is removed. */
export function removeJsonHooks(file: string): void {
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
