import { Command, CommanderError } from 'commander';
import { UsageError, ToolError } from './errors.js';
import { VERSION } from './version.js';
import * as init from './commands/init.js';
import * as run from './commands/run.js';
import * as session from './commands/session.js';
import * as tail from './commands/tail.js';
import * as kill from './commands/kill.js';
import * as status from './commands/status.js';
import * as sweep from './commands/sweep.js';
import * as demo from './commands/demo.js';
import * as report from './commands/report.js';
import * as compare from './commands/compare.js';
import * as promote from './commands/promote.js';
import * as doctor from './commands/doctor.js';
import * as push from './commands/push.js';
import * as finalize from './commands/finalize.js';
import * as importCmd from './commands/import.js';
import * as dashboard from './commands/dashboard.js';
import * as submit from './commands/submit.js';
import * as results from './commands/results.js';
import * as queue from './commands/queue.js';

export function buildProgram(): Command {
  const program = new Command('ar-supervise');
  program
    .description('Run ML experiments all night with an AI coding agent, and keep an honest ledger.')
    .version(VERSION, '-V, --version')
    .showHelpAfterError(false)
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      // Commander's own complaints read like ours: one sentence, our prefix.
      outputError: (s, write) => write(`ar-supervise: ${s.replace(/^error: /, '').trim().replace(/([^.])$/, '$1.')}\n`),
    });
  // Each command module registers itself; session also owns the root `--session` form.
  for (const mod of [session, init, run, tail, kill, status, sweep, demo, report, compare, promote, doctor, push, finalize, importCmd, dashboard, submit, results, queue]) {
    mod.register(program);
  }
  for (const cmd of program.commands) {
    cmd.exitOverride();
    cmd.configureOutput(program.configureOutput());
  }
  return program;
}

/** Map any error to a short message and an exit code; details go after the first line. */
export function reportError(e: unknown): number {
  if (e instanceof CommanderError) {
    // --help and --version exit 0 through here.
    if (e.exitCode === 0) return 0;
    return 2;
  }
  if (e instanceof UsageError) {
    process.stderr.write(`ar-supervise: ${e.message}\n`);
    if (e.details) process.stderr.write(e.details.replace(/\n?$/, '\n'));
    return 2;
  }
  if (e instanceof ToolError) {
    process.stderr.write(`ar-supervise: ${e.message}\n`);
    if (e.details) process.stderr.write(e.details.replace(/\n?$/, '\n'));
    return 1;
  }
  const err = e as NodeJS.ErrnoException;
  const why: Record<string, string> = {
    ENOSPC: 'the disk is full',
    EROFS: 'it is on a read-only file system',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
  };
  if (err && err.code && why[err.code]) {
    process.stderr.write(`ar-supervise: cannot write ${err.path ?? 'a file'}: ${why[err.code]}.\n`);
    return 1;
  }
  process.stderr.write(`ar-supervise: internal error: ${err?.message ?? String(e)}\n`);
  if (process.env.AR_DEBUG && err?.stack) process.stderr.write(err.stack + '\n');
  return 1;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    return reportError(e);
  }
}
