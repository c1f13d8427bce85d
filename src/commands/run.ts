import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { interruptOnSignals } from './init.js';

export function register(program: Command): void {
  program
    .command('run')
    .description('one experiment: commit the edit, train on the budget, parse, log, keep or revert')
    .requiredOption('-m, --message <description>', 'what this experiment changes')
    .option('--seed <n>', 'set SEED for the training process')
    .option('--json', 'print the result as JSON')
    .option('--push <remote>', 'after a keep, push the branch to this remote in the background, never forced (default: git.push)')
    .option('-C, --repo <dir>', 'research repo (default: current folder)')
    .action(async (opts: { message: string; seed?: string; json?: boolean; push?: string; repo?: string }) => {
      let seed: number | undefined;
      if (opts.seed !== undefined) {
        seed = Number(opts.seed);
        if (!Number.isInteger(seed) || seed < 0) throw new UsageError(`--seed must be a whole number >= 0, not "${opts.seed}".`);
      }
      if (opts.message.trim() === '') throw new UsageError('-m needs a description of the experiment.');
      // Loaded at once, not one after another: every millisecond here is added to each experiment.
      const [{ repoAndTag, runExperiment }, { loadConfigCached }, { formatResult }, { lazyLogger }, { liveLine }] = await Promise.all([
        import('../engine/step.js'),
        import('../engine/config-cache.js'),
        import('../engine/format.js'),
        import('../log-lazy.js'),
        import('../term.js'),
      ]);
      const { repo, tag } = await repoAndTag(opts.repo ?? process.cwd());
      const config = await loadConfigCached(repo, tag);
      // Checked before the run: a bad remote is a usage error, not a failed push after the training.
      const push = opts.push !== undefined || process.env.AR_PUSH || config.git.push ? await import('../engine/push.js') : null;
      const remote = push ? push.pushRemote(opts.push, config) : null;
      const log = lazyLogger(repo, tag);
      const live = opts.json ? null : liveLine('training');
      const ac = interruptOnSignals();
      try {
        const r = await runExperiment({
          repo,
          tag,
          config,
          description: opts.message,
          seed,
          log,
          onTick: live?.tick,
          onPlace: live?.place,
          signal: ac.signal,
        });
        live?.done();
        process.stdout.write(opts.json ? JSON.stringify(r) + '\n' : formatResult(r));
        // After the row is written, a keep is pushed by a process of its own: the next experiment need not wait for the network.
        if (push && remote && r.record.status === 'keep') {
          const before = push.readPushState(repo, tag);
          const { cliScript } = await import('../supervisor/files.js');
          push.pushDetached(repo, tag, { remote, refs: config.git.push_refs, script: cliScript() });
          const failing = before && !before.ok ? `; the last push failed: ${before.error}` : '';
          if (!opts.json) process.stdout.write(`push:        to ${push.maskRemote(remote)} in the background${failing}\n`);
        }
        const { announceNewBest } = await import('../engine/announce.js');
        await announceNewBest(r, config, log);
        if (ac.signal.aborted) process.exitCode = 130;
      } finally {
        ac.dispose();
        await log.flush();
      }
    });
}
