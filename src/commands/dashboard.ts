import { InvalidArgumentError, type Command } from 'commander';

interface DashboardFlags {
  port?: number;
  host?: string;
  open?: boolean;
  allowActions?: boolean;
  repo?: string;
}

function portNumber(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || n > 65535) throw new InvalidArgumentError('must be a port number from 0 to 65535.');
  return n;
}

export function register(program: Command): void {
  program
    .command('dashboard')
    .description('serve a live page of every session, lane and run of this repository (read-only unless --allow-actions)')
    .option('--port <n>', 'port to listen on (0: any free port)', portNumber)
    .option('--host <address>', 'address to listen on (default 127.0.0.1; any other needs the printed token)')
    .option('--open', 'open the page in a browser')
    .option('--allow-actions', 'let the page add tasks, stop lanes and promote (each request carries a per-run token)')
    .option('--repo <dir>', 'research repo (default: current folder)')
    .action(async (flags: DashboardFlags) => {
      const { serveDashboard } = await import('../dashboard/serve.js');
      process.exitCode = await serveDashboard({ cwd: flags.repo ?? process.cwd(), port: flags.port, host: flags.host, open: !!flags.open, allowActions: !!flags.allowActions });
    });
}
