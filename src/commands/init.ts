import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('init')
    .description('start a tag: branch autoresearch/<tag>, an empty results.tsv, the state folder, the baseline run')
    .requiredOption('--tag <tag>', 'run tag, e.g. apr5')
    .option('--no-baseline', 'do not run the unmodified baseline')
    .option('--json', 'print the baseline result as JSON')
    .option('--parallel <k>', 'noise: {reruns}: K baseline reruns side by side (default: all at once on Slurm, one at a time here)')
    .option('-C, --repo <dir>', 'research repo (default: current folder)')
    .action(async (opts: { tag: string; baseline: boolean; json?: boolean; repo?: string; parallel?: string }) => {
      const { parseParallel } = await import('../parallel-flags.js');
      const parallel = parseParallel(opts.parallel);
      const { initTag } = await import('../engine/init.js');
      const { formatResult } = await import('../engine/format.js');
      const { liveLine } = await import('../term.js');
      const live = opts.json ? null : liveLine('baseline');
      const ac = interruptOnSignals();
      try {
        const r = await initTag(opts.repo ?? process.cwd(), opts.tag, {
          baseline: opts.baseline,
          out: opts.json ? undefined : (l) => process.stdout.write(l + '\n'),
          onTick: live?.tick,
          onPlace: live?.place,
          signal: ac.signal,
          ...(parallel !== undefined ? { parallel } : {}),
        });
        live?.done();
        if (r) process.stdout.write(opts.json ? JSON.stringify(r) + '\n' : formatResult(r));
        if (ac.signal.aborted) process.exitCode = 130;
      } finally {
        ac.dispose();
      }
    });
}

/** SIGINT/SIGTERM abort the run in progress; it is still recorded (as interrupted) before we exit. */
export function interruptOnSignals(): { signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  const on = () => ac.abort();
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  process.on('SIGHUP', on);
  return {
    signal: ac.signal,
    dispose: () => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      process.off('SIGHUP', on);
    },
  };
}
