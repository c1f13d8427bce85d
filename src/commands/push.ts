import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('push')
    .description("push the tag's last kept commit as its branch to the remote now, never forced (run does this after every keep with git.push or --push)")
    .option('--tag <tag>', 'the tag (default: the checked-out autoresearch branch)')
    .option('--remote <remote>', 'the remote (default: AR_PUSH, then git.push in autoresearch.yaml)')
    .option('--refs', "push every recorded run's ref (refs/autoresearch/<tag>/<n>) too")
    .option('--quiet', 'print nothing; the exit status and ar.log say how it went')
    .option('-C, --repo <dir>', 'research repo (default: current folder)')
    .action(async (opts: { tag?: string; remote?: string; refs?: boolean; quiet?: boolean; repo?: string }) => {
      const { repoRoot } = await import('../engine/repo.js');
      const { currentTag } = await import('../engine/step.js');
      const { readState } = await import('../engine/state.js');
      const { loadConfig } = await import('../config.js');
      const { pushKept, pushRemote, unpushedKeeps } = await import('../engine/push.js');
      const { readRecords } = await import('../engine/records.js');
      const { createLogger } = await import('../log.js');
      const { UsageError } = await import('../errors.js');
      const repo = await repoRoot(opts.repo ?? process.cwd());
      const tag = opts.tag ?? (await currentTag(repo));
      const state = readState(repo, tag);
      if (!state) throw new UsageError(`there is no tag "${tag}" in this repo (no .autoresearch/${tag}/state.json).`);
      const config = loadConfig(repo);
      const remote = pushRemote(opts.remote, config);
      if (!remote) throw new UsageError('no remote to push to: pass --remote <remote>, or set git.push in autoresearch.yaml.');
      const s = await pushKept(repo, tag, { remote, refs: !!opts.refs || config.git.push_refs, log: createLogger(repo, tag) });
      if (!opts.quiet) {
        const left = unpushedKeeps(readRecords(repo, tag).records, s, state.base).length;
        if (s.ok) process.stdout.write(`Pushed ${s.pushed!.slice(0, 7)} to ${s.remote} as ${state.branch}.\n`);
        else process.stdout.write(`The push to ${s.remote} failed: ${s.error}.\n${left ? `${left} kept run${left === 1 ? ' is' : 's are'} not on the remote; ` : ''}the next keep pushes again.\n`);
      }
      process.exitCode = s.ok ? 0 : 1;
    });
}
