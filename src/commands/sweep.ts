import path from 'node:path';
import type { Command } from 'commander';
import { interruptOnSignals } from './init.js';

export function register(program: Command): void {
  program
    .command('sweep')
    .description('a scripted loop: rewrite assignments like LR = 0.01 over a grid, a random draw or greedy coordinate descent, each point one run')
    .argument('<file>', 'the sweep file (YAML: strategy, parameters, seeds, samples, seed, file)')
    .option('--dry-run', 'list the points (greedy: the first pass) and change nothing')
    .option('--json', 'print the summary as JSON instead of progress lines')
    .option('--push <remote>', 'after every keep, push the branch to this remote, never forced (default: git.push)')
    .option('--parallel <k>', 'measure K points side by side, in batches from the same kept state (at most one kept per batch)')
    .option('--gpus <list>', 'one point per GPU of this machine (CUDA_VISIBLE_DEVICES), e.g. 0,1,2,3')
    .option('-C, --repo <dir>', 'research repo (default: current folder)')
    .action(async (file: string, opts: { dryRun?: boolean; json?: boolean; push?: string; repo?: string; parallel?: string; gpus?: string }) => {
      const { loadSweepSpec } = await import('../sweep/spec.js');
      const { planSweep, runSweep, summaryLines } = await import('../sweep/runner.js');
      const { describe } = await import('../sweep/points.js');
      const { plainDisplay, silentDisplay, ttyDisplay } = await import('../sweep/progress.js');
      const { repoRoot } = await import('../engine/repo.js');
      const { currentTag } = await import('../engine/step.js');
      const { loadConfig } = await import('../config.js');
      const { createLogger } = await import('../log.js');

      const spec = loadSweepSpec(path.resolve(process.cwd(), file));
      const repo = await repoRoot(opts.repo ?? process.cwd());
      const config = loadConfig(repo);
      const { parallelOptions } = await import('../sweep/parallel.js');
      const side = parallelOptions(opts, config);
      const out = (s: string) => process.stdout.write(s);

      if (opts.dryRun) {
        // Reads only; on an autoresearch branch it also marks what the ledger already has.
        const plan = planSweep(repo, config, spec);
        const seeds = spec.seeds > 1 ? Array.from({ length: spec.seeds }, (_, i) => i) : [undefined];
        const done = new Set<string>();
        try {
          const { readRecords } = await import('../engine/records.js');
          const t = await currentTag(repo);
          for (const r of readRecords(repo, t).records) if (!(r.status === 'crash' && r.crashReason === 'interrupted')) done.add(r.description);
        } catch {
          /* not on a tag: nothing is done yet */
        }
        const runs = plan.points.flatMap((p) => seeds.map((s) => describe(p, s)));
        if (opts.json) {
          out(JSON.stringify({ strategy: spec.strategy, file: plan.file, seeds: spec.seeds, points: plan.points.map((p) => describe(p)), runs, inLedger: runs.filter((r) => done.has(r)) }) + '\n');
          return;
        }
        for (const n of plan.notes) out(n + '\n');
        const what =
          spec.strategy === 'greedy'
            ? `greedy sweep of ${plan.file}, first pass from ${describe(plan.current)} (later passes depend on the results):`
            : `${spec.strategy} sweep of ${plan.file}: ${plan.points.length} point${plan.points.length === 1 ? '' : 's'}${spec.seeds > 1 ? ` x ${spec.seeds} seeds = ${plan.points.length * spec.seeds} runs` : ''}:`;
        out(what.charAt(0).toUpperCase() + what.slice(1) + '\n');
        plan.points.forEach((p, i) => {
          const n = seeds.filter((s) => done.has(describe(p, s))).length;
          const mark = n === 0 ? '' : n === seeds.length ? '  (in the ledger)' : `  (${n} of ${seeds.length} seeds in the ledger)`;
          out(`  ${String(i + 1).padStart(String(plan.points.length).length)}. ${describe(p)}${mark}\n`);
        });
        out(`Nothing was run (--dry-run); each run takes up to ${config.budget_seconds * config.timeout_factor} s (budget ${config.budget_seconds} s).\n`);
        return;
      }

      const tag = await currentTag(repo);
      const { backgroundPusher, pushRemote } = await import('../engine/push.js');
      const remote = pushRemote(opts.push, config);
      const log = createLogger(repo, tag);
      const pusher = remote ? backgroundPusher(repo, tag, { remote, refs: config.git.push_refs, log }) : undefined;
      const display = opts.json ? silentDisplay() : process.stdout.isTTY ? ttyDisplay(process.stdout) : plainDisplay(out);
      const ac = interruptOnSignals();
      try {
        let summary;
        try {
          summary = await runSweep({ repo, tag, config, spec, display, signal: ac.signal, log, pusher, ...side });
        } finally {
          await pusher?.settle(); // the last keep's push ends before the sweep does
        }
        if (opts.json) out(JSON.stringify(summary) + '\n');
        else for (const l of summaryLines(summary, spec, config.metric, config.goal)) out(l + '\n');
        const pushed = remote ? (await import('../engine/push.js')).readPushState(repo, tag) : null;
        if (pushed && !opts.json) out(pushed.ok ? `Pushed ${pushed.pushed!.slice(0, 7)} to ${pushed.remote}.\n` : `The last push to ${pushed.remote} failed: ${pushed.error}. "ar-supervise push" tries again.\n`);
        if (ac.signal.aborted) process.exitCode = 130;
        // The sweep's report is waiting, as after a supervised night (and the report cache is warm).
        try {
          const { buildReport } = await import('../report/index.js');
          const r = await buildReport({ repo, tag });
          if (!opts.json) out(`Report: ${path.relative(repo, r.paths.markdown)}\n`);
        } catch (e) {
          process.stderr.write(`ar-supervise: the report could not be written (${(e as Error).message.split('\n')[0]}); the ledger is complete, run "ar-supervise report".\n`);
        }
      } finally {
        ac.dispose();
      }
    });
}
