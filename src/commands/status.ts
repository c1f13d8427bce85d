import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('status')
    .description('sessions on the autoresearch tmux socket: state, turns, runs, best, current task, uptime')
    .option('--json', 'print a JSON array')
    .action(async (opts: { json?: boolean }) => {
      const { collectStatus, formatStatus } = await import('../supervisor/status.js');
      const { Tmux } = await import('../adapters/tmux.js');
      const rows = await collectStatus(new Tmux(), { cwd: process.cwd() });
      process.stdout.write(opts.json ? JSON.stringify(rows, null, 2) + '\n' : formatStatus(rows));
    });
}
