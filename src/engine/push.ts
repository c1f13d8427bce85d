import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Git } from '../adapters/git.js';
import type { Config } from '../config/config-schema.js';
import { checkRemote } from '../config/remote.js';
import { branchFor, stateDir } from '../paths.js';
import { parseStateFile, PushStateSchema, type PushState } from '../config/state-files.js';
import { redactSecrets } from '../secrets.js';
import { isKept, lastKeep } from './kept.js';
import { readRecords } from './records.js';
import { writeAtomic } from '../fs/atomic.js';
import { tryLock } from './lock.js';
import { readState } from './state.js';
import type { RunRecord } from './types.js';

// Push every finding: after a keep the branch (its last kept commit, never the experiment in flight) goes to
// the remote, never forced. A failure is data: written to push.json and ar.log, shown by status and the report,
// and the next keep pushes everything outstanding.

export const PUSH_TIMEOUT_MS = 120_000;

/** Where kept runs go: `--push`, else AR_PUSH (a supervised session passes its --push to the agent's runs), else git.push. */
export function pushRemote(flag: string | undefined, config: Config, env: NodeJS.ProcessEnv = process.env): string | null {
  if (flag !== undefined) return checkRemote(flag, '--push');
  if (env.AR_PUSH) return checkRemote(env.AR_PUSH, 'AR_PUSH');
  return config.git.push;
}

/**
 * `ar-supervise push` in a process of its own, so the agent's `run` returns without waiting for the network;
 * pushes queue on the tag's push lock, each pushing the latest keep.
 */
export function pushDetached(repo: string, tag: string, o: { remote: string; refs: boolean; script: string }): void {
  const args = [o.script, 'push', '--tag', tag, '--remote', o.remote, '--quiet', ...(o.refs ? ['--refs'] : [])];
  const child = spawn(process.execPath, args, { cwd: repo, detached: true, stdio: 'ignore', windowsHide: true });
  child.on('error', () => {}); // a push that cannot start is retried by the next keep; the run is recorded either way
  child.unref();
}

/** In one process (a sweep): a push per keep alongside the next run, one at a time; settle() waits for the last. */
export function backgroundPusher(repo: string, tag: string, o: { remote: string; refs: boolean; log?: Log }): { kick(): void; settle(): Promise<void> } {
  let running: Promise<void> | null = null;
  let again = false;
  const loop = async () => {
    do {
      again = false;
      await pushKept(repo, tag, o).catch((e: Error) => o.log?.warn({ err: e.message }, 'push failed'));
    } while (again);
    running = null;
  };
  return {
    kick() {
      if (running) again = true;
      else running = loop();
    },
    settle: async () => {
      while (running) await running;
    },
  };
}

export type { PushState };

type Log = { info: (o: object, msg?: string) => void; warn: (o: object, msg?: string) => void };

export const pushStatePath = (repo: string, tag: string) => path.join(stateDir(repo, tag), 'push.json');

export function readPushState(repo: string, tag: string): PushState | null {
  try {
    const r = parseStateFile(readFileSync(pushStatePath(repo, tag), 'utf8'), PushStateSchema);
    return r.ok ? r.value : null;
  } catch {
    return null;
  }
}

/** A URL's user:password part masked, and secret values of the environment. */
export function maskRemote(s: string): string {
  return redactSecrets(s.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, '$1***@'));
}

/** The kept runs the remote does not have, in order (all of them when nothing was ever pushed). */
export function unpushedKeeps(records: readonly RunRecord[], state: PushState | null, base?: string): RunRecord[] {
  const kept = records.filter((r) => isKept(r) && r.commit !== base);
  if (!state) return [];
  const at = state.pushed ? kept.findIndex((r) => r.commit === state.pushed) : -1;
  return kept.slice(at + 1);
}

/** A failing push in one line for `status` (null when the last push went through or none was made). */
export function pushProblem(repo: string, tag: string, records?: readonly RunRecord[]): string | null {
  const s = readPushState(repo, tag);
  if (!s || s.ok) return null;
  let base: string | undefined;
  try {
    base = readState(repo, tag)?.base;
  } catch {
    base = undefined;
  }
  const n = unpushedKeeps(records ?? readRecords(repo, tag).records, s, base).length;
  const since = s.failingSince ? ` since ${new Date(s.failingSince).toTimeString().slice(0, 5)}` : '';
  return `pushing to ${s.remote} fails${since} (${n} kept run${n === 1 ? '' : 's'} not on it): ${s.error}`;
}

