// Failed turns of the real Gemini CLI (0.61.0), read from its `✕ [API Error: ...]` lines (captured against the
// scripted server, test/fixtures/screens/gemini/failed-*.txt) and its AfterAgent payload, and its credentials.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gemini } from '../../../src/agents/gemini/index.js';
import { classifyGeminiFailure, geminiCredentialProblem, geminiFailureText, geminiPreflight, NO_RESPONSE } from '../../../src/agents/gemini/failures.js';

const SCREENS = path.join(import.meta.dirname, '..', '..', 'fixtures', 'screens', 'gemini');
const screen = (f: string) => readFileSync(path.join(SCREENS, f), 'utf8');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const apiError = (code: number, status: string, message: string) => `[API Error: ${JSON.stringify({ error: { code, message, status } })}]`;

describe('Gemini failure table', () => {
  it('reads the error line of the last turn from a captured screen', () => {
    expect(geminiFailureText(screen('failed-401.txt'))).toBe(apiError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.'));
    expect(geminiFailureText(screen('turn-done.txt'))).toBeNull();
    expect(geminiFailureText(screen('ready-boxed.txt'))).toBeNull();
  });

  it('a failed turn ends in AfterAgent with no response: the screen says why; a turn with a response did not fail', () => {
    const s = screen('failed-401.txt');
    const failed = gemini.failure({ event: { event: 'AfterAgent', time: 1, last_message: NO_RESPONSE }, failed: false, screen: s });
    expect(failed).toMatchObject({ kind: 'permanent', cause: 'API key refused' });
    expect(failed!.sentence).toBe('Gemini CLI\'s API key was refused: set GEMINI_API_KEY (aistudio.google.com/app/apikey), or run "gemini" once and sign in.');
    expect(gemini.failure({ event: { event: 'AfterAgent', time: 1, last_message: 'Ran it.' }, failed: false, screen: s })).toBeNull();
  });

  it('classifies the Gemini API error statuses', () => {
    expect(classifyGeminiFailure(apiError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.'))).toMatchObject({ kind: 'permanent', cause: 'API key refused' });
    expect(classifyGeminiFailure(apiError(403, 'PERMISSION_DENIED', 'denied'))).toMatchObject({ kind: 'permanent', cause: 'permission denied' });
    expect(classifyGeminiFailure(apiError(404, 'NOT_FOUND', 'models/gemini-9 is not found for API version v1beta'))).toMatchObject({ kind: 'permanent', cause: 'model not available' });
    expect(classifyGeminiFailure(apiError(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota'))).toMatchObject({ kind: 'transient', cause: 'rate limited' });
    expect(classifyGeminiFailure(apiError(503, 'UNAVAILABLE', 'The model is overloaded.'))).toMatchObject({ kind: 'transient', cause: 'overloaded' });
    expect(classifyGeminiFailure(apiError(500, 'INTERNAL', 'An internal error has occurred.'))).toMatchObject({ kind: 'transient', cause: 'server error' });
    expect(classifyGeminiFailure('[API Error: fetch failed]')).toMatchObject({ kind: 'transient', cause: 'network' });
  });
});

describe('Gemini credentials before the night', () => {
  it('a key in the environment, or a sign-in the CLI stored, is enough; nothing is not', () => {
    const home = mkdtempSync(path.join(tmpdir(), 'ar-gem-home-'));
    dirs.push(home);
    expect(geminiCredentialProblem({ HOME: home })).toMatch(/^Gemini CLI is not signed in: set GEMINI_API_KEY/);
    expect(geminiCredentialProblem({ HOME: home, GEMINI_API_KEY: 'k' })).toBeNull();
    expect(geminiCredentialProblem({ HOME: home, GOOGLE_GENAI_USE_VERTEXAI: 'true' })).toBeNull();
    mkdirSync(path.join(home, '.gemini'));
    writeFileSync(path.join(home, '.gemini', 'oauth_creds.json'), '{}');
    expect(geminiCredentialProblem({ HOME: home })).toBeNull();
    const calls: string[][] = [];
    const probe = (p: string, a: string[]) => (calls.push([p, ...a]), { ok: true, why: '' });
    expect(geminiPreflight({ command: 'gemini', env: { HOME: home }, cwd: '/', probe })).toBeNull();
    expect(calls).toEqual([['gemini', '--version']]);
  });
});
