import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { findOnPath, notify, summaryLines, type NotifyEvent } from '../src/notify.js';

const event: NotifyEvent = { kind: 'new-best', title: 'mar5: new best val_bpb 0.986400', summary: { run: 8, value: 0.9864, description: 'warmup 5% then LR decay' } };
const off = { webhook: null, bell: false, desktop: false };

const tmpDirs: string[] = [];
function tmpDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'ar-notify-'));
  tmpDirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

let server: Server | null = null;
afterEach(async () => {
  if (server) await new Promise((r) => server!.close(r));
  server = null;
});

async function listen(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<string> {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('webhook', () => {
  it('POSTs exactly the event as JSON', async () => {
    let got: { method?: string; type?: string; body?: unknown; url?: string } = {};
    const url = await listen((req, body, res) => {
      got = { method: req.method, type: req.headers['content-type'], body: JSON.parse(body), url: req.url };
      res.end('ok');
    });
    const logs: string[] = [];
    await notify(event, { ...off, webhook: `${url}/hook` }, (m) => logs.push(m));
    expect(got).toEqual({ method: 'POST', type: 'application/json', url: '/hook', body: { kind: 'new-best', title: event.title, summary: event.summary } });
    expect(logs).toEqual([]);
  });

  it('logs a server error instead of throwing, without the secret path', async () => {
    const url = await listen((_req, _body, res) => {
      res.statusCode = 500;
      res.end('boom');
    });
    const logs: string[] = [];
    await expect(notify(event, { ...off, webhook: `${url}/T000/B000/SECRET` }, (m) => logs.push(m))).resolves.toBeUndefined();
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/^webhook notification to 127\.0\.0\.1:\d+ failed: HTTP 500\.$/);
    expect(logs[0]).not.toContain('SECRET');
  });

  it('logs a server that is not listening', async () => {
    const url = await listen(() => undefined);
    await new Promise((r) => server!.close(r));
    server = null;
    const logs: string[] = [];
    await notify(event, { ...off, webhook: url }, (m) => logs.push(m));
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/failed: ECONNREFUSED\.$/);
  });

  it('gives up on a server that never answers', async () => {
    const url = await listen(() => undefined); // never responds
    const logs: string[] = [];
    await notify(event, { ...off, webhook: url }, (m) => logs.push(m), { webhookTimeoutMs: 200 });
    expect(logs).toEqual([expect.stringMatching(/failed: no answer in 0\.2 s\.$/)]);
    server!.closeAllConnections();
  });

  it('works without a logger and survives a throwing one', async () => {
    const url = await listen((_req, _body, res) => {
      res.statusCode = 404;
      res.end();
    });
    await expect(notify(event, { ...off, webhook: url })).resolves.toBeUndefined();
    await expect(
      notify(event, { ...off, webhook: url }, () => {
        throw new Error('logger down');
      }),
    ).resolves.toBeUndefined();
  });

  it('logs a summary that cannot be JSON', async () => {
    const logs: string[] = [];
    await notify({ ...event, summary: { big: 1n } }, { ...off, webhook: 'http://127.0.0.1:9/' }, (m) => logs.push(m));
    expect(logs[0]).toMatch(/^webhook notification not sent: the summary cannot be written as JSON/);
  });
});

describe('bell', () => {
  it('rings on a TTY only, and only when enabled', async () => {
    const writes: string[] = [];
    const tty = { isTTY: true, write: (s: string) => writes.push(s) };
    await notify(event, { ...off, bell: true }, undefined, { stderr: tty });
    await notify(event, { ...off, bell: false }, undefined, { stderr: tty });
    await notify(event, { ...off, bell: true }, undefined, { stderr: { isTTY: false, write: (s: string) => writes.push(s) } });
    expect(writes).toEqual(['\x07']);
  });
});

describe('desktop', () => {
  function fakeNotifySend(script: string): string {
    const dir = tmpDir();
    const file = path.join(dir, 'notify-send');
    writeFileSync(file, `#!/bin/sh\n${script}\n`);
    chmodSync(file, 0o755);
    return file;
  }

  it('runs notify-send with the title and summary as arguments', async () => {
    const out = path.join(tmpDir(), 'args');
    const prog = fakeNotifySend(`for a in "$@"; do printf '%s\\n--\\n' "$a" >> '${out}'; done`);
    const logs: string[] = [];
    await notify(event, { ...off, desktop: true }, (m) => logs.push(m), { findProgram: () => prog });
    expect(readFileSync(out, 'utf8').split('\n--\n').slice(0, 3)).toEqual([
      '--app-name=autoresearch',
      event.title,
      'run: 8\nvalue: 0.9864\ndescription: warmup 5% then LR decay',
    ]);
    expect(logs).toEqual([]);
  });

  it('logs a failing notify-send', async () => {
    const prog = fakeNotifySend('exit 3');
    const logs: string[] = [];
    await notify(event, { ...off, desktop: true }, (m) => logs.push(m), { findProgram: () => prog });
    expect(logs).toEqual(['desktop notification failed (notify-send exited 3).']);
  });

  it('does nothing without notify-send', async () => {
    const logs: string[] = [];
    await notify(event, { ...off, desktop: true }, (m) => logs.push(m), { findProgram: () => null });
    expect(logs).toEqual([]);
  });

  it('finds programs on PATH', () => {
    const prog = fakeNotifySend('true');
    expect(findOnPath('notify-send', `/nonexistent${path.delimiter}${path.dirname(prog)}`)).toBe(prog);
    expect(findOnPath('notify-send', '/nonexistent')).toBeNull();
  });
});

describe('summaryLines', () => {
  it('writes strings as they are and other values as JSON', () => {
    expect(summaryLines({ a: 'x', b: 2, c: { d: [1] } })).toBe('a: x\nb: 2\nc: {"d":[1]}');
  });
});
