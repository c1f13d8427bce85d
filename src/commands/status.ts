import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('status')
    .description('sessions on the autoresearch tmux socket: state, turns, runs, best, current task, uptime')
    .argument('[name]', 'only this session; for lanes apr5 (all of them, with the best across lanes) or apr5:gpu1')
    .option('--json', 'print a JSON array')
    .action(async (name: string | undefined, opts: { json?: boolean }) => {
      const { collectStatus, formatStatus } = await import('../supervisor/status.js');
      const { Tmux } = await import('../adapters/tmux.js');
      let rows = await collectStatus(new Tmux(), { cwd: process.cwd() });
      if (name) {
        const { filterStatus } = await import('../lanes/status.js');
        rows = filterStatus(rows, name, process.cwd());
        if (rows.length === 0) {
          const { UsageError } = await import('../errors.js');
          throw new UsageError(`there is no session named ${name}.`);
        }
      }
      process.stdout.write(opts.json ? JSON.stringify(rows, null, 2) + '\n' : formatStatus(rows));
    });
}
