// The Gemini CLI screen table against screens captured from the real CLI (0.61.0, tmux, 200x50).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { gemini } from '../../../src/agents/gemini/index.js';

const DIR = fileURLToPath(new URL('../../fixtures/screens/gemini/', import.meta.url));
const screen = (f: string) => readFileSync(DIR + f, 'utf8');

/** Every captured screen: what it must read as, and the input line's text where there is one. */
/** Failed turns (captured against a scripted server that refused them): what the profile reads from the screen. */
const EXPECTED: Record<string, { kind: string; name?: string; box?: string | null; failure?: { kind: string; cause: string } | null }> = {
  'auth.txt': { kind: 'dialog', name: 'auth' },
  'api-key.txt': { kind: 'dialog', name: 'api-key' },
  'ready.txt': { kind: 'ready', box: '' },
  // The box between two rules, the footer under it; a hooks warning above (the CLI's own, for project hooks).
  'ready-boxed.txt': { kind: 'ready', box: '' },
  'typed.txt': { kind: 'ready', box: 'Please run the probe now' },
  'typed-hook-warning.txt': { kind: 'ready', box: 'Please run the probe now' },
  'busy.txt': { kind: 'busy' },
  // A prompt typed while the CLI initializes is queued: taken, and the turn has not begun.
  'queued.txt': { kind: 'busy', name: 'queued' },
  'turn-done.txt': { kind: 'ready', box: '', failure: null },
  'failed-401.txt': { kind: 'ready', box: '', failure: { kind: 'permanent', cause: 'API key refused' } },
  'api-key-empty.txt': { kind: 'fatal' },
  // The box between rules, the prompt echoed at column 0, our hook still running (from the e2e test).
  'failed-401-boxed.txt': { kind: 'ready', box: '', failure: { kind: 'permanent', cause: 'API key refused' } },
};

describe('Gemini screen table', () => {
  it('has an expectation for every captured screen', () => {
    expect(readdirSync(DIR).filter((f) => f.endsWith('.txt')).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [file, want] of Object.entries(EXPECTED)) {
    it(`${file} reads as ${want.kind}${want.name ? ` (${want.name})` : ''}`, () => {
      const s = screen(file);
      const r = gemini.readScreen(s);
      expect(r.kind).toBe(want.kind);
      if (want.name) expect(r.name).toBe(want.name);
      if (want.box !== undefined) expect(gemini.inputText(s)).toBe(want.box);
      if (want.failure !== undefined) expect(gemini.failure({ screen: s })).toEqual(want.failure === null ? null : expect.objectContaining(want.failure));
    });
  }

  it('takes the API key when it is the selected way in; a Google sign-in is one sentence, never a key', () => {
    expect(gemini.dialogKeys('auth', screen('auth.txt'))).toEqual(['Enter']);
    expect(gemini.dialogKeys('api-key', screen('api-key.txt'))).toEqual(['Enter']);
    const google = screen('auth.txt').replace('● 2. Use Gemini API Key', '  2. Use Gemini API Key').replace('  1. Sign in with Google', '● 1. Sign in with Google');
    const r = gemini.readScreen(google);
    expect(r.kind).toBe('fatal');
    expect(r.message).toMatch(/^Gemini CLI is not signed in: set GEMINI_API_KEY/);
  });

  it("installs its hooks into the project's .gemini/settings.json beside the user's and takes them out again", () => {
    const repo = mkdtempSync(path.join(tmpdir(), 'ar-gem-'));
    try {
      mkdirSync(path.join(repo, '.gemini'));
      const mine = { ui: { theme: 'x' }, hooks: { AfterAgent: [{ hooks: [{ type: 'command', command: 'echo mine' }] }] } };
      writeFileSync(path.join(repo, '.gemini', 'settings.json'), JSON.stringify(mine));
      const env: Record<string, string> = {};
      const s = gemini.setup({ repo, stateDir: repo, hook: ['/n', '/h.js', '/ev'], shimDir: '/s', env });
      expect(env.GEMINI_CLI_TRUST_WORKSPACE).toBe('true');
      const got = JSON.parse(readFileSync(path.join(repo, '.gemini', 'settings.json'), 'utf8'));
      expect(got.hooks.AfterAgent).toHaveLength(2);
      expect(got.hooks.AfterAgent[1].hooks[0].command).toContain('/n /h.js --reply /ev AfterAgent');
      s.undo();
      expect(JSON.parse(readFileSync(path.join(repo, '.gemini', 'settings.json'), 'utf8'))).toEqual(mine);
      rmSync(path.join(repo, '.gemini', 'settings.json'));
      gemini.setup({ repo, stateDir: repo, hook: ['/n', '/h.js', '/ev'], shimDir: '/s', env }).undo();
      expect(existsSync(path.join(repo, '.gemini', 'settings.json'))).toBe(false);
      expect(existsSync(path.join(repo, '.gemini'))).toBe(true); // the user's folder stays
      rmSync(path.join(repo, '.gemini'), { recursive: true });
      gemini.setup({ repo, stateDir: repo, hook: ['/n', '/h.js', '/ev'], shimDir: '/s', env }).undo();
      expect(existsSync(path.join(repo, '.gemini'))).toBe(false); // ours goes
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
    expect(gemini.signal({ event: 'AfterAgent', time: 1 })).toBe('turn-end');
    expect(gemini.signal({ event: 'BeforeAgent', time: 1 })).toBe('submitted');
    expect(gemini.model(['--yolo', '-m', 'gemini-2.5-pro'], {})).toBe('gemini-2.5-pro');
  });
});
