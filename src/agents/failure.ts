// Why a turn failed, in the supervisor's words, whatever the agent: each profile reads its own CLI's errors into
// this, and the retry policy (supervisor/retry.ts) acts on it.

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
