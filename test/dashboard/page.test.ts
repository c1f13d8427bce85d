// The page in a real headless Chromium against the real `ar-supervise dashboard`: sessions and runs listed,
// a run, a state change and pane lines arrive without a reload, the filter works, hostile text stays text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { Tmux } from '../../src/adapters/tmux.js';
import { requireBuild, ROOT } from '../helpers/repo.js';
import { appendRun, cleanup, fakeSupervisor, launchBrowser, makeNight, record, serve, writeSupervisor, type Served } from './helpers.js';

const SOCKET = `artest-${process.pid}-dash`;
const tmux = new Tmux(SOCKET);
const XSS = '<img src=x onerror=alert(1)>';
const PANE_XSS = '<script>alert("pane")</script>';
const LOG_XSS = '<img src=x onerror=alert("log")>';
let browser: Browser;
let served: Served;
let night: ReturnType<typeof makeNight>;
let sup: ChildProcess;
let page: Page;
const dialogs: string[] = [];

beforeAll(async () => {
  requireBuild();
  night = makeNight({ plain: 24, lanes: 36 });
  const gpu0 = night.lanes[0]!;
  sup = fakeSupervisor(gpu0.tag);
  writeSupervisor(gpu0.home, gpu0.tag, sup.pid!, SOCKET);
  // The lane's agent: a real tmux pane showing a captured coloured Claude Code screen whose text holds a script
  // tag, then cat (which echoes what is typed into it).
  const screen = readFileSync(path.join(ROOT, 'test/fixtures/screens/claude/ready.ansi.txt'), 'utf8').split('\n').slice(0, 9).join('\n').replace('Welcome back!', PANE_XSS);
  const screenFile = path.join(gpu0.home, 'screen.ansi');
  writeFileSync(screenFile, screen + '\x1b[0m\n');
  await tmux.newSession({ name: `ar-${gpu0.tag}`, cwd: gpu0.home, argv: ['sh', '-c', 'cat screen.ansi; exec cat'], width: 200, height: 20 });
  await tmux.sendLiteral(`ar-${gpu0.tag}`, 'agent says hello');
  // A run in progress on gpu0, with its log.
  writeFileSync(path.join(gpu0.home, 'autoresearch.yaml'), 'budget_seconds: 300\n');
  writeFileSync(path.join(gpu0.home, '.autoresearch', gpu0.tag, 'logs', '9.log'), 'step 10 loss 3.2\n\x1b[32mstep 20 loss 2.9\x1b[0m\n');
  writeFileSync(
    path.join(gpu0.home, '.autoresearch', gpu0.tag, 'pending.json'),
    JSON.stringify({ id: 9, pid: null, runner: sup.pid, commit: '', parent: '', description: 'rotary embeddings', start: new Date(Date.now() - 95_000).toISOString(), log: `.autoresearch/${gpu0.tag}/logs/9.log` }),
  );
  // Two runs of a parallel sweep in flight on mar5 (one queued on Slurm).
  for (const [n, job] of [[1, undefined], [2, { engine: 'slurm', id: '812', name: 'ar-mar5-s1', place: { state: 'queued', queuedMs: 0, reason: 'Resources' } }]] as const) {
    const m = { id: 0, pid: null, runner: sup.pid, commit: 'c', parent: 'p', description: `point ${n}`, start: new Date().toISOString(), log: `.autoresearch/mar5/logs/b${n}.log`, ...(job ? { job } : {}) };
    writeFileSync(path.join(night.repo, '.autoresearch', 'mar5', `pending-${n}.json`), JSON.stringify(m));
    const steps = Array.from({ length: 20 }, (_, i) => `point ${n} step ${i}`).join('\n');
    writeFileSync(path.join(night.repo, '.autoresearch', 'mar5', 'logs', `b${n}.log`), `${steps}\n\x1b[1mpoint ${n} says ${LOG_XSS}\x1b[0m\n`);
  }
  appendRun(night.repo, 'mar5', record('mar5', 25, { description: XSS, status: 'discard', value: 1.01, crashReason: undefined }));
  served = await serve(night.repo);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(served.url);
  await page.waitForFunction(() => document.getElementById('run-count')?.textContent?.includes('runs'));
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await served?.stop();
  sup?.kill();
  await tmux.killServer();
  cleanup();
});

