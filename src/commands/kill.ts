import { UsageError } from '../errors.js';
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('kill')
    .description('end a supervised session (supervisor, agent and all its processes), or all of ours with --all')
    .argument('[name]', 'session name, e.g. apr5; for lanes apr5 (all of them) or apr5:gpu1 (one)')
    .option('--all', 'end every autoresearch session on our tmux socket')
    .option('--clean', "lanes: archive each lane's ledger and state into .autoresearch/<tag>/ and remove its worktree (branches stay)")
    .option('--force', 'with --clean: remove a worktree even when a kept commit of its lane is on no branch or tag')
    .action(async (name: string | undefined, opts: { all?: boolean; clean?: boolean; force?: boolean }) => {
      const { killSessionsAndLanes } = await import('../lanes/control.js');
      const { Tmux } = await import('../adapters/tmux.js');
      if (opts.force && !opts.clean) throw new UsageError('--force only goes with --clean.');
      const lines = await killSessionsAndLanes(new Tmux(), { name, all: !!opts.all, cwd: process.cwd(), clean: !!opts.clean, force: !!opts.force });
      for (const l of lines) process.stdout.write(l + '\n');
      if (lines.some((l) => l.startsWith('Not removed'))) process.exitCode = 1;
    });
}
