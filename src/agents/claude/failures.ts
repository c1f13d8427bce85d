/**
 * Why a turn of the agent (Claude Code CLI, observed with 2.1.197) failed, in ONE table, and what the agent
 * needs before it can work at all (credentials). Everything Claude-specific about failures lives here, so an
 * agent profile can take it as a unit; the policy (stop, wait, back off) is agent-blind (supervisor/retry.ts).
 *
 * Sources, best first:
 * - the StopFailure hook: `error` is one of authentication_failed, oauth_org_not_allowed, billing_error,
 *   rate_limit, overloaded, invalid_request, model_not_found, server_error, max_output_tokens, unknown
 *   (the CLI's hook schema), and `last_assistant_message` is the line the CLI shows;
 * - the screen, when hooks are silent: the same line under the echoed prompt (`turnFailureText`).
 * Texts drift between releases: each pattern is tested on captured screens (test/fixtures/screens/claude/failed-*.txt).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import stripAnsi from 'strip-ansi';

import { classifyByRules, type FailureRule, type Probe, type TurnFailure } from '../failure.js';

export type { FailureKind, Probe, TurnFailure } from '../failure.js';
export { parseResetTime } from '../reset-time.js';

const LOGIN_FIX = 'run `claude` once and log in, or set ANTHROPIC_API_KEY';

/** The table. Order matters: the first match wins. */
export const FAILURE_RULES: FailureRule[] = [
  {
    name: 'not-logged-in',
    text: /Not logged in/i,
    kind: 'permanent',
    cause: 'not logged in',
    sentence: `Claude Code is not logged in: ${LOGIN_FIX}.`,
  },
  {
    name: 'invalid-key',
    text: /Invalid API key|API Error: 401\b/i,
    kind: 'permanent',
    cause: 'API key refused',
    sentence: 'Claude Code\'s API key was refused (401): set a valid ANTHROPIC_API_KEY, or unset it and log in with `claude`.',
  },
  {
    name: 'login-revoked',
    text: /OAuth token has been revoked|token (?:has )?expired/i,
    kind: 'permanent',
    cause: 'login revoked',
    sentence: 'Claude Code\'s login was revoked: run `claude` and log in again, or set ANTHROPIC_API_KEY.',
  },
  {
    name: 'org-disabled',
    errors: ['oauth_org_not_allowed'],
    kind: 'permanent',
    cause: 'organisation disabled',
    sentence: 'Claude Code\'s organisation does not allow this login: use an API key (ANTHROPIC_API_KEY) or ask your admin.',
  },
  {
    name: 'org-disabled-text',
    text: /disabled organization|organization has (?:been )?disabled|disabled Claude subscription access/i,
    kind: 'permanent',
    cause: 'organisation disabled',
    sentence: 'Claude Code\'s organisation is disabled: use another API key or account, or ask your admin.',
  },
  {
    name: 'billing',
    errors: ['billing_error'],
    kind: 'permanent',
    cause: 'no credit',
    sentence: 'Claude Code\'s account has no credit left: add funds (platform.claude.com/settings/billing) or check your plan.',
  },
  {
    name: 'billing-text',
    text: /Credit balance (?:is )?too low|add funds|spend limit/i,
    kind: 'permanent',
    cause: 'no credit',
    sentence: 'Claude Code\'s account has no credit left: add funds (platform.claude.com/settings/billing) or check your plan.',
  },
  {
    name: 'forbidden',
    text: /API Error: 403\b/i,
    kind: 'permanent',
    cause: 'permission denied',
    sentence: 'Claude Code\'s credentials were refused (403, no permission): check the key\'s workspace and permissions, or log in again with `claude`.',
  },
  {
    name: 'authentication',
    errors: ['authentication_failed'],
    kind: 'permanent',
    cause: 'authentication failed',
    sentence: `Claude Code could not authenticate: ${LOGIN_FIX}.`,
  },
  {
    name: 'model',
    errors: ['model_not_found'],
    kind: 'permanent',
    cause: 'model not available',
    sentence: 'Claude Code\'s model is not available to this account: choose another (agent.args `--model ...` in autoresearch.yaml, or ANTHROPIC_MODEL).',
  },
  {
    name: 'model-text',
    text: /issue with the selected model|model .* is not available on your/i,
    kind: 'permanent',
    cause: 'model not available',
    sentence: 'Claude Code\'s model is not available to this account: choose another (agent.args `--model ...` in autoresearch.yaml, or ANTHROPIC_MODEL).',
  },
  {
    name: 'usage-limit',
    text: /(?:hit|reached) your (?:[\w' -]+ )?limit|(?<!not your )usage limit|limit reached|out of (?:usage credits|extra usage)/i,
    kind: 'usage-limit',
    cause: 'usage limit',
  },
  { name: 'prompt-too-long', text: /Prompt is too long|context window/i, kind: 'context', cause: 'context full' },
  { name: 'rate-limit', errors: ['rate_limit'], kind: 'transient', cause: 'rate limited' },
  { name: 'rate-limit-text', text: /\b429\b|rate limit/i, kind: 'transient', cause: 'rate limited' },
  { name: 'overloaded', errors: ['overloaded'], kind: 'transient', cause: 'overloaded' },
  { name: 'overloaded-text', text: /\b529\b|Overloaded|high load/i, kind: 'transient', cause: 'overloaded' },
  {
    name: 'network',
    text: /Request timed out|Connection to the API was lost|Connection error|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|fetch failed/i,
    kind: 'transient',
    cause: 'network',
  },
  { name: 'server-error', errors: ['server_error'], kind: 'transient', cause: 'server error' },
  { name: 'server-error-text', text: /API Error: 5\d\d\b/i, kind: 'transient', cause: 'server error' },
  // Anything else the API refused (a 400 we do not know): not worth a loop of prompts either.
  { name: 'other', kind: 'transient', cause: 'API error' },
];

/**
 * Classify a failed turn from the hook's `error` and the agent's message (either may be missing).
 * Null when the turn did not fail in a way that matters (`max_output_tokens`: the turn was cut, not lost).
 */
export function classifyTurnFailure(o: { error?: string | null; message?: string | null; now?: number }): TurnFailure | null {
  if (o.error === 'max_output_tokens') return null;
  return classifyByRules(FAILURE_RULES, o);
}

/** A line of the CLI's that reports a failed turn (after `●` or `⎿`), as it shows under the prompt. */
const FAILURE_LINE =
  /^\s*(?:●|⎿)\s+((?:Not logged in|Invalid API key|Please run \/login|API Error|Credit balance|Your ANTHROPIC_API_KEY|Your organization|There's an issue with the selected model|The model .* is not available|You've (?:hit|reached) your|Claude (?:AI )?usage limit|Request timed out|Prompt is too long|Authentication error|Failed to authenticate)\b.*)$/;

/**
 * The error line of the last turn on a screen, or null: the last failure line under the last echoed prompt
 * (`❯ text` above the input box). For when hooks are silent; the screen of an earlier turn does not count.
 */
export function turnFailureText(screen: string): string | null {
  const text = screen.includes('\u001b') ? stripAnsi(screen) : screen;
  const ls = text.replace(/\r/g, '').split('\n');
  // The input box: the last `❯` line right under a full-width rule.
  let boxTop = -1;
  for (let i = ls.length - 2; i >= 0; i--) {
    if (/^\s*─{10,}\s*$/.test(ls[i]!) && ls[i + 1]!.startsWith('❯')) {
      boxTop = i;
      break;
    }
  }
  if (boxTop < 0) return null;
  let prompt = -1;
  for (let i = boxTop - 1; i >= 0; i--) {
    if (/^❯\s/.test(ls[i]!)) {
      prompt = i;
      break;
    }
  }
  if (prompt < 0) return null;
  let found: string | null = null;
  for (let i = prompt + 1; i < boxTop; i++) {
    const m = FAILURE_LINE.exec(ls[i]!);
    if (m) {
      // A long error wraps: take its continuation lines (indented, not a new block) too.
      let line = m[1]!.trim();
      for (let j = i + 1; j < boxTop && /^\s{2,}\S/.test(ls[j]!) && !/^\s*(?:●|⎿|✻)/.test(ls[j]!); j++) line += ' ' + ls[j]!.trim();
      found = line;
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Before the night: can the agent work at all?
// ---------------------------------------------------------------------------------------------

function truthy(v: string | undefined): boolean {
  return !!v && !/^(?:0|false|no|off)$/i.test(v.trim());
}

function readJson(file: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * Where Claude Code would find credentials, checked without a network call: ANTHROPIC_API_KEY /
 * ANTHROPIC_AUTH_TOKEN / CLAUDE_CODE_OAUTH_TOKEN, a cloud provider switch, a login in its config home
 * (`.credentials.json`, a stored key, an apiKeyHelper). Returns the sentence to stop with, or null.
 * On macOS the login sits in the keychain, which is not read here: no verdict there.
 */
export function claudeCredentialProblem(env: NodeJS.ProcessEnv, platform: string = process.platform): string | null {
  for (const k of ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_OAUTH_TOKEN']) if (env[k]?.trim()) return null;
  for (const k of ['CLAUDE_CODE_USE_BEDROCK', 'CLAUDE_CODE_USE_VERTEX', 'CLAUDE_CODE_USE_FOUNDRY']) if (truthy(env[k])) return null;
  if (platform === 'darwin') return null;
  const home = env.HOME ?? '';
  const configDir = env.CLAUDE_CONFIG_DIR?.trim() || path.join(home, '.claude');
  const creds = readJson(path.join(configDir, '.credentials.json'));
  const oauth = creds?.claudeAiOauth as { accessToken?: unknown } | undefined;
  if (oauth && typeof oauth.accessToken === 'string' && oauth.accessToken) return null;
  const globalFile = env.CLAUDE_CONFIG_DIR?.trim() ? path.join(configDir, '.claude.json') : path.join(home, '.claude.json');
  const global = readJson(globalFile);
  if (typeof global?.primaryApiKey === 'string' && global.primaryApiKey) return null;
  for (const f of [path.join(configDir, 'settings.json'), ...(existsSync('/etc/claude-code/managed-settings.json') ? ['/etc/claude-code/managed-settings.json'] : [])]) {
    const s = readJson(f);
    if (typeof s?.apiKeyHelper === 'string' && s.apiKeyHelper.trim()) return null;
  }
  return `Claude Code is not logged in: ${LOGIN_FIX}.`;
}


/**
 * Can Claude Code work at all, checked in seconds before the baseline's minutes: credentials present, and the
 * CLI answers `--version`. Returns the sentence to stop with, or null.
 */
export function claudePreflight(o: { command: string; env: NodeJS.ProcessEnv; cwd: string; probe: Probe }): string | null {
  const creds = claudeCredentialProblem(o.env);
  if (creds) return creds;
  const r = o.probe(o.command, ['--version'], { cwd: o.cwd, env: o.env, timeoutMs: 30_000 });
  if (r.ok) return null;
  return `the agent command "${o.command}" does not run (${r.why}); reinstall Claude Code (npm install -g @anthropic-ai/claude-code) or set agent.command in autoresearch.yaml.`;
}

/** Is this agent command Claude Code (for `doctor`, which looks at a command, not a profile)? */
export function isClaudeCommand(command: string): boolean {
  return /^claude(?:\.exe)?$/i.test(path.basename(command));
}
