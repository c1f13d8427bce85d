// Actions only with --allow-actions, each with the page's action token in a header: add a task (into the
// session's inbox, which the supervisor reads after each turn), stop a lane (its supervisor gets SIGTERM).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Browser } from 'playwright-core';
import { requireBuild } from '../helpers/repo.js';
import { cleanup, fakeSupervisor, get, launchBrowser, makeNight, serve, writeSupervisor, type Served } from './helpers.js';

let served: Served;
let night: ReturnType<typeof makeNight>;
let sup: ChildProcess;
let browser: Browser;

beforeAll(async () => {
  requireBuild();
  night = makeNight();
  sup = fakeSupervisor('mar5');
  writeSupervisor(night.repo, 'mar5', sup.pid!, 'artest-none');
  served = await serve(night.repo, ['--allow-actions']);
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await served?.stop();
  sup?.kill();
  cleanup();
});

const inbox = (home: string, tag: string) => path.join(home, '.autoresearch', tag, 'tasks.inbox.jsonl');

describe('dashboard actions', () => {
  it('refuse a request without the action token, or not as JSON', async () => {
    expect(served.out).toContain('Actions are allowed');
    const page = await get(served.url);
    const token = /<meta name="ar-actions" content="([^"]+)">/.exec(page.body)?.[1];
    expect(token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    const body = JSON.stringify({ tag: 'mar5', text: 'sneaky', priority: 1 });
    const json = { 'Content-Type': 'application/json' };
    expect((await get(served.url + 'api/actions/task', { method: 'POST', body, headers: json })).status).toBe(403);
    expect((await get(served.url + 'api/actions/task', { method: 'POST', body, headers: { ...json, 'X-AR-Action': token!.slice(1) } })).status).toBe(403);
    // A form post (what another site could make a browser send) has no header and no JSON type.
    expect((await get(served.url + 'api/actions/task', { method: 'POST', body: 'tag=mar5&text=x', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-AR-Action': token! } })).status).toBe(415);
    const bad = await get(served.url + 'api/actions/task', { method: 'POST', body: JSON.stringify({ tag: 'nope', text: 'x' }), headers: { ...json, 'X-AR-Action': token! } });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toContain('no session or lane "nope"');
    const promote = await get(served.url + 'api/actions/promote', { method: 'POST', body: JSON.stringify({ from: 'mar5', to: 'apr5-gpu0' }), headers: { ...json, 'X-AR-Action': token! } });
    expect(promote.status).toBe(400);
    expect(existsSync(inbox(night.repo, 'mar5'))).toBe(false);
  });

  it('add a task from the page, and stop a lane', async () => {
    const page = await browser.newPage();
    await page.goto(served.url);
    await page.waitForSelector('#task-button');
    await page.selectOption('#task-lane', 'mar5');
    await page.fill('#task-text', 'try <b>RMSNorm</b> next');
    await page.fill('#task-priority', '7');
    await page.click('#task-button');
    await page.waitForFunction(() => document.getElementById('action-answer')?.textContent?.includes('Task added'));
    const lines = readFileSync(inbox(night.repo, 'mar5'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toMatchObject([{ text: 'try <b>RMSNorm</b> next', priority: 7 }]);
    // Stop takes two clicks; then the supervisor gets SIGTERM.
    const exited = new Promise<NodeJS.Signals | null>((r) => sup.once('exit', (_c, sig) => r(sig)));
    await page.selectOption('#stop-lane', 'mar5');
    await page.click('#stop-button');
    await page.click('#stop-button');
    await page.waitForFunction(() => document.getElementById('action-answer')?.textContent?.includes('Stopping'));
    expect(await exited).toBe('SIGTERM');
    await page.close();
  });
});
