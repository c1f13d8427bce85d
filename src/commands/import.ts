import path from 'node:path';
import type { Command } from 'commander';
import { fmtValue } from '../format.js';

interface ImportFlags {
  tag: string;
  repo?: string;
  json?: boolean;
}

const short = (c: string) => c.slice(0, 7);

export function register(program: Command): void {
  program
    .command('import')
    .description("make a results.tsv kept by hand or by another tool a tag's history (report, compare and --session then work on it)")
    .argument('<results.tsv>', 'the ledger to import (karpathy\'s columns, or any layout its header names); it is never changed')
    .requiredOption('--tag <tag>', 'a new tag for it, e.g. mar5 (karpathy\'s loop used the branch autoresearch/<tag>)')
    .option('-C, --repo <dir>', 'research repo (default: current folder)')
    .option('--json', 'print what was imported as JSON')
    .action(async (file: string, flags: ImportFlags) => {
      const { readFileSync, statSync } = await import('node:fs');
      const { UsageError } = await import('../errors.js');
      const { repoRoot } = await import('../engine/repo.js');
      const { loadConfig } = await import('../config.js');
      const { readLedgerTsv } = await import('../report/ledger-tsv.js');
      const { isBinary } = await import('../engine/records.js');
      const { importLedger } = await import('../engine/import.js');
      const cwd = process.cwd();
      const abs = path.resolve(cwd, file);
      let buf: Buffer;
      try {
        if (statSync(abs).isDirectory()) throw new UsageError(`${file} is a folder, not a results.tsv.`);
        buf = readFileSync(abs);
      } catch (e) {
        if (e instanceof UsageError) throw e;
        const code = (e as NodeJS.ErrnoException).code;
        throw new UsageError(code === 'ENOENT' ? `${file} does not exist.` : `${file} cannot be read (${code ?? (e as Error).message}).`);
      }
      if (isBinary(buf)) throw new UsageError(`${file} is not a text file.`);
      const repo = await repoRoot(flags.repo ?? cwd);
      const config = loadConfig(repo);
      const name = path.basename(abs);
      const tsv = readLedgerTsv(buf.toString('utf8'), name, { metric: config.metric });
      if (tsv.rows.length === 0) throw new UsageError(`nothing to import from ${file}${tsv.warnings.length ? ` (${tsv.warnings[0]})` : ' (no rows)'}.`);
      if (tsv.metric !== config.metric) {
        throw new UsageError(`${file} scores runs by ${tsv.metric}, but the metric here is ${config.metric}; set "metric: ${tsv.metric}" in autoresearch.yaml to import it.`);
      }
      const r = await importLedger(repo, flags.tag, abs, tsv.rows, tsv.metric, config);
      for (const w of tsv.warnings) process.stderr.write(`ar-supervise: warning: ${w.replace(/\s+/g, ' ')}\n`);
      const count = (s: string) => r.records.filter((x) => x.status === s).length;
      const commits = new Set(r.records.map((x) => short(x.commit)));
      if (flags.json) {
        const lastKeep = r.lastKeep ? { id: r.lastKeep.id, commit: r.lastKeep.commit, value: r.lastKeep.value, inGit: r.lastKeep.imported!.inGit } : null;
        process.stdout.write(JSON.stringify({ tag: r.tag, runs: r.records.length, keep: count('keep'), discard: count('discard'), crash: count('crash'), skipped: tsv.warnings.length, missing: r.missing, lastKeep, branch: r.branch, copy: path.relative(repo, r.copy) }) + '\n');
        return;
      }
      const out = (l: string) => process.stdout.write(l + '\n');
      const skipped = tsv.warnings.length ? ` (${tsv.warnings.length} warning${tsv.warnings.length === 1 ? '' : 's'} above)` : '';
      out(`Imported ${r.records.length} runs from ${file} into tag ${r.tag}: ${count('keep')} kept, ${count('discard')} discarded, ${count('crash')} crashed${skipped}.`);
      const miss = r.missing.length;
      out(miss === 0 ? `All ${commits.size} commits are in this repository.` : `${commits.size - miss} of ${commits.size} commits are in this repository; not here: ${r.missing.slice(0, 8).join(', ')}${miss > 8 ? ', ...' : ''}.`);
      const k = r.lastKeep;
      const branch = `autoresearch/${r.tag}`;
      if (k && !k.imported!.inGit) {
        out(`The last keep, ${short(k.commit)} (${r.records[0]!.metric} ${fmtValue(k.value)}), is not in this repository: report and compare work on ${r.tag}, but a session can go on only after you fetch it and run "git branch ${branch} ${short(k.commit)}".`);
      } else {
        const where = k ? `the last keep ${short(k.commit)} (${r.records[0]!.metric} ${fmtValue(k.value)})` : 'HEAD (nothing was kept)';
        if (r.branch === 'created') out(`Branch ${branch} made at ${where}; go on with "ar-supervise --session ${r.tag}".`);
        else if (r.branchOff) out(`Branch ${branch} was there already but does not hold the last keep ${short(r.branchOff)}; reset it there before "ar-supervise --session ${r.tag}".`);
        else out(`Branch ${branch} was there already; go on with "ar-supervise --session ${r.tag}".`);
      }
      const copy = path.relative(repo, r.copy);
      out(
        r.wroteLedger
          ? `A copy of the file is in ${copy}; results.tsv now holds the tag's rows.`
          : `A copy of the file is in ${copy}; results.tsv was left as it is (the first run on ${r.tag} rewrites it from the records, archiving the old one).`,
      );
    });
}
