// Tell the user something happened (a new best, the end of a session): bell, desktop, webhook.
// Notifications are best effort: a failure is logged, never thrown.
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import type { Config } from './config.js';

export interface NotifyEvent {
  kind: 'new-best' | 'session-end';
  title: string;
  /** Sent as given (nothing is added): only put what may leave the machine here. */
  summary: Record<string, unknown>;
}

export interface NotifyIo {
  /** Where the bell goes (default process.stderr). */
  stderr?: { isTTY?: boolean; write(s: string): unknown };
  /** Webhook timeout in ms (default 5000). */
  webhookTimeoutMs?: number;
  /** notify-send timeout in ms (default 3000). */
  desktopTimeoutMs?: number;
  /** PATH lookup for notify-send (default: search process.env.PATH). */
  findProgram?: (name: string) => string | null;
}

export async function notify(event: NotifyEvent, cfg: Config['notify'], log?: (msg: string) => void, io: NotifyIo = {}): Promise<void> {
  const say = (msg: string) => {
    try {
      log?.(msg);
    } catch {
      // A broken logger must not turn a notification into a crash.
    }
  };
  const tasks: Promise<void>[] = [];
  if (cfg.bell) {
    const err = io.stderr ?? process.stderr;
    try {
      if (err.isTTY) err.write('\x07');
    } catch (e) {
      say(`notification bell failed: ${(e as Error).message}`);
    }
  }
  if (cfg.desktop) tasks.push(desktop(event, io, say));
  if (cfg.webhook) tasks.push(webhook(cfg.webhook, event, io, say));
  await Promise.allSettled(tasks);
}

/** Summary as `key: value` lines for a desktop notification's body. */
export function summaryLines(summary: Record<string, unknown>): string {
  return Object.entries(summary)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : safeJson(v)}`)
    .join('\n');
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

export function findOnPath(name: string, envPath = process.env.PATH ?? ''): string | null {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

async function desktop(event: NotifyEvent, io: NotifyIo, say: (m: string) => void): Promise<void> {
  // No notify-send (a headless server): desktop notifications simply do not apply.
  const program = (io.findProgram ?? findOnPath)('notify-send');
  if (!program) return;
  try {
    const r = await execa(program, ['--app-name=autoresearch', event.title, summaryLines(event.summary)], {
      timeout: io.desktopTimeoutMs ?? 3000,
      reject: false,
      stdin: 'ignore',
    });
    if (r.exitCode !== 0) say(`desktop notification failed (notify-send ${r.timedOut ? 'timed out' : `exited ${r.exitCode ?? r.signal}`}).`);
  } catch (e) {
    say(`desktop notification failed: ${(e as Error).message}`);
  }
}

async function webhook(url: string, event: NotifyEvent, io: NotifyIo, say: (m: string) => void): Promise<void> {
  // The URL itself may be a secret (Slack/Discord hooks are): name only its host in logs.
  let host = 'the webhook';
  try {
    host = new URL(url).host;
  } catch {
    // an invalid URL fails below and is logged without it
  }
  let body: string;
  try {
    body = JSON.stringify({ kind: event.kind, title: event.title, summary: event.summary });
  } catch (e) {
    say(`webhook notification not sent: the summary cannot be written as JSON (${(e as Error).message}).`);
    return;
  }
  const timeout = io.webhookTimeoutMs ?? 5000;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(timeout),
    });
    await res.body?.cancel().catch(() => undefined);
    if (!res.ok) say(`webhook notification to ${host} failed: HTTP ${res.status}.`);
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    const why = err.name === 'TimeoutError' ? `no answer in ${timeout / 1000} s` : (err.cause?.code ?? err.message);
    say(`webhook notification to ${host} failed: ${why}.`);
  }
}
