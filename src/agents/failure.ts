// Why a turn failed, in the supervisor's words, whatever the agent: each profile reads its own CLI's errors into
// this through a table of rules, and the retry policy (supervisor/retry.ts) acts on it.
import { parseResetTime, parseWaitDuration } from './reset-time.js';

/**
 * - permanent: nothing will change until a person acts (login, key, billing, model): stop the session.
 * - usage-limit: a plan limit with a known reset time: wait until then.
 * - transient: rate limit, overload, server error, network: back off and try again.
 * - context: the conversation no longer fits: start the agent afresh.
 */
export type FailureKind = 'permanent' | 'usage-limit' | 'transient' | 'context';

export interface TurnFailure {
  kind: FailureKind;
  /** A few words for terminal lines, status and the report: "rate limited", "not logged in". */
  cause: string;
  /** Permanent failures: one sentence naming the cause and the fix. */
  sentence?: string;
  /** Usage limits: when the limit resets (Unix ms), if the agent said. */
  resetAt?: number;
  /** The agent's own words (its error line). */
  detail: string;
}

/** Runs a program briefly (`--version`) and says whether it answered. */
export type Probe = (program: string, args: string[], o: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }) => { ok: boolean; why: string };

/** One row of a profile's failure table: which errors it covers, what they mean, and the fix for permanent ones. */
export interface FailureRule {
  name: string;
  /** The hook's error types this rule covers (any type when absent), */
  errors?: string[];
  /** and a test on the agent's message (any message when absent). */
  text?: RegExp;
  kind: FailureKind;
  cause: string;
  sentence?: string;
}

/**
 * The first rule that matches the error type and the message (either may be missing), as a TurnFailure. A usage
 * limit gets its reset time from the message (a time of day, or a wait such as "try again in 3 hours"); without
 * one it is backed off like a rate limit.
 */
export function classifyByRules(rules: readonly FailureRule[], o: { error?: string | null; message?: string | null; now?: number }): TurnFailure | null {
  const error = o.error ?? '';
  const detail = (o.message ?? '').trim();
  const now = o.now ?? Date.now();
  for (const r of rules) {
    if (r.errors && !r.errors.includes(error)) continue;
    if (r.text && !r.text.test(detail)) continue;
    const f: TurnFailure = { kind: r.kind, cause: r.cause, detail: detail || error || 'unknown error' };
    if (r.sentence) f.sentence = r.sentence;
    if (r.kind === 'usage-limit') {
      const wait = parseWaitDuration(detail);
      const at = parseResetTime(detail, now) ?? (wait === null ? null : now + wait);
      // Without a reset time there is nothing to wait for: back off as for a rate limit.
      if (at === null) f.kind = 'transient';
      else f.resetAt = at;
    }
    return f;
  }
  return null;
}

/**
 * Does the CLI start at all (`--version` answers)? The sentence to stop with, or null. A CLI that is merely slow to
 * answer on a loaded machine gets no verdict: only one that cannot start or exits with an error stops the night.
 */
export function cliProblem(o: { command: string; env: NodeJS.ProcessEnv; cwd: string; probe: Probe }, install: string, timeoutMs = 60_000): string | null {
  const r = o.probe(o.command, ['--version'], { cwd: o.cwd, env: o.env, timeoutMs });
  if (r.ok || r.why.startsWith('no answer')) return null;
  return `the agent command "${o.command}" does not run (${r.why}); reinstall it (${install}) or set agent.command in autoresearch.yaml.`;
}
