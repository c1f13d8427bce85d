import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('doctor')
    .description('check what a night needs on this machine and in this repo (git, tmux, the agent and its login, python, the training command, data, disk, executor); exit 1 when something would stop it')
    .option('--json', 'print the checks as JSON')
    .action(async (opts: { json?: boolean }) => {
      const { runDoctor } = await import('../doctor/index.js');
      const { realProbes } = await import('../doctor/probes.js');
      const { formatChecks, exitCodeFor } = await import('../doctor/check.js');
      const { loadConfig } = await import('../config.js');
      const checks = await runDoctor(process.cwd(), { probes: realProbes(), nodeVersion: process.version, loadConfig: (top) => loadConfig(top) });
      const code = exitCodeFor(checks);
      process.stdout.write(opts.json ? JSON.stringify({ ok: code === 0, checks }, null, 2) + '\n' : formatChecks(checks));
      process.exitCode = code;
    });
}
