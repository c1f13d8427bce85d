import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('kill')
    .description('end a supervised session (supervisor, agent and all its processes), or all of ours with --all')
    .argument('[name]', 'session name, e.g. apr5')
    .option('--all', 'end every autoresearch session on our tmux socket')
    .action(async (name: string | undefined, opts: { all?: boolean }) => {
      const { killSessions } = await import('../supervisor/control.js');
      const { Tmux } = await import('../adapters/tmux.js');
      const lines = await killSessions(new Tmux(), { name, all: !!opts.all, cwd: process.cwd() });
      for (const l of lines) process.stdout.write(l + '\n');
    });
}
