// Starting and ending the agent (and the detached supervisor) in tmux, with the environment they need.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TmuxApi } from '../adapters/tmux.js';
import { killTree } from '../adapters/procs.js';
import { redactSecrets } from '../secrets.js';
import type { AgentProfile } from '../agents/profile.js';
import { shellQuote } from '../agents/json-hooks.js';
import { cliScript } from './files.js';

export const PANE_WIDTH = 200;
export const PANE_HEIGHT = 50;

/** tmux sets its own. */
const DROP = new Set(['TMUX', 'TMUX_PANE']);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The agent's environment: the supervisor's own (API keys, config folders, PATH ...) minus what the profile says
 * the agent must not inherit, with the shim folder first on PATH, and the profile's sandbox variable only when asked for.
 */
export function agentEnv(base: NodeJS.ProcessEnv, o: { profile: AgentProfile; sandbox: boolean; shimDir?: string }): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) {
    if (v === undefined || DROP.has(k) || o.profile.dropEnv.includes(k) || !NAME.test(k)) continue;
    env[k] = v;
  }
  if (o.shimDir) env.PATH = env.PATH ? `${o.shimDir}${path.delimiter}${env.PATH}` : o.shimDir;
  if (o.sandbox && o.profile.sandboxVar) env[o.profile.sandboxVar] = '1';
  return env;
}

/**
 * The pane's argv: through `env` so variables the tmux server itself may hold (it keeps the environment of
 * whoever started it) are removed as well, then the agent command with no shell in between.
 */
export function agentArgv(profile: AgentProfile, command: string, args: readonly string[], env: Record<string, string>): string[] {
  const unset = [...profile.dropEnv];
  if (profile.sandboxVar && !(profile.sandboxVar in env)) unset.push(profile.sandboxVar);
  // tmux gives a new pane the PATH of the client that asked for it, whatever `-e PATH=` says: set it here.
  const set = env.PATH ? [`PATH=${env.PATH}`] : [];
  return ['env', ...unset.flatMap((k) => ['-u', k]), ...set, command, ...args];
}

/** A `bin/ar-supervise` shim that runs this package with this node, for the agent's PATH. */
export function writeShim(dir: string, node = process.execPath, script = cliScript()): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'ar-supervise');
  writeFileSync(file, `#!/bin/sh\nexec ${shellQuote(node)} ${shellQuote(script)} "$@"\n`);
  chmodSync(file, 0o755);
  return file;
}

/** Replace secret values in a text (a screen saved to disk) by a mark. */
export function redact(text: string, env: NodeJS.ProcessEnv = process.env): string {
  return redactSecrets(text, env);
}

export interface Launched {
  pane: string;
  pid: number | null;
}

/** Start a program in a new detached session, 200x50, keeping its pane when it exits. */
export async function launchInTmux(
  tmux: TmuxApi,
  o: { session: string; cwd: string; argv: string[]; env: Record<string, string> },
): Promise<Launched> {
  const pane = await tmux.newSession({
    name: o.session,
    cwd: o.cwd,
    argv: o.argv,
    env: o.env,
    width: PANE_WIDTH,
    height: PANE_HEIGHT,
    remainOnExit: true,
  });
  const info = await tmux.paneInfo(pane);
  return { pane, pid: info?.pid ?? null };
}

export type TreeKiller = (pid: number, o: { graceMs?: number }) => Promise<number[]>;

/**
 * End a session and the whole process tree under its pane (kill-session alone can leave the agent's
 * children running). Returns the pids that were signalled.
 */
export async function endSession(tmux: TmuxApi, session: string, o: { graceMs?: number; kill?: TreeKiller } = {}): Promise<number[]> {
  const info = await tmux.paneInfo(session);
  let pids: number[] = [];
  if (info && !info.dead && info.pid > 0) pids = await (o.kill ?? killTree)(info.pid, { graceMs: o.graceMs ?? 3000 });
  await tmux.killSession(session);
  return pids;
}
