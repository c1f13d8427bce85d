import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { ensureRunner } from './queue.js';

export function register(program: Command): void {
  program
    .command('results')
    .description('what has finished since run N (status, metric, delta, description), in the form run prints; --wait blocks for one more')
    .option('--since <n>', 'show the runs after run N (default: after the last one shown)')
    .option('--wait', 'wait until at least one more has finished (returns at once when nothing is queued or running)')
    .option('--json', 'print the records as JSON lines')
    .option('-C, --repo <dir>', 'research repo (default: current folder)')
    .action(async (opts: { since?: string; wait?: boolean; json?: boolean; repo?: string }) => {
      let since: number | null = null;
      if (opts.since !== undefined) {
        since = Number(opts.since);
        if (!Number.isInteger(since) || since < 0) throw new UsageError(`--since needs a run number (0 or more), not "${opts.since}".`);
      }
      const [{ repoAndTag }, { readState }, r, q, { syncWorkTree }, { formatResult }] = await Promise.all([
        import('../engine/step.js'),
        import('../engine/state.js'),
        import('../engine/results.js'),
        import('../engine/queue.js'),
        import('../engine/submit.js'),
        import('../engine/format.js'),
      ]);
      const { repo, tag } = await repoAndTag(opts.repo ?? process.cwd());
      const base = readState(repo, tag)!.base;
      const from = since ?? r.readCursor(repo, tag);
      let found = r.finishedSince(repo, tag, from, base);
      while (opts.wait && !found.length) {
        if (!q.readQueue(repo, tag).length) break;
        await ensureRunner(repo, tag, null);
        await new Promise((res) => setTimeout(res, 300));
        found = r.finishedSince(repo, tag, from, base);
      }
      const synced = await syncWorkTree(repo, tag);
      const last = found.length ? found[found.length - 1]!.record.id : from;
      r.writeCursor(repo, tag, last);
      if (opts.json) {
        for (const x of found) process.stdout.write(JSON.stringify(x.record) + '\n');
        return;
      }
      const entries = q.readQueue(repo, tag);
      const running = entries.filter((e) => e.state === 'running').length;
      const blocks = found.map((x) => formatResult(x));
      if (!found.length) blocks.push(`results:     nothing finished since run #${from}\n`);
      const tail = [
        `queue:       ${entries.length - running} queued, ${running} running`,
        ...(synced ? [] : ['tree:        your edit is on an older best; submit re-applies it onto the new best']),
        `next:        ar-supervise results --since ${last}`,
      ];
      process.stdout.write(blocks.join('\n') + '\n' + tail.join('\n') + '\n');
    });
}
