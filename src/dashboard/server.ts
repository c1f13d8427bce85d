// The dashboard's HTTP server (node:http: a dozen routes and one event stream need no framework).
// Every answer passes through one redactor, so no API key reaches a page, whatever the agent printed.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import path from 'node:path';
import { Git } from '../adapters/git.js';
import { makeRedactor } from '../secrets.js';
import { ToolError, UsageError } from '../errors.js';
import { isLoopbackBind, loopbackHostHeader, newToken, requestToken, sameToken } from './auth.js';
import { pageAssets } from '../report/html.js';
import { livePage } from './html.js';
import { inside, tailText } from './lanes.js';
import { DashboardModel, type ModelOptions } from './model.js';
import { runAction, type ActionContext } from './actions.js';
import type { Delta } from '../report/wire.js';

export interface DashboardOptions extends Omit<ModelOptions, 'repo'> {
  repo: string;
  host?: string;
  /** 0: any free port. */
  port?: number;
  allowActions?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface Dashboard {
  /** The address to open (with ?token= when one is needed). */
  url: string;
  host: string;
  port: number;
  /** The access token (binds other than loopback), else null. */
  token: string | null;
  /** The action token the page gets with --allow-actions, else null. */
  actionToken: string | null;
  model: DashboardModel;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 8787;
const MAX_DIFF = 2 * 1024 * 1024;

const SECURITY_HEADERS = {
  // Only our own script and style; nothing inline can run even if a string escaped its escaping.
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
};

export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  const host = o.host ?? '127.0.0.1';
  const token = isLoopbackBind(host) ? null : newToken();
  const actionToken = o.allowActions ? newToken() : null;
  const redact = makeRedactor(o.env ?? process.env);
  const built = pageAssets();
  if (!built) throw new ToolError('the dashboard page is not built (dist/dashboard/app.js); run "npm run build" in the package folder.');
  const assets = built;
  const model = new DashboardModel({ ...o, repo: o.repo, redact });
  model.start();
  const streams = new Set<ServerResponse>();

  const send = (res: ServerResponse, status: number, type: string, body: string) => {
    res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type });
    res.end(redact(body));
  };
  const sendText = (res: ServerResponse, status: number, body: string) => send(res, status, 'text/plain; charset=utf-8', body);
  const event = (res: ServerResponse, name: string, data: unknown, id?: number) => res.write(redact(`event: ${name}\n${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`));

  // The runs are most of a snapshot: their JSON (redacted) is kept until they change, the rest made each time.
  let runsJson: { version: number; bytes: Buffer } | null = null;
  const writeSnapshot = (res: ServerResponse, before = '', after = ''): void => {
    const { columns, ...head } = { ...model.snapshot(), actions: !!actionToken };
    if (runsJson?.version !== model.runsVersion) runsJson = { version: model.runsVersion, bytes: Buffer.from(redact(JSON.stringify(columns))) };
    res.write(`${before}${redact(JSON.stringify(head)).slice(0, -1)},"columns":`);
    res.write(runsJson.bytes);
    res.write(`}${after}`);
  };

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const p = url.pathname;
    if (req.method === 'POST' && actionToken && p.startsWith('/api/actions/')) return action(req, res, p.slice('/api/actions/'.length));
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      req.resume(); // drain the body, so the connection can serve the next request
      return sendText(res, 405, 'This dashboard is read-only.\n');
    }
    if (p === '/' || p === '/index.html') return send(res, 200, 'text/html; charset=utf-8', livePage({ repo: path.basename(model.repo), actionToken, token }));
    if (p === '/app.js') return send(res, 200, 'text/javascript; charset=utf-8', assets.js);
    if (p === '/app.css') return send(res, 200, 'text/css; charset=utf-8', assets.css);
    if (p === '/favicon.ico') {
      res.writeHead(204, SECURITY_HEADERS);
      return void res.end();
    }
    if (p === '/api/snapshot') {
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'application/json' });
      writeSnapshot(res);
      return void res.end();
    }
    if (p === '/api/events') return events(req, res, url);
    if (p === '/api/pane') return pane(req, res, url.searchParams.get('tag') ?? '');
    if (p === '/api/diff' || p === '/api/log') {
      const tag = url.searchParams.get('tag') ?? '';
      const id = Number(url.searchParams.get('id'));
      const run = Number.isInteger(id) ? model.run(tag, id) : null;
      if (!run) return sendText(res, 404, 'No such run.\n');
      if (p === '/api/log') {
        const file = run.log ? path.resolve(run.place.home, run.log) : '';
        const text = file && inside(run.place.home, file) ? tailText(file, 2000, 512 * 1024) : '';
        return sendText(res, 200, text || 'This run has no log.\n');
      }
      const r = await new Git(run.place.home).try(['show', '--stat', '--patch', '--no-color', '--no-ext-diff', `refs/autoresearch/${tag}/${id}`, '--']);
      const out = r.ok ? r.stdout : `No diff: ${r.stderr}\n`;
      return sendText(res, 200, out.length > MAX_DIFF ? out.slice(0, MAX_DIFF) + '\n[cut: the diff is over 2 MB]\n' : out);
    }
    return sendText(res, 404, 'Not found.\n');
  }

  async function action(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    const json = (status: number, o: object) => send(res, status, 'application/json', JSON.stringify(o));
    // The action token rides in a header: a page of another site cannot set it (nor read it from ours).
    if (!sameToken(req.headers['x-ar-action'] as string | undefined, actionToken!)) {
      req.resume();
      return json(403, { error: 'This action needs the page’s action token (header X-AR-Action).' });
    }
    if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
      req.resume();
      return json(415, { error: 'Send the action as application/json.' });
    }
    if (name !== 'task' && name !== 'stop' && name !== 'promote') {
      req.resume();
      return json(404, { error: `There is no action "${name}".` });
    }
    let body: Record<string, unknown>;
    try {
      const raw = await readBody(req, 64 * 1024);
      const v = JSON.parse(raw) as unknown;
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
      body = v as Record<string, unknown>;
    } catch (e) {
      return json(400, { error: `The request is not a JSON object: ${(e as Error).message}.` });
    }
    try {
      const r = await runAction(actionContext, name, body);
      model.refresh();
      return json(r.status, { message: r.message });
    } catch (e) {
      if (e instanceof UsageError) return json(400, { error: e.message });
      throw e;
    }
  }

  const actionContext: ActionContext = {
    repo: model.repo,
    place: (tag) => model.place(tag),
    sup: model.sup,
    promote: async (a) => {
      const { promote } = await import('../lanes/promote.js');
      try {
        await promote({ ...a, out: () => {} });
      } catch (e) {
        process.stderr.write(`ar-supervise: dashboard: the promotion of ${a.source} failed: ${(e as Error).message}\n`);
      }
    },
  };

  function openStream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', 'X-Accel-Buffering': 'no' });
    res.write('retry: 1000\n\n');
    streams.add(res);
    const ping = setInterval(() => res.write(': ping\n\n'), 25_000);
    ping.unref();
    req.on('close', () => {
      clearInterval(ping);
      streams.delete(res);
    });
  }

  function events(req: IncomingMessage, res: ServerResponse, url: URL): void {
    openStream(req, res);
    // The page fetched /api/snapshot first (a plain JSON answer parses far faster than a 2 MB event); the stream
    // sends a snapshot again only when something changed since that one (?since=, or Last-Event-ID on a reconnect).
    const since = Number(req.headers['last-event-id'] ?? url.searchParams.get('since') ?? NaN);
    if (since === model.seq) event(res, 'hello', { seq: model.seq }, model.seq);
    else writeSnapshot(res, `event: snapshot\nid: ${model.seq}\ndata: `, '\n\n');
    const onDelta = (d: Delta) => {
      if (d.kind !== 'pane') event(res, d.kind, d, model.seq);
    };
    model.on('delta', onDelta);
    req.on('close', () => model.off('delta', onDelta));
  }

  function pane(req: IncomingMessage, res: ServerResponse, tag: string): void {
    if (!model.place(tag)) return sendText(res, 404, 'No such session or lane.\n');
    openStream(req, res);
    const onDelta = (d: Delta) => {
      if (d.kind === 'pane' && d.tag === tag) event(res, 'pane', d);
    };
    model.on('delta', onDelta);
    const stop = model.watchPane(tag);
    req.on('close', () => {
      model.off('delta', onDelta);
      stop();
    });
  }

  const server = createServer((req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://dashboard');
    } catch {
      return sendText(res, 400, 'Bad request.\n');
    }
    // A page of another site that rebinds its name to 127.0.0.1 still sends its own Host: refused.
    if (!token && !loopbackHostHeader(req.headers.host)) return sendText(res, 403, 'This dashboard answers only on its loopback address.\n');
    if (token && !sameToken(requestToken(req, url), token)) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      return sendText(res, 401, 'This dashboard needs its access token: open the address it printed (with ?token=...).\n');
    }
    route(req, res, url).catch((e) => {
      if (!res.headersSent) sendText(res, 500, `The dashboard failed: ${(e as Error).message}\n`);
      else res.end();
    });
  });
  model.setMaxListeners(0);

  const port = o.port ?? DEFAULT_PORT;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      model.close();
      if (e.code === 'EADDRINUSE') reject(new UsageError(`port ${port} on ${host} is in use; pass another with --port (0 picks a free one).`));
      else if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') reject(new UsageError(`cannot listen on ${host}: it is not an address of this machine.`));
      else if (e.code === 'EACCES') reject(new UsageError(`port ${port} needs privileges; pass one above 1023 with --port.`));
      else reject(new ToolError(`the dashboard cannot listen on ${host}:${port}: ${e.message}.`));
    });
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  const shown = host === '0.0.0.0' || host === '::' ? hostname() : host.includes(':') ? `[${host}]` : host;
  const url = `http://${shown}:${bound}/` + (token ? `?token=${token}` : '');
  return {
    url,
    host,
    port: bound,
    token,
    actionToken,
    model,
    close: async () => {
      model.close();
      for (const s of streams) s.end();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

function readBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => {
      size += d.length;
      if (size > max) {
        reject(new Error(`it is over ${max} bytes`));
        req.destroy();
      } else parts.push(d);
    });
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}
