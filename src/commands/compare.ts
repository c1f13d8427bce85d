import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { interruptOnSignals } from './init.js';

export function register(program: Command): void {
  program
    .command('compare')
    .description('train two commits on the same seeds, interleaved, in detached worktrees, and say which is better')
    .argument('<A>', 'the first commit (sha, branch, tag or refs/autoresearch/<tag>/<n>)')
    .argument('<B>', 'the second commit')
    .option('--seeds <n>', 'runs per commit, with SEED = 0..n-1', '5')
    .option('--budget <seconds>', 'time budget per run (default: the config\'s budget_seconds)')
    .option('--parallel <k>', 'runs side by side (default: all of them on Slurm, one at a time locally)')
    .option('--json', 'print the raw results as JSON')
    .option('-C, --repo <dir>', 'research repo (default: current folder)')
    .action(async (a: string, b: string, opts: { seeds: string; budget?: string; json?: boolean; repo?: string; parallel?: string }) => {
      const { validateSeeds, runCompare } = await import('../compare/run.js');
      const { formatComparison } = await import('../compare/format.js');
      const seeds = validateSeeds(opts.seeds);
      let budget: number | undefined;
      if (opts.budget !== undefined) {
        budget = Number(opts.budget);
        if (opts.budget.trim() === '' || !Number.isFinite(budget) || budget <= 0) {
          throw new UsageError(`--budget must be a positive number of seconds, not "${opts.budget}".`);
        }
      }
      const { parseParallel } = await import('../parallel-flags.js');
      const parallel = parseParallel(opts.parallel);
      const ac = interruptOnSignals();
      try {
        const r = await runCompare({
          parallel,
          repo: opts.repo ?? process.cwd(),
          revA: a,
          revB: b,
          seeds,
          budgetSeconds: budget,
          signal: ac.signal,
          progress: opts.json ? undefined : (line) => process.stderr.write(line + '\n'),
        });
        process.stdout.write(opts.json ? JSON.stringify(r, null, 2) + '\n' : formatComparison(r));
        if (r.interrupted) process.exitCode = 130;
      } finally {
        ac.dispose();
      }
    });
}