/** One line from git's answer: what the remote or git said, not the progress chatter. */
export function pushError(stdout: string, stderr: string): string {
  const rejected = stdout.split('\n').find((l) => l.startsWith('!'));
  if (rejected) {
    const why = rejected.split('\t')[2] ?? rejected;
    if (/non-fast-forward|fetch first|stale info/.test(why)) return `rejected: the remote's branch has commits this one lacks (${why.replace(/^\[rejected\] /, '')}); pushes are never forced`;
    return `the remote refused: ${why.replace(/^\[remote rejected\] /, '')}`;
  }
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const said = lines.find((l) => /^(fatal|error):/.test(l)) ?? lines.find((l) => !/^(To |hint:|remote: *$)/.test(l)) ?? 'git push failed';
  return maskRemote(said.replace(/^(fatal|error): /, ''));
}

/**
 * Push the tag's last kept commit to `remote` as its branch (and every recorded run's ref with `refs`), never
 * forced; waits for a push already under way from another process. The outcome is written to push.json.
 */
export async function pushKept(
  repo: string,
  tag: string,
  o: { remote: string; refs: boolean; timeoutMs?: number; log?: Log; waitMs?: number },
): Promise<PushState> {
  const lock = path.join(stateDir(repo, tag), 'push.lock');
  const deadline = Date.now() + (o.waitMs ?? (o.timeoutMs ?? PUSH_TIMEOUT_MS) + 30_000);
  let release = tryLock(lock);
  while (!release && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    release = tryLock(lock);
  }
  if (!release) {
    const prev = readPushState(repo, tag);
    return fail(repo, tag, prev, maskRemote(o.remote), null, 'another push of this tag did not finish in time', o.log);
  }
  try {
    return await pushNow(repo, tag, o);
  } finally {
    release();
  }
}

async function pushNow(repo: string, tag: string, o: { remote: string; refs: boolean; timeoutMs?: number; log?: Log }): Promise<PushState> {
  const remote = maskRemote(o.remote);
  const prev = readPushState(repo, tag);
  const { records } = readRecords(repo, tag);
  const base = readState(repo, tag)?.base;
  const target = lastKeep(records)?.commit ?? base ?? null;
  if (!target) return fail(repo, tag, prev, remote, null, 'nothing to push: the tag has no state', o.log);
  const refspecs = [`${target}:refs/heads/${branchFor(tag)}`];
  if (o.refs) for (const r of records) refspecs.push(`${r.commit}:refs/autoresearch/${tag}/${r.id}`);
  const r = await new Git(repo).push(o.remote, refspecs, o.timeoutMs ?? PUSH_TIMEOUT_MS);
  if (!r.ok) return fail(repo, tag, prev, remote, target, pushError(r.stdout, r.stderr), o.log);
  const s: PushState = { remote, pushed: target, target, at: new Date().toISOString(), ok: true, error: null, failingSince: null };
  save(repo, tag, s);
  o.log?.info({ remote, commit: target, refs: o.refs ? records.length : 0 }, 'pushed');
  return s;
}

function fail(repo: string, tag: string, prev: PushState | null, remote: string, target: string | null, error: string, log?: Log): PushState {
  const now = new Date().toISOString();
  const same = prev && prev.remote === remote;
  const s: PushState = {
    remote,
    pushed: same ? prev.pushed : null,
    target,
    at: now,
    ok: false,
    error,
    failingSince: same && !prev.ok && prev.failingSince ? prev.failingSince : now,
  };
  save(repo, tag, s);
  log?.warn({ remote, commit: target, err: error }, 'push failed; the run is recorded, the next keep pushes again');
  return s;
}

function save(repo: string, tag: string, s: PushState): void {
  try {
    writeAtomic(pushStatePath(repo, tag), JSON.stringify(s) + '\n', 0o600);
  } catch {
    /* the push happened or not; a state file that cannot be written only costs status its line */
  }
}
