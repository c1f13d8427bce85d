// Who may talk to the dashboard: a loopback server answers only requests addressed to a loopback name (no
// DNS rebinding); any other bind needs the access token on every request; actions need the per-run action
// token in a header (never a cookie, so no other site can make a browser send it).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const LOOPBACK_BINDS = new Set(['127.0.0.1', 'localhost', '::1']);

/** Whether binding to `host` is private to this machine's user sessions (no token needed). */
export function isLoopbackBind(host: string): boolean {
  return LOOPBACK_BINDS.has(host);
}

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export function sameToken(given: string | null | undefined, want: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(want);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The Host header names this machine's loopback (any port: `ssh -L` may forward from another). */
export function loopbackHostHeader(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  return name === 'localhost' || name === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

/** The access token a request carries: header X-AR-Token, Authorization: Bearer, or ?token= (EventSource cannot set headers). */
export function requestToken(req: IncomingMessage, url: URL): string | null {
  const h = req.headers['x-ar-token'];
  if (typeof h === 'string') return h;
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7);
  return url.searchParams.get('token');
}
