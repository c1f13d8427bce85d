import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { ensureRunner, parseGpus } from './queue.js';

export function register(program: Command): void {
  program
    .command('submit')
    .description('queue an experiment: the edit becomes a commit on the best, the working tree goes back to the best at once')
    .requiredOption('-m, --message <description>', 'what this experiment changes')
    .option('--seed <n>', 'set SEED for the training process')
    .option('--gpus <list>', 'for the runner this starts: one slot per GPU (CUDA_VISIBLE_DEVICES), like 0,1')
    .option('--json', 'print the queue entry as JSON')
    .option('-C, --repo <dir>', 'research repo (default: current folder)')
    .action(async (opts: { message: string; seed?: string; gpus?: string; json?: boolean; repo?: string }) => {
      let seed: number | undefined;
      if (opts.seed !== undefined) {
        seed = Number(opts.seed);
        if (!Number.isInteger(seed) || seed < 0) throw new UsageError(`--seed must be a whole number >= 0, not "${opts.seed}".`);
      }
      if (opts.message.trim() === '') throw new UsageError('-m needs a description of the experiment.');
      const gpus = parseGpus(opts.gpus);
      const [{ repoAndTag, madeBy, preflight }, { loadConfigCached }, { submitExperiment }, { readRecords }] = await Promise.all([
        import('../engine/step.js'),
        import('../engine/config-cache.js'),
        import('../engine/submit.js'),
        import('../engine/records.js'),
      ]);
      const { repo, tag } = await repoAndTag(opts.repo ?? process.cwd());
      preflight(repo, tag);
      const config = await loadConfigCached(repo, tag);
      (await import('../engine/slots.js')).runnerSlots(config, gpus); // --gpus on a scheduler: refused before anything is queued
      const { entry, ahead } = await submitExperiment({ repo, tag, config, description: opts.message, seed, by: madeBy() });
      const runs = readRecords(repo, tag).records.length;
      // `results` with no --since starts from here the first time.
      const r = await import('../engine/results.js');
      if (!r.hasCursor(repo, tag)) r.writeCursor(repo, tag, runs);
      const runner = await ensureRunner(repo, tag, gpus);
      if (opts.json) {
        process.stdout.write(JSON.stringify({ ...entry, ahead, runner }) + '\n');
        return;
      }
      const place = ahead === 0 ? 'first in line' : `place ${ahead + 1} (${ahead} ahead)`;
      process.stdout.write(
        [
          `submitted:   #${entry.n} ${entry.description}`,
          `commit:      ${entry.commit.slice(0, 7)} on ${entry.parent.slice(0, 7)}${entry.commit === entry.parent ? ' (a rerun: nothing changed)' : ''}`,
          `queue:       ${place}`,
          'tree:        back at the best; start the next idea now',
          `results:     ar-supervise results --since ${runs}   (--wait blocks until one more has finished)`,
        ].join('\n') + '\n',
      );
    });
}
