import type { Command } from 'commander';
import { interruptOnSignals } from './init.js';
import { positiveInt } from './session.js';

export function register(program: Command): void {
  program
    .command('tail')
    .description("follow the agent's tmux pane live until Ctrl-C, or print its last lines with --lines")
    .argument('[name]', 'session name (default: the only one running); apr5:gpu1 for one lane, apr5 for all lanes')
    .option('--lines <n>', 'print the last n lines and exit', positiveInt)
    .option('--raw', 'keep colours and other escape sequences')
    .action(async (name: string | undefined, opts: { lines?: number; raw?: boolean }) => {
      const { resolveAgentSession, snapshot, follow } = await import('../supervisor/control.js');
      const { Tmux } = await import('../adapters/tmux.js');
      const tmux = new Tmux();
      // Lanes: `apr5:gpu1` is one lane's pane; `apr5` (or no name, when only one lane set runs) shows them all.
      const { tailTargets, snapshotMany, followMany } = await import('../lanes/control.js');
      const lanes = await tailTargets(tmux, name, process.cwd());
      if (lanes && lanes.length > 1) {
        if (opts.lines) {
          process.stdout.write(await snapshotMany(tmux, lanes, opts.lines, !!opts.raw));
          return;
        }
        const ac = interruptOnSignals();
        try {
          const why = await followMany(tmux, lanes, { raw: !!opts.raw, signal: ac.signal, write: (s) => process.stdout.write(s), tty: !!process.stdout.isTTY, rows: process.stdout.rows });
          if (why === 'ended') process.stdout.write(`\nAll lanes ended.\n`);
        } finally {
          ac.dispose();
        }
        return;
      }
      const session = lanes ? lanes[0]!.session : await resolveAgentSession(tmux, name);
      if (opts.lines) {
        process.stdout.write(await snapshot(tmux, session, opts.lines, !!opts.raw));
        return;
      }
      const ac = interruptOnSignals();
      try {
        const why = await follow(tmux, session, { raw: !!opts.raw, signal: ac.signal, write: (s) => process.stdout.write(s), tty: !!process.stdout.isTTY });
        if (why === 'ended') process.stdout.write(`\nSession ${session} ended.\n`);
      } finally {
        ac.dispose();
      }
    });
}
