import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('finalize')
    .description("a new branch from the tag's starting point with one commit per kept run, each saying what it found (or one with --squash); the tag's branch and your working tree stay as they are")
    .requiredOption('--branch <name>', 'the new branch (refused when it exists)')
    .option('--tag <tag>', 'the tag (default: the checked-out autoresearch branch)')
    .option('--squash', 'one commit holding every finding')
    .option('-C, --repo <dir>', 'research repo (default: current folder)')
    .action(async (opts: { branch: string; tag?: string; squash?: boolean; repo?: string }) => {
      const { repoRoot } = await import('../engine/repo.js');
      const { currentTag } = await import('../engine/step.js');
      const { loadConfig } = await import('../config.js');
      const { finalize } = await import('../engine/finalize.js');
      const { branchFor } = await import('../paths.js');
      const repo = await repoRoot(opts.repo ?? process.cwd());
      const tag = opts.tag ?? (await currentTag(repo));
      const r = await finalize(repo, tag, { branch: opts.branch, squash: !!opts.squash, template: loadConfig(repo).git.message });
      const out = (s: string) => process.stdout.write(s + '\n');
      const n = r.commits.length;
      out(`Branch ${r.branch}: ${n === 1 ? 'one commit' : `${n} commits`} on ${r.base.slice(0, 7)} (where ${tag} started), from ${r.kept.length} kept run${r.kept.length === 1 ? '' : 's'}:`);
      for (const c of r.commits) out(`  ${c.sha.slice(0, 7)} ${c.message.split('\n')[0]}`);
      out(`${branchFor(tag)} and your working tree are unchanged; open a pull request from ${r.branch}.`);
    });
}
