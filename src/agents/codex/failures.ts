/**
 * Why a turn of the Codex CLI failed (observed with 0.169.0 against a scripted Responses-API server), in ONE table,
 * and what it needs before it can work at all. Codex fires neither its notify program nor its Stop hook for a failed
 * turn: the error is the `■ ...` line it prints under the echoed prompt, read from the screen. Texts drift between
 * releases: each pattern is tested on captured screens (test/fixtures/screens/codex/failed-*.txt).
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { classifyByRules, cliProblem, type FailureRule, type Probe, type TurnFailure } from '../failure.js';
import { lines, plain } from '../screen-text.js';

const KEY_FIX = 'set OPENAI_API_KEY (or the env_key of your model provider in ~/.codex/config.toml), or run "codex login"';

/** The table. Order matters: the first match wins. */
export const CODEX_FAILURE_RULES: FailureRule[] = [
  {
    name: 'missing-key',
    text: /Missing environment variable|OPENAI_API_KEY is not set|Not signed in|Please (?:run `?codex login|sign in)/i,
    kind: 'permanent',
    cause: 'no API key',
    sentence: `Codex has no API key: ${KEY_FIX}.`,
  },
  {
    name: 'invalid-key',
    text: /unexpected status 401\b|Incorrect API key|invalid_api_key|token (?:has )?expired|refresh token/i,
    kind: 'permanent',
    cause: 'API key refused',
    sentence: `Codex's API key was refused (401): ${KEY_FIX} with a valid key.`,
  },
  {
    name: 'forbidden',
    text: /unexpected status 403\b|identity_authorization_error/i,
    kind: 'permanent',
    cause: 'permission denied',
    sentence: "Codex's credentials were refused (403, no permission): check the key's project and permissions, or run \"codex login\" again.",
  },
  {
    name: 'usage-limit',
    text: /hit your usage limit/i,
    kind: 'usage-limit',
    cause: 'usage limit',
  },
  {
    name: 'no-credit',
    text: /Quota exceeded|insufficient_quota|out of credits|spend cap|upgrade to Plus|usage not included/i,
    kind: 'permanent',
    cause: 'no credit',
    sentence: "Codex's account has no quota or credit left: check your plan and billing (platform.openai.com/settings/organization/billing), or use another key.",
  },
  {
    name: 'model',
    text: /unexpected status 404\b|model_not_found|does not exist or you do not have access/i,
    kind: 'permanent',
    cause: 'model not available',
    sentence: "Codex's model or provider was not found (404): check model and model_provider (and its base_url) in ~/.codex/config.toml or agent.args.",
  },
  { name: 'context', text: /context window|context_length_exceeded/i, kind: 'context', cause: 'context full' },
  { name: 'rate-limit', text: /\b429\b|Too Many Requests|rate limit/i, kind: 'transient', cause: 'rate limited' },
  { name: 'overloaded', text: /high demand|at capacity|overloaded|capacity (?:is )?unavailable|\b529\b|\b503\b/i, kind: 'transient', cause: 'overloaded' },
  { name: 'server-error', text: /unexpected status 5\d\d\b|last status: 5\d\d\b|server_error|Internal Server Error/i, kind: 'transient', cause: 'server error' },
  {
    name: 'network',
    text: /stream disconnected|error sending request|Connection (?:refused|reset|failed)|timed out|dns error|ConnectionFailed/i,
    kind: 'transient',
    cause: 'network',
  },
  { name: 'other', kind: 'transient', cause: 'API error' },
];

export function classifyCodexFailure(message: string, now?: number): TurnFailure | null {
  return classifyByRules(CODEX_FAILURE_RULES, { message, now });
}

/**
 * The error of the last turn on a screen, or null: the last `■ ...` line (with its wrapped continuation) between the
 * last echoed prompt and the composer, both `›` lines. An error of an earlier turn does not count.
 */
export function codexFailureText(screen: string): string | null {
  const ls = lines(plain(screen));
  const prompts: number[] = [];
  ls.forEach((l, i) => {
    if (l.startsWith('›')) prompts.push(i);
  });
  if (prompts.length < 2) return null;
  const composer = prompts[prompts.length - 1]!;
  const prompt = prompts[prompts.length - 2]!;
  let found: string | null = null;
  for (let i = prompt + 1; i < composer; i++) {
    if (!ls[i]!.startsWith('■ ')) continue;
    let text = ls[i]!.slice(2).trim();
    for (let j = i + 1; j < composer && /^ {2}\S/.test(ls[j]!); j++) text += ' ' + ls[j]!.trim();
    found = text;
  }
  return found;
}

/** Does the Codex launch have a key (or a login) to work with? Read from its config without a network call. */
export function codexCredentialProblem(args: readonly string[], env: NodeJS.ProcessEnv): string | null {
  const home = env.CODEX_HOME?.trim() || path.join(env.HOME || os.homedir(), '.codex');
  if (existsSync(path.join(home, 'auth.json'))) return null;
  let toml = '';
  try {
    toml = readFileSync(path.join(home, 'config.toml'), 'utf8');
  } catch {
    // no config: the built-in OpenAI provider
  }
  // The provider: `-c model_provider=...` on the launch line, else the config's top-level key.
  let provider: string | null = null;
  for (let i = 0; i < args.length - 1; i++) {
    const m = (args[i] === '-c' || args[i] === '--config') && /^model_provider\s*=\s*"?([^"]+)"?$/.exec(args[i + 1]!);
    if (m) provider = m[1]!;
  }
  if (!provider) {
    for (const l of toml.split('\n')) {
      if (/^\s*\[/.test(l)) break;
      const m = /^\s*model_provider\s*=\s*"([^"]+)"/.exec(l);
      if (m) provider = m[1]!;
    }
  }
  if (provider && provider !== 'openai') {
    const section = new RegExp(`^\\s*\\[model_providers\\.(?:"${provider}"|${provider})\\]\\s*$`);
    const ls = toml.split('\n');
    const at = ls.findIndex((l) => section.test(l));
    // A provider we cannot read (built in: ollama, lmstudio ...): no verdict.
    if (at < 0) return null;
    for (let i = at + 1; i < ls.length && !/^\s*\[/.test(ls[i]!); i++) {
      const m = /^\s*env_key\s*=\s*"([^"]+)"/.exec(ls[i]!);
      if (m) return env[m[1]!]?.trim() ? null : `Codex has no API key: set ${m[1]} (the env_key of model provider "${provider}" in ${path.join(home, 'config.toml')}).`;
    }
    return null;
  }
  if (env.OPENAI_API_KEY?.trim() || env.CODEX_API_KEY?.trim()) return null;
  return `Codex is not signed in: ${KEY_FIX}.`;
}

/** Credentials present and the CLI answers `--version`: the sentence to stop with, or null. */
export function codexPreflight(o: { command: string; args: readonly string[]; env: NodeJS.ProcessEnv; cwd: string; probe: Probe }): string | null {
  const creds = codexCredentialProblem(o.args, o.env);
  if (creds) return creds;
  return cliProblem(o, 'npm install -g @openai/codex');
}
