// report.html: the same table and chart as one static file, opened from disk in Chromium with no server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { cli, requireBuild } from '../helpers/repo.js';
import { appendRun, cleanup, launchBrowser, makeNight, record } from './helpers.js';

const XSS = '<img src=x onerror=alert(1)></script><script>alert(2)</script>';
let browser: Browser;
let repo: string;

beforeAll(async () => {
  requireBuild();
  repo = makeNight({ plain: 30 }).repo;
  appendRun(repo, 'mar5', record('mar5', 31, { description: XSS, value: 1.2, status: 'discard' }));
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  cleanup();
});

describe('report.html', () => {
  it('is written by report, needs nothing from the network, and shows every run with hostile text as text', async () => {
    const r = await cli(['report', '--tag', 'mar5'], { cwd: repo });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toContain('report.html');
    const file = path.join(repo, '.autoresearch', 'mar5', 'report', 'report.html');
    expect(existsSync(file)).toBe(true);
    const html = readFileSync(file, 'utf8');
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    expect(statSync(file).size).toBeLessThan(300 * 1024);
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const requests: string[] = [];
    page.on('request', (q) => requests.push(q.url()));
    await page.goto('file://' + file);
    await page.waitForFunction(() => document.getElementById('run-count')?.textContent === '31 runs');
    expect(await page.locator('#chart canvas').count()).toBeGreaterThan(0);
    await page.fill('#text-filter', 'onerror');
    await page.waitForFunction(() => document.getElementById('run-count')?.textContent?.startsWith('1 of'));
    expect(await page.locator('tr.run td.desc').innerText()).toBe(XSS);
    expect(await page.locator('main img').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
    await page.close();
  });
});
