import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('status')
    .description('sessions on the autoresearch tmux socket: state, turns, runs, best, current task, uptime')
    .argument('[name]', 'only this session; for lanes apr5 (all of them, with the best across lanes) or apr5:gpu1')
    .option('--json', 'print a JSON array')
    .action(async (name: string | undefined, opts: { json?: boolean }) => {
      const { collectStatusWithLanes, filterStatus, formatStatusWithLanes } = await import('../lanes/status.js');
      const { Tmux } = await import('../adapters/tmux.js');
      let rows = await collectStatusWithLanes(new Tmux(), { cwd: process.cwd() });
      if (name) {
        rows = filterStatus(rows, name, process.cwd());
        if (rows.length === 0) {
          const { UsageError } = await import('../errors.js');
          throw new UsageError(`there is no session named ${name}.`);
        }
      }
      let text = opts.json ? JSON.stringify(rows, null, 2) + '\n' : formatStatusWithLanes(rows);
      // Runs without a supervisor (run, sweep) push too: a failing push of the checked-out tag is shown here as well.
      if (!opts.json && !name) {
        const here = await checkedOutPushProblem(process.cwd());
        if (here && !rows.some((r) => r.repo === here.repo && r.name === here.tag)) text += `${here.tag}: ${here.problem}\n`;
      }
      process.stdout.write(text);
    });
}

async function checkedOutPushProblem(cwd: string): Promise<{ repo: string; tag: string; problem: string } | null> {
  try {
    const { repoAndTag } = await import('../engine/step.js');
    const { pushProblem } = await import('../engine/push.js');
    const { repo, tag } = await repoAndTag(cwd);
    const problem = pushProblem(repo, tag);
    return problem ? { repo, tag, problem } : null;
  } catch {
    return null; // not in a research repo, or not on a tag
  }
}
