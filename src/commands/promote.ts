import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('promote')
    .description("carry a lane's best (or any commit) onto another lane, as an experiment there, or onto a new branch")
    .argument('<source>', 'a lane (apr5:gpu1, or gpu1 when unambiguous): its best kept commit; or any commit')
    .option('--to <lane>', "run it as an experiment on this lane's last kept commit (keep or discard as usual)")
    .option('--branch <name>', 'create this branch at that commit')
    .option('--json', 'print the result as JSON')
    .option('-C, --repo <dir>', 'research repo or one of its lanes (default: current folder)')
    .action(async (source: string, opts: { to?: string; branch?: string; json?: boolean; repo?: string }) => {
      const path = await import('node:path');
      const { promote } = await import('../lanes/promote.js');
      const { formatResult } = await import('../engine/format.js');
      const { interruptOnSignals } = await import('./init.js');
      const ac = interruptOnSignals();
      try {
        const r = await promote({
          cwd: path.resolve(opts.repo ?? process.cwd()),
          source,
          to: opts.to,
          branch: opts.branch,
          out: opts.json ? undefined : (l) => process.stdout.write(l + '\n'),
          signal: ac.signal,
        });
        if (opts.json) process.stdout.write(JSON.stringify(r) + '\n');
        else if (r.kind === 'lane') process.stdout.write(formatResult(r.result));
        if (ac.signal.aborted) process.exitCode = 130;
      } finally {
        ac.dispose();
      }
    });
}
