// The server's doors: a loopback bind answers only loopback names; any other bind answers nothing without
// its token; nothing but GET is taken while actions are off.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBuild } from '../helpers/repo.js';
import { cleanup, get, makeNight, serve, type Served } from './helpers.js';

const ROUTES = ['/', '/app.js', '/app.css', '/api/snapshot', '/api/events', '/api/pane?tag=mar5', '/api/diff?tag=mar5&id=1', '/api/log?tag=mar5&id=1', '/nothing-here'];
let open: Served;
let shared: Served;

beforeAll(async () => {
  requireBuild();
  const { repo } = makeNight();
  [open, shared] = await Promise.all([serve(repo), serve(repo, ['--host', '127.0.0.2'])]);
}, 120_000);
afterAll(async () => {
  await Promise.all([open?.stop(), shared?.stop()]);
  cleanup();
});

describe('dashboard server', () => {
  it('on another host prints a token and answers 401 to every request without it', async () => {
    expect(shared.token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(shared.out).toContain('needs the token');
    const base = new URL(shared.url);
    base.search = '';
    for (const r of ROUTES) {
      const res = await get(new URL(r, base).href);
      expect(res.status, r).toBe(401);
      expect(res.body).not.toContain('mar5');
      const t = shared.token!;
      const wrong = await get(new URL(r, base).href, { headers: { 'X-AR-Token': t.slice(0, -1) + (t.endsWith('x') ? 'y' : 'x') } });
      expect(wrong.status, r).toBe(401);
    }
    // With it (header, bearer or query), the same routes answer.
    expect((await get(new URL('/api/snapshot', base).href, { headers: { 'X-AR-Token': shared.token! } })).status).toBe(200);
    expect((await get(new URL('/api/snapshot', base).href, { headers: { Authorization: `Bearer ${shared.token}` } })).status).toBe(200);
    const page = await get(shared.url);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<script src="app.js"');
    const ev = await get(new URL(`/api/events?token=${shared.token}`, base).href, { until: 'event: snapshot' });
    expect(ev.status).toBe(200);
    expect(ev.body).toContain('"tag":"mar5"');
  });

  it('on loopback needs no token, refuses another Host name, and takes nothing but GET', async () => {
    expect(open.token).toBeNull();
    expect(open.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(open.out).toContain('Read-only');
    expect((await get(open.url + 'api/snapshot')).status).toBe(200);
    expect((await get(open.url + 'api/snapshot', { headers: { Host: `localhost:${new URL(open.url).port}` } })).status).toBe(200);
    const rebound = await get(open.url + 'api/snapshot', { headers: { Host: 'attacker.example:80' } });
    expect(rebound.status).toBe(403);
    expect(rebound.body).not.toContain('mar5');
    for (const method of ['POST', 'PUT', 'DELETE']) expect((await get(open.url + 'api/actions/task', { method, body: '{}' })).status, method).toBe(405);
    const page = await get(open.url);
    expect(String(page.headers['content-security-policy'])).toContain("script-src 'self'");
    expect(page.body).not.toContain('ar-actions');
  });

  it('sends the runs as columns, and the stream repeats the snapshot only when something changed since the page got it', async () => {
    const page = await get(open.url);
    expect(page.body).toContain('<link rel="preload" href="api/snapshot" as="fetch" crossorigin="anonymous">');
    const snap = JSON.parse((await get(open.url + 'api/snapshot')).body);
    expect(snap.runs).toEqual([]);
    expect(snap.columns.id.length).toBeGreaterThan(5);
    expect(snap.columns.tag).toContain('mar5');
    expect(Number.isInteger(snap.seq)).toBe(true);
    const same = await get(`${open.url}api/events?since=${snap.seq}`, { until: 'data: ' });
    expect(same.body).toContain('event: hello');
    expect(same.body).not.toContain('event: snapshot');
    const stale = await get(`${open.url}api/events?since=${snap.seq - 1}`, { until: '"columns":' });
    expect(stale.body).toContain(`event: snapshot\nid: ${snap.seq}\n`);
    const reconnect = await get(`${open.url}api/events`, { headers: { 'Last-Event-ID': String(snap.seq) }, until: 'data: ' });
    expect(reconnect.body).toContain('event: hello');
  });
});
