import { InvalidArgumentError, type Command } from 'commander';
import { UsageError } from '../errors.js';

/** A commander parser for counts (`--max-iterations`, `--lanes`, `tail --lines`). */
export function positiveInt(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number >= 1.');
  return n;
}

function collect(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), v];
}

interface RootOptions {
  session?: string;
  goal?: string;
  tasks?: string;
  task?: string[];
  maxIterations?: number;
  until?: string;
  foreground?: boolean;
  sandbox?: boolean;
  repo?: string;
  baseline: boolean;
  gpus?: string;
  lanes?: number;
  push?: string;
  agent?: string;
  dashboard?: boolean;
  pipeline?: number;
  pipelineGpus?: string;
}

/** The root form: `ar-supervise --session <name> [options]` hands the loop to the agent in tmux. */
export function register(program: Command): void {
  // Root options only before a subcommand: `init --repo x` keeps its own --repo.
  program.enablePositionalOptions();
  program
    .option('--session <name>', 'supervise the agent in tmux for session <name> (branch autoresearch/<name>)')
    .option('--agent <profile>', 'the agent CLI to drive: claude, codex or gemini (default: the one a resumed session ran with, else config agent.profile, else claude); lanes take a list, one per lane')
    .option('--goal <text>', "the research goal for the agent's memory file (default: config objective)")
    .option('--tasks <file.yaml>', 'task list: YAML list of {text, priority} (replaces config tasks)')
    .option('--task <text>', 'a task at the highest priority (repeatable)', collect)
    .option('--max-iterations <n>', 'stop after n agent turns', positiveInt)
    .option('--pipeline <n>', 'keep n experiments in flight: the agent queues ideas (submit) while earlier ones train (default: config pipeline.depth, else 1 with one slot, slots + 1 with several)', positiveInt)
    .option('--pipeline-gpus <list>', "the local GPUs this agent's experiments train on, one slot each: 0,1,2,3 (CUDA_VISIBLE_DEVICES; default: config pipeline.gpus, one slot)")
    .option('--until <HH:MM>', 'stop at this time of day')
    .option('--foreground', 'stay in this terminal instead of running detached in tmux')
    .option('--sandbox', 'let the agent skip permissions as root (Claude Code: sets IS_SANDBOX=1)')
    .option('--repo <dir>', 'research repo (default: current folder)')
    .option('--no-baseline', 'when starting a new session, do not run the baseline')
    .option('--gpus <list>', 'parallel lanes, one agent per GPU: 0,1,2,3 (worktree, branch autoresearch/<name>-gpu<i>, CUDA_VISIBLE_DEVICES=<i>)')
    .option('--lanes <n>', 'parallel lanes without GPU assignment (autoresearch/<name>-lane<i>)', positiveInt)
    .option('--push <remote>', "after every keep, push the branch to this remote, never forced (the agent's runs get AR_PUSH=<remote>)")
    .option('--dashboard', 'serve the live dashboard beside the session (read-only, 127.0.0.1; status prints its address)')
    .action(async (opts: RootOptions, cmd: Command) => {
      if (!opts.session) {
        const given = ['goal', 'tasks', 'maxIterations', 'until', 'foreground', 'sandbox', 'gpus', 'lanes', 'push', 'agent', 'dashboard', 'pipeline', 'pipelineGpus'].filter((k) => (opts as unknown as Record<string, unknown>)[k] !== undefined);
        if (given.length || opts.task?.length) throw new UsageError('these options need --session <name> (for example --session apr5).');
        cmd.help({ error: true });
      }
      if (opts.push !== undefined) {
        // The supervisor and the agent inherit it; every `ar-supervise run` the agent makes pushes its keeps.
        const { checkRemote } = await import('../config/remote.js');
        process.env.AR_PUSH = checkRemote(opts.push, '--push');
      }
      const { runForeground, startDetached } = await import('../supervisor/session.js');
      const o = {
        name: opts.session!,
        repo: opts.repo,
        goal: opts.goal,
        tasksFile: opts.tasks,
        task: opts.task ?? [],
        maxIterations: opts.maxIterations,
        until: opts.until,
        foreground: !!opts.foreground,
        sandbox: !!opts.sandbox,
        baseline: opts.baseline,
        agent: opts.agent,
        pipeline: opts.pipeline,
        pipelineGpus: opts.pipelineGpus,
        dashboard: !!opts.dashboard,
      };
      // Lanes: --gpus/--lanes, or the same --session again when it is a lane set (resumes every lane).
      const lanes = await import('../lanes/start.js');
      if (opts.gpus !== undefined || opts.lanes !== undefined || lanes.isLaneSession(o)) {
        if (o.dashboard) throw new UsageError('--dashboard serves one session; for lanes run "ar-supervise dashboard" beside them (one page shows every lane).');
        process.exitCode = await lanes.startLanes({ ...o, gpus: opts.gpus, lanes: opts.lanes });
        return;
      }
      // One lane's session (the lane set starts it in the lane's worktree): its environment and view of the others.
      const { sessionLane } = await import('../lanes/which.js');
      const deps = { lane: sessionLane(o) };
      if (!o.foreground) {
        process.exitCode = await startDetached(o, deps);
        return;
      }
      // The dashboard lives in the supervisor's process: it ends with the session, its address in the state.
      const dash = o.dashboard ? await (await import('../dashboard/serve.js')).sessionDashboard(o.repo ?? process.cwd()) : null;
      try {
        process.exitCode = await runForeground({ ...o, dashboardUrl: dash?.url }, deps);
      } finally {
        await dash?.close();
      }
    });
}
