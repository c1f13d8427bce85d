// The hook Claude Code runs (Stop, StopFailure, UserPromptSubmit, SessionEnd): append one JSON line per event to a file.
// Usage: node hook.js <events-file> [EventName]. Reads the hook's JSON from stdin; prints nothing; always exits 0
// (a failing hook must never disturb the agent's turn).
import { appendFileSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { redactSecrets } from '../engine/env.js';

export interface HookEvent {
  event: string;
  /** Unix ms when the hook ran. */
  time: number;
  session_id?: string;
  /** The submitted prompt (UserPromptSubmit), cut to 2000 characters. */
  prompt?: string;
  /** The agent's last message (Stop), cut to 2000 characters. */
  last_message?: string;
  reason?: string;
  /** Why a turn failed (StopFailure): the agent's error type, e.g. rate_limit, authentication_failed. */
  error?: string;
  /** More on that error (StopFailure), cut and redacted like the message. */
  error_details?: string;
}

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
  const ev: HookEvent = {
    event: (typeof data.hook_event_name === 'string' && data.hook_event_name) || eventArg || 'unknown',
    time: now,
  };
  if (typeof data.session_id === 'string') ev.session_id = data.session_id;
  // The hook runs with the agent's environment, so it knows the keys to keep out of the file.
  const prompt = cut(data.prompt);
  if (prompt !== undefined) ev.prompt = redactSecrets(prompt);
  const last = cut(data.last_assistant_message);
  if (last !== undefined) ev.last_message = redactSecrets(last);
  if (typeof data.reason === 'string') ev.reason = data.reason;
  if (typeof data.error === 'string') ev.error = data.error.slice(0, 100);
  const details = cut(data.error_details);
  if (details !== undefined) ev.error_details = redactSecrets(details);
  return JSON.stringify(ev) + '\n';
}

export function runHook(argv: string[]): number {
  const file = argv[0];
  if (!file) return 0;
  let input = '';
  try {
    input = readFileSync(0, 'utf8');
  } catch {
    // no stdin
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