const text = (p: Page, sel: string) => p.locator(sel).innerText();

describe('the dashboard page', () => {
  it('lists every session and lane, and every run', async () => {
    // mar5: 25 runs; apr5:gpu0 36; apr5:gpu1 37.
    expect(await text(page, '#run-count')).toBe('98 runs');
    const lanes = await page.locator('tr.lane').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.tag));
    expect(lanes).toEqual(['apr5-gpu0', 'apr5-gpu1', 'mar5']);
    const gpu0 = await text(page, 'tr.lane[data-tag="apr5-gpu0"]');
    expect(gpu0).toContain('busy');
    expect(gpu0).toContain('try RMSNorm instead of LayerNorm');
    expect(gpu0).toContain('local');
    expect(gpu0).toContain('#9');
    expect(gpu0).toContain('/ 5m00s');
    expect(await text(page, 'tr.lane[data-tag="mar5"]')).toContain('idle');
    expect(await text(page, 'tr.lane[data-tag="mar5"] .in-flight-count')).toBe('2 runs in flight');
    expect(await text(page, 'tr.lane[data-tag="apr5-gpu1"]')).toContain('idle');
  });

  it('shows the agent pane in its colours with its text as text, the current run log ANSI stripped, and new pane lines live', async () => {
    await page.waitForFunction(() => document.getElementById('pane')?.textContent?.includes('agent says hello'), null, { timeout: 20_000 });
    const pane = await page.locator('#pane').textContent();
    expect(pane).toContain(PANE_XSS);
    expect(pane).toContain('Tips for getting started');
    expect(pane).not.toMatch(/\x1b|\[38;5;/);
    expect(await page.locator('#pane script').count()).toBe(0);
    const styled = await page.locator('#pane span').evaluateAll((spans) => spans.map((s) => ({ t: s.textContent, color: (s as HTMLElement).style.color, bold: (s as HTMLElement).style.fontWeight })));
    expect(styled).toContainEqual({ t: 'Claude Code', color: 'rgb(215, 135, 135)', bold: '' });
    expect(styled.find((s) => s.t?.includes(PANE_XSS))).toMatchObject({ bold: 'bold' });
    const log = await text(page, '#run-log');
    expect(log).toContain('step 20 loss 2.9');
    expect(log).not.toContain('\x1b');
    await tmux.sendLiteral(`ar-${night.lanes[0]!.tag}`, ' and then some more');
    await page.waitForFunction(() => document.getElementById('pane')?.textContent?.includes('and then some more'), null, { timeout: 20_000 });
  });

  it('shows a run appended to a ledger, and a state change, without a reload', async () => {
    const marker = await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    const job = { engine: 'slurm', id: '813', node: 'a07', queuedSeconds: 12, state: 'COMPLETED' };
    appendRun(night.repo, 'mar5', record('mar5', 26, { description: 'appended while the page is open', status: 'keep', value: 0.95, job }));
    await page.waitForFunction(() => document.body.innerText.includes('appended while the page is open'), null, { timeout: 20_000 });
    // It trained as a Slurm job: the statistics say so.
    await page.waitForFunction(() => [...document.querySelectorAll('.stats dd.cluster')].some((d) => d.textContent === 'slurm: 1 job on 1 node; queued 0:12 in all, median 0:12'), null, { timeout: 20_000 });
    expect(await text(page, '#run-count')).toBe('99 runs');
    const gpu0 = night.lanes[0]!;
    writeSupervisor(gpu0.home, gpu0.tag, sup.pid!, SOCKET, { state: 'ready', currentTask: 'next: try SwiGLU' });
    await page.waitForFunction(() => document.querySelector('tr.lane[data-tag="apr5-gpu0"]')?.textContent?.includes('next: try SwiGLU'), null, { timeout: 20_000 });
    expect(await text(page, 'tr.lane[data-tag="apr5-gpu0"] .state')).toBe('ready');
    // The same page (no reload happened).
    expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(marker);
  });

  it('filters by text and by status, and sorts', async () => {
    await page.fill('#text-filter', 'LR');
    await page.waitForFunction(() => document.getElementById('run-count')?.textContent?.includes(' of '));
    const shown = await page.locator('tr.run').evaluateAll((rows) => rows.map((r) => r.querySelector('td.desc')?.textContent ?? ''));
    expect(shown.length).toBeGreaterThan(0);
    for (const d of shown) expect(d.toLowerCase()).toContain('lr');
    expect(await text(page, '#run-count')).toBe(`${shown.length} of 99 runs`);
    await page.fill('#text-filter', '');
    // Each wait is for a count only the new filter can draw (the count is drawn with the rows).
    await page.waitForFunction(() => document.getElementById('run-count')?.textContent === '99 runs');
    await page.selectOption('#status-filter', 'crash');
    await page.waitForFunction(() => document.getElementById('run-count')?.textContent?.includes(' of '));
    const statuses = await page.locator('tr.run').evaluateAll((rows) => rows.map((r) => r.className));
    expect(statuses.length).toBe(4 + 7 + 7); // every fifth run of each ledger
    expect(await text(page, '#run-count')).toBe('18 of 99 runs');
    for (const c of statuses) expect(c).toContain('crash');
    await page.selectOption('#status-filter', 'all');
    // One click sorts descending, the next ascending; each waits for its arrow (a click on a header being redrawn is lost).
    await page.click('th[data-key="value"]');
    await page.waitForFunction(() => document.querySelector('th[data-key="value"]')?.textContent?.includes('▼'));
    await page.click('th[data-key="value"]');
    await page.waitForFunction(() => document.querySelector('th[data-key="value"]')?.textContent?.includes('▲'));
    const values = await page.locator('tr.run').evaluateAll((rows) => rows.map((r) => Number(r.children[3]?.textContent)).filter((v) => Number.isFinite(v)));
    expect(values.length).toBeGreaterThan(5);
    expect(values).toEqual([...values].sort((a, b) => a - b));
  });

  it('shows a hostile description as text, and nothing runs', async () => {
    await page.selectOption('#status-filter', 'all');
    await page.fill('#text-filter', 'onerror');
    await page.waitForFunction(() => document.getElementById('run-count')?.textContent?.startsWith('1 of'));
    expect(await page.locator('tr.run').count()).toBe(1);
    expect(await text(page, 'tr.run td.desc')).toBe(XSS);
    expect(await page.locator('main img').count()).toBe(0);
    await page.click('tr.run');
    await page.waitForFunction(() => !document.getElementById('detail')?.textContent?.startsWith('Loading'));
    await page.fill('#text-filter', '');
    expect(dialogs).toEqual([]);
  });

  it('shows each run in flight with its own last lines, as text, live', async () => {
    await page.click('tr.lane[data-tag="mar5"]');
    const tails = () => page.locator('#in-flight pre.run-tail').evaluateAll((pres) => pres.map((p) => p.textContent ?? ''));
    await page.waitForFunction(() => {
      const pres = [...document.querySelectorAll('#in-flight pre.run-tail')].map((p) => p.textContent ?? '');
      return pres.length === 2 && pres[0]!.includes('point 1 says') && pres[1]!.includes('point 2 says');
    });
    const [one, two] = await tails();
    for (const [n, t] of [[1, one!], [2, two!]] as const) {
      expect(t.split('\n')).toEqual([...Array.from({ length: 9 }, (_, i) => `point ${n} step ${11 + i}`), `point ${n} says ${LOG_XSS}`]);
    }
    expect(await page.locator('#in-flight img').count()).toBe(0);
    expect(await page.locator('#run-log').isHidden()).toBe(true);
    // A line the first run writes shows in its box, without a reload.
    appendFileSync(path.join(night.repo, '.autoresearch', 'mar5', 'logs', 'b1.log'), 'point 1 step 20 written while watched\n');
    await page.waitForFunction(() => document.querySelector('#in-flight pre.run-tail')?.textContent?.endsWith('point 1 step 20 written while watched'), null, { timeout: 20_000 });
    expect((await tails())[1]).toBe(two);
    expect(dialogs).toEqual([]);
  });

  it('keeps a screenshot of the page', async () => {
    const dir = path.join(ROOT, 'test-artifacts');
    mkdirSync(dir, { recursive: true });
    await page.click('tr.lane[data-tag="apr5-gpu0"]');
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(dir, 'dashboard.png'), fullPage: true });
  });
});
