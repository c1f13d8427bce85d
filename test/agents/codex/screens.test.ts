// The Codex CLI screen table against screens captured from the real CLI (0.169.0, tmux, 200x50).
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { codex } from '../../../src/agents/codex/index.js';

const DIR = fileURLToPath(new URL('../../fixtures/screens/codex/', import.meta.url));
const screen = (f: string) => readFileSync(DIR + f, 'utf8');

/** Every captured screen: what it must read as, and the composer's text where there is one. */
/** Failed turns (captured against a scripted server that refused them): what the profile reads from the screen. */
const EXPECTED: Record<string, { kind: string; name?: string; box?: string | null; failure?: { kind: string; cause: string } | null }> = {
  'trust.txt': { kind: 'dialog', name: 'trust' },
  'login.txt': { kind: 'fatal' },
  'ready.txt': { kind: 'ready', box: '' },
  'typed.txt': { kind: 'ready', box: 'Please run the probe now' },
  'typed-slash-quit.txt': { kind: 'ready', box: '/quit' },
  'busy.txt': { kind: 'busy' },
  'busy-working.txt': { kind: 'busy' },
  'turn-done.txt': { kind: 'ready', box: '', failure: null },
  'failed-401.txt': { kind: 'ready', box: '', failure: { kind: 'permanent', cause: 'API key refused' } },
  'failed-nokey.txt': { kind: 'ready', box: '', failure: { kind: 'permanent', cause: 'no API key' } },
  'failed-quota.txt': { kind: 'ready', box: '', failure: { kind: 'permanent', cause: 'no credit' } },
  'failed-429.txt': { kind: 'ready', box: '', failure: { kind: 'transient', cause: 'rate limited' } },
  'failed-500.txt': { kind: 'ready', box: '', failure: { kind: 'transient', cause: 'overloaded' } },
};

describe('Codex screen table', () => {
  it('has an expectation for every captured screen', () => {
    expect(readdirSync(DIR).filter((f) => f.endsWith('.txt')).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [file, want] of Object.entries(EXPECTED)) {
    it(`${file} reads as ${want.kind}${want.name ? ` (${want.name})` : ''}`, () => {
      const s = screen(file);
      const r = codex.readScreen(s);
      expect(r.kind).toBe(want.kind);
      if (want.name) expect(r.name).toBe(want.name);
      if (want.box !== undefined) expect(codex.inputText(s)).toBe(want.box);
      if (want.failure !== undefined) expect(codex.failure({ screen: s })).toEqual(want.failure === null ? null : expect.objectContaining(want.failure));
    });
  }

  it('answers the trust dialog with Enter on "Trust and continue"; the login screen is one sentence', () => {
    expect(codex.dialogKeys('trust', screen('trust.txt'))).toEqual(['Enter']);
    const moved = screen('trust.txt').replace('› 1. Trust and continue', '  1. Trust and continue').replace('  2. Back to', '› 2. Back to');
    expect(codex.dialogKeys('trust', moved)).toEqual(['Up', 'Enter']);
    expect(codex.readScreen(screen('login.txt')).message).toMatch(/^Codex is not signed in: run "codex login"/);
    expect(codex.readScreen('Pane is dead (status 0, Wed Dec  2 06:42:00 2026)\n').kind).toBe('exited');
    expect(codex.readScreen('').kind).toBe('exited');
    expect(codex.readScreen('   >_ OpenAI Codex (v0.169.0)\n').kind).toBe('unknown');
  });

  it('ends a turn on notify, but not on the thread-title side request', () => {
    expect(codex.signal({ event: 'agent-turn-complete', time: 1, prompt: 'Next task from the research plan' })).toBe('turn-end');
    expect(codex.signal({ event: 'agent-turn-complete', time: 1, prompt: 'Generate a concise, single-line task title of at most 36 characters' })).toBeNull();
    expect(codex.signal({ event: 'Stop', time: 1 })).toBeNull();
  });

  it('puts the notify program and a plain shell on the launch line, writing nothing', () => {
    const s = codex.setup({ repo: '/r', stateDir: '/r/.autoresearch/t', hook: ['/usr/bin/node', '/p/hook.js', '/r/ev.jsonl'], shimDir: '/s', env: {} });
    expect(s.args).toEqual(['-c', 'allow_login_shell=false', '-c', 'notify=["/usr/bin/node","/p/hook.js","/r/ev.jsonl","notify"]']);
    expect(s.signals).toBe(true);
    expect(codex.model(['-m', 'gpt-5'], {})).toBe('gpt-5');
    expect(codex.model(['-c', 'model="o3"'], { CODEX_HOME: '/nonexistent' })).toBe('o3');
  });
});
