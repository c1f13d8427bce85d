// The program an agent's hooks run (Claude Code's Stop, Codex's notify, Gemini's AfterAgent ...): append one JSON
// line per event to a file. Usage: node hook.js [--reply] <events-file> [EventName] [json]. Reads the event's JSON
// from the last argument when given (Codex's notify passes it so), else from stdin; with --reply prints `{}` (a hook
// reply that changes nothing, for agents that read one); always exits 0 (a failing hook must never disturb the turn).
import { appendFileSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { redactSecrets } from '../secrets.js';
import type { HookEvent } from '../config/state-files.js';

// The event's shape is described once, as a schema its reader checks (agents/events.ts); a type import keeps it out of this program.
export type { HookEvent };

const MAX = 2000;
const cut = (v: unknown): string | undefined => (typeof v === 'string' ? (v.length > MAX ? v.slice(0, MAX) + '…' : v) : undefined);

/** One event line from the hook's stdin text; keeps only the fields the supervisor reads. */
export function eventLine(stdinText: string, eventArg: string | undefined, now = Date.now()): string {
  let data: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(stdinText) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) data = parsed as Record<string, unknown>;
  } catch {
    // not JSON: the event name alone is still a signal
  }
  const named = data.hook_event_name ?? data.type; // hooks name their event; Codex's notify gives a type
  const ev: HookEvent = {
    event: (typeof named === 'string' && named) || eventArg || 'unknown',
    time: now,
  };
  if (typeof data.session_id === 'string') ev.session_id = data.session_id;
  if (typeof data['thread-id'] === 'string') ev.thread = data['thread-id'];
  // The hook runs with the agent's environment, so it knows the keys to keep out of the file.
  const inputs = data['input-messages'];
  const prompt = cut(data.prompt ?? (Array.isArray(inputs) ? inputs.filter((x) => typeof x === 'string').join('\n') : undefined));
  if (prompt !== undefined) ev.prompt = redactSecrets(prompt);
  const last = cut(data.last_assistant_message ?? data['last-assistant-message'] ?? data.prompt_response);
  if (last !== undefined) ev.last_message = redactSecrets(last);
  if (typeof data.reason === 'string') ev.reason = data.reason;
  if (typeof data.error === 'string') ev.error = data.error.slice(0, 100);
  const details = cut(data.error_details);
  if (details !== undefined) ev.error_details = redactSecrets(details);
  return JSON.stringify(ev) + '\n';
}

export function runHook(args: string[]): number {
  const reply = args[0] === '--reply';
  const argv = reply ? args.slice(1) : args;
  if (reply) process.stdout.write('{}\n');
  const file = argv[0];
  if (!file) return 0;
  let input = argv[2] ?? '';
  if (argv[2] === undefined) {
    try {
      input = readFileSync(0, 'utf8');
    } catch {
      // no stdin
    }
  }
  try {
    appendFileSync(file, eventLine(input, argv[1]));
  } catch {
    // the state folder is gone: nothing to tell
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = runHook(process.argv.slice(2));
}
