// `ar-supervise dashboard`: find the repository, serve until Ctrl-C, say where.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { openUrl } from '../adapters/procs.js';
import { UsageError } from '../errors.js';
import { mainRepoOf } from '../lanes/manifest.js';
import { DEFAULT_PORT, startDashboard, type Dashboard } from './server.js';

export interface ServeOptions {
  cwd: string;
  port?: number;
  host?: string;
  open?: boolean;
  allowActions?: boolean;
  out?: (line: string) => void;
  signal?: AbortSignal;
}

/** The repository a dashboard shows: the main checkout of cwd (a lane's worktree shows its whole set). */
export function dashboardRepo(cwd: string): string {
  const dir = path.resolve(cwd);
  if (!existsSync(dir)) throw new UsageError(`${dir} does not exist.`);
  return mainRepoOf(dir) ?? dir;
}

/** Start a dashboard and print its address and what it allows. */
export async function openDashboard(o: ServeOptions): Promise<Dashboard> {
  const out = o.out ?? ((l: string) => process.stdout.write(l + '\n'));
  const repo = dashboardRepo(o.cwd);
  const d = await startDashboard({ repo, host: o.host, port: o.port, allowActions: o.allowActions });
  out(`Dashboard for ${repo}: ${d.url}`);
  if (d.token) out(`  Listening on ${d.host}: every request needs the token above (the address carries it); keep it to yourself.`);
  out(d.actionToken ? '  Actions are allowed: the page can add tasks, stop lanes and promote.' : '  Read-only: nothing on the page can change a session, a ledger or a branch.');
  return d;
}

/** A dashboard beside a session: read-only on 127.0.0.1, the default port when free, else any. */
export async function sessionDashboard(cwd: string): Promise<Dashboard> {
  const repo = dashboardRepo(cwd);
  try {
    return await startDashboard({ repo, port: DEFAULT_PORT });
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return startDashboard({ repo, port: 0 });
  }
}

/** Serve until Ctrl-C (or the signal); exit code 0. */
export async function serveDashboard(o: ServeOptions): Promise<number> {
  const d = await openDashboard(o);
  const out = o.out ?? ((l: string) => process.stdout.write(l + '\n'));
  out('  Stop it with Ctrl-C.');
  if (o.open) openUrl(d.url).catch(() => out('  (no browser could be opened; open the address yourself)'));
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(s, stop);
    o.signal?.addEventListener('abort', stop, { once: true });
  });
  await d.close();
  return 0;
}
