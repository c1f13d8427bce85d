/**
 * Why a turn of the Gemini CLI failed (observed with 0.61.0 against a scripted Gemini API), in ONE table, and what it
 * needs before it can work at all. A failed turn still fires AfterAgent (its response is "[no response text]"); the
 * error is the `✕ [API Error: {...}]` line under the echoed prompt, read from the screen. The CLI retries 429 and 5xx
 * itself (general.maxAttempts, default 10) before it shows one. Texts drift between releases: each pattern is tested
 * on captured screens (test/fixtures/screens/gemini/failed-*.txt).
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { classifyByRules, cliProblem, type FailureRule, type Probe, type TurnFailure } from '../failure.js';
import { lines, plain } from '../screen-text.js';

const KEY_FIX = 'set GEMINI_API_KEY (aistudio.google.com/app/apikey), or run "gemini" once and sign in';

/** What AfterAgent reports as the response of a turn that produced none (a failed one among them). */
export const NO_RESPONSE = '[no response text]';

/** The table. Order matters: the first match wins. */
export const GEMINI_FAILURE_RULES: FailureRule[] = [
  {
    name: 'invalid-key',
    text: /"code":\s*401\b|UNAUTHENTICATED|API key not valid|API_KEY_INVALID|API key expired|invalid authentication credentials/i,
    kind: 'permanent',
    cause: 'API key refused',
    sentence: `Gemini CLI's API key was refused: ${KEY_FIX}.`,
  },
  {
    name: 'forbidden',
    text: /"code":\s*403\b|PERMISSION_DENIED|API_KEY_SERVICE_BLOCKED|has not been used in project/i,
    kind: 'permanent',
    cause: 'permission denied',
    sentence: "Gemini CLI's credentials were refused (403, no permission): check that the key's project may use the Gemini API, or sign in again.",
  },
  {
    name: 'model',
    text: /"code":\s*404\b|NOT_FOUND|is not found for API version|is not supported for generateContent/i,
    kind: 'permanent',
    cause: 'model not available',
    sentence: "Gemini CLI's model is not available to this key: choose another (agent.args `-m ...` in autoresearch.yaml, or GEMINI_MODEL).",
  },
  {
    name: 'billing',
    text: /billing|FAILED_PRECONDITION|location is not supported/i,
    kind: 'permanent',
    cause: 'account not enabled',
    sentence: "Gemini CLI's account cannot use the API here (billing or region): check the key's project in aistudio.google.com, or use another key.",
  },
  { name: 'context', text: /exceeds the maximum number of tokens|context window|input token count/i, kind: 'context', cause: 'context full' },
  { name: 'rate-limit', text: /"code":\s*429\b|RESOURCE_EXHAUSTED|quota|rate limit|Too Many Requests/i, kind: 'transient', cause: 'rate limited' },
  { name: 'overloaded', text: /"code":\s*503\b|UNAVAILABLE|overloaded/i, kind: 'transient', cause: 'overloaded' },
  { name: 'server-error', text: /"code":\s*5\d\d\b|INTERNAL|DEADLINE_EXCEEDED|status 5\d\d\b/i, kind: 'transient', cause: 'server error' },
  { name: 'network', text: /fetch failed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|network|socket hang up/i, kind: 'transient', cause: 'network' },
  { name: 'other', kind: 'transient', cause: 'API error' },
];

export function classifyGeminiFailure(message: string, now?: number): TurnFailure | null {
  return classifyByRules(GEMINI_FAILURE_RULES, { message, now });
}

const isRule = (l: string) => /^\s*─{20,}\s*$/.test(l);

/**
 * The error of the last turn on a screen, or null: the last `✕ ...` line (with its wrapped continuation) between the
 * last echoed prompt (`> text`, not the input line under a rule) and the input box. An earlier turn's does not count.
 */
export function geminiFailureText(screen: string): string | null {
  const ls = lines(plain(screen));
  let box = -1;
  for (let i = ls.length - 1; i > 0 && box < 0; i--) if (/^ [>*] /.test(ls[i]!) && ls.slice(Math.max(0, i - 3), i).some(isRule)) box = i;
  if (box < 0) return null;
  let prompt = -1;
  // Echoed at column 1 or 0, depending on the layout (the footer's rules).
  for (let i = box - 1; i >= 0 && prompt < 0; i--) if (/^ ?> \S/.test(ls[i]!) && !isRule(ls[i - 1] ?? '')) prompt = i;
  if (prompt < 0) return null;
  let found: string | null = null;
  for (let i = prompt + 1; i < box; i++) {
    if (!ls[i]!.startsWith('✕ ')) continue;
    let text = ls[i]!.slice(2).trim();
    for (let j = i + 1; j < box && ls[j]!.trim() !== '' && !/^(?:ℹ|✕|✦|─| [>*⠀-⣿] )/.test(ls[j]!) && !isRule(ls[j]!); j++) text += ls[j]!.trim();
    found = text;
  }
  return found;
}

/** Does the launch have a key or a login to work with? Read without a network call. */
export function geminiCredentialProblem(env: NodeJS.ProcessEnv): string | null {
  for (const k of ['GEMINI_API_KEY', 'GOOGLE_API_KEY', 'GOOGLE_APPLICATION_CREDENTIALS']) if (env[k]?.trim()) return null;
  for (const k of ['GOOGLE_GENAI_USE_VERTEXAI', 'GOOGLE_GENAI_USE_GCA', 'CLOUD_SHELL']) if (env[k] && !/^(?:0|false)$/i.test(env[k]!)) return null;
  const dir = path.join(env.HOME || os.homedir(), '.gemini');
  // A Google sign-in, or a key the CLI stored itself.
  for (const f of ['oauth_creds.json', 'gemini-credentials.json', 'google_accounts.json']) if (existsSync(path.join(dir, f))) return null;
  return `Gemini CLI is not signed in: ${KEY_FIX}.`;
}

/** Credentials present and the CLI answers `--version`: the sentence to stop with, or null. */
export function geminiPreflight(o: { command: string; env: NodeJS.ProcessEnv; cwd: string; probe: Probe }): string | null {
  const creds = geminiCredentialProblem(o.env);
  if (creds) return creds;
  return cliProblem(o, 'npm install -g @google/gemini-cli');
}
