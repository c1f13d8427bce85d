import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  classifyScreen,
  dialogKeys,
  inputBoxText,
  MARKERS,
  SCREEN_PATTERNS,
  screenBanners,
  type ScreenState,
} from '../../../src/agents/claude/screens.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/screens/claude/', import.meta.url));
const read = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');

type Dialog = 'trust' | 'api-key' | 'bypass' | 'rate-limit';
interface Expect {
  state: ScreenState;
  pattern: string;
  /** inputBoxText(); null = no box */
  box: string | null;
  keys?: string[];
  banners?: string[];
}

/** Every captured screen (Claude Code 2.1.197, tmux 3.3a, 200x50) and what it must classify as. */
const EXPECTED: Record<string, Expect> = {
  'trust.txt': { state: 'trust', pattern: 'trust', box: null, keys: ['Enter'] },
  'trust.ansi.txt': { state: 'trust', pattern: 'trust', box: null, keys: ['Enter'] },
  'trust-no-selected.txt': { state: 'trust', pattern: 'trust', box: null, keys: ['Up', 'Enter'] },
  'api-key.txt': { state: 'api-key', pattern: 'api-key', box: null, keys: ['Up', 'Enter'] },
  'api-key-yes-selected.txt': { state: 'api-key', pattern: 'api-key', box: null, keys: ['Enter'] },
  'bypass.txt': { state: 'bypass', pattern: 'bypass', box: null, keys: ['Down', 'Enter'] },
  'bypass.ansi.txt': { state: 'bypass', pattern: 'bypass', box: null, keys: ['Down', 'Enter'] },
  'bypass-yes-selected.txt': { state: 'bypass', pattern: 'bypass', box: null, keys: ['Enter'] },
  'root-refusal.txt': { state: 'root-refusal', pattern: 'root-refusal', box: null },
  'root-refusal-dead-pane-history.txt': { state: 'root-refusal', pattern: 'root-refusal', box: null },
  // launched as the pane's own command, the message scrolls out of the visible screen
  'root-refusal-dead-pane.txt': { state: 'exited', pattern: 'exited-pane-dead', box: null },
  'onboarding.txt': { state: 'onboarding', pattern: 'onboarding-no-connection', box: null },
  'onboarding-dead.txt': { state: 'onboarding', pattern: 'onboarding-no-connection', box: null },
  'onboarding-welcome.txt': { state: 'onboarding', pattern: 'onboarding-welcome', box: null },
  'ready.txt': { state: 'ready', pattern: 'ready', box: '' },
  'ready.ansi.txt': { state: 'ready', pattern: 'ready', box: '' },
  'turn-done.txt': { state: 'ready', pattern: 'ready', box: '' },
  'turn-done.ansi.txt': { state: 'ready', pattern: 'ready', box: '' },
  'typed-not-submitted.txt': { state: 'ready', pattern: 'ready-typed', box: 'Please edit train.py' },
  'typed-multiline.txt': {
    state: 'ready',
    pattern: 'ready-typed',
    box: 'First line of a prompt\nsecond line\nthird line',
    banners: ['api-error'],
  },
  'slash-menu.txt': { state: 'ready', pattern: 'ready-typed', box: '/exit' },
  'interrupted.txt': { state: 'ready', pattern: 'ready-typed', box: 'err500 please', banners: ['api-error'] },
  'interrupted-queued.txt': { state: 'ready', pattern: 'ready', box: '', banners: ['api-error', 'interrupted'] },
  'not-logged-in.txt': { state: 'ready', pattern: 'ready', box: '', banners: ['not-logged-in'] },
  'api-error-400.txt': { state: 'ready', pattern: 'ready', box: '', banners: ['api-error'] },
  'busy.txt': { state: 'busy', pattern: 'busy', box: '' },
  'busy.ansi.txt': { state: 'busy', pattern: 'busy', box: '' },
  'busy-streaming.txt': { state: 'busy', pattern: 'busy', box: '' },
  'busy-tool.txt': { state: 'busy', pattern: 'busy', box: '' },
  'busy-tool-running.txt': { state: 'busy', pattern: 'busy', box: '' },
  'busy-api-retry.txt': { state: 'busy', pattern: 'busy', box: '', banners: ['api-error'] },
  // text typed while busy hides "esc to interrupt": the spinner line still says busy
  'busy-typed.txt': { state: 'busy', pattern: 'busy', box: 'queued words', banners: ['api-error'] },
  // "Press up to edit queued messages" is a placeholder, not text
  'busy-queued.txt': { state: 'busy', pattern: 'busy', box: '', banners: ['api-error'] },
  'exited.txt': { state: 'exited', pattern: 'exited-pane-dead', box: '/exit' },
  'exited.ansi.txt': { state: 'exited', pattern: 'exited-pane-dead', box: '/exit' },
  'exited-killed.txt': { state: 'exited', pattern: 'exited-pane-dead', box: '' },
  'exited-shell.txt': { state: 'exited', pattern: 'exited-shell-prompt', box: '/exit' },
  // failed turns (their error lines: test/agents/claude/failures.test.ts): the agent is ready again
  'failed-nokey.txt': { state: 'ready', pattern: 'ready', box: '', banners: ['not-logged-in'] },
  'failed-401.txt': { state: 'ready', pattern: 'ready', box: '' },
  'failed-403.txt': { state: 'ready', pattern: 'ready', box: '' },
  'failed-429.txt': { state: 'ready', pattern: 'ready', box: '', banners: ['api-error'] },
  'failed-529.txt': { state: 'ready', pattern: 'ready', box: '', banners: ['api-error'] },
  'failed-500.txt': { state: 'ready', pattern: 'ready', box: '', banners: ['api-error'] },
  'failed-credit.txt': { state: 'ready', pattern: 'ready', box: '' },
  'failed-model.txt': { state: 'ready', pattern: 'ready', box: '' },
  'failed-orgdisabled.txt': { state: 'ready', pattern: 'ready', box: '' },
  'failed-usage-limit.txt': { state: 'ready', pattern: 'ready', box: '' },
  // the CLI opens this menu itself after a usage limit: "Stop and wait" is already chosen
  'rate-limit-options.txt': { state: 'rate-limit', pattern: 'rate-limit-options', box: null, keys: ['Enter'] },
};

const RULE = '─'.repeat(120);
const STATUS_IDLE = '  ⏵⏵ bypass permissions on (shift+tab to cycle) · ← for agents';
const STATUS_BUSY = '  ⏵⏵ bypass permissions on (shift+tab to cycle) · esc to interrupt · ← for agents';
const screen = (...ls: string[]) => ls.join('\n') + '\n';

describe('screen fixtures', () => {
  const files = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.txt'));

  it('every fixture has an expectation (add new captures to EXPECTED)', () => {
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [file, exp] of Object.entries(EXPECTED)) {
    it(`${file} -> ${exp.state} (${exp.pattern})`, () => {
      const s = read(file);
      expect(classifyScreen(s)).toEqual({ state: exp.state, pattern: exp.pattern });
      expect(inputBoxText(s)).toBe(exp.box);
      if (exp.keys) expect(dialogKeys(exp.state as Dialog, s)).toEqual(exp.keys);
      expect(screenBanners(s)).toEqual(exp.banners ?? []);
    });
  }
});

describe('classifyScreen edge cases', () => {
  it('an echoed user message with ❯ above a busy status is busy, not ready', () => {
    const s = screen('❯ Please edit train.py', '', '● Working on it', '', RULE, '❯\u00a0', RULE, STATUS_BUSY);
    expect(classifyScreen(s).state).toBe('busy');
  });

  it('a spinner line above an empty box is busy even without "esc to interrupt"', () => {
    const s = screen('❯ slow please', '', '✶ Concocting… (6s · ↓ 24 tokens)', '', RULE, '❯\u00a0', RULE, STATUS_IDLE);
    expect(classifyScreen(s).state).toBe('busy');
  });

  it('a finished-turn line ("✻ Cogitated for 8s") is not a spinner', () => {
    const s = screen('❯ hi', '', '● Hello.', '', '✻ Cogitated for 8s', '', RULE, '❯\u00a0', RULE, STATUS_IDLE);
    expect(classifyScreen(s)).toEqual({ state: 'ready', pattern: 'ready' });
  });

  it('accepts a plain space after ❯ in the box too', () => {
    expect(classifyScreen(screen(RULE, '❯ ', RULE, STATUS_IDLE)).state).toBe('ready');
  });

  it('echoed ❯ lines with no input box are unknown, never ready', () => {
    expect(classifyScreen(screen('❯ Please edit train.py', '', '● Done.')).state).toBe('unknown');
  });

  it('"esc to interrupt" inside the conversation (not under the box) does not make it busy', () => {
    const s = screen('● Press esc to interrupt me, said the model', '', RULE, '❯\u00a0', RULE, STATUS_IDLE);
    expect(classifyScreen(s).state).toBe('ready');
  });

  it('an empty screen is exited (pattern exited-empty)', () => {
    expect(classifyScreen('')).toEqual({ state: 'exited', pattern: 'exited-empty' });
    expect(classifyScreen('\n\n   \n')).toEqual({ state: 'exited', pattern: 'exited-empty' });
  });

  it('random text is unknown', () => {
    expect(classifyScreen('lorem ipsum dolor sit amet\nconsectetur adipiscing elit\n')).toEqual({ state: 'unknown' });
    expect(classifyScreen(screen(RULE, 'no prompt here', RULE))).toEqual({ state: 'unknown' });
  });

  it('a shell prompt as the last line is exited', () => {
    expect(classifyScreen('root@box:/tmp/repo# \n').state).toBe('exited');
    expect(classifyScreen('some output\nuser@host:~$ \n').state).toBe('exited');
  });

  it('strips ANSI escapes itself', () => {
    const s = screen(RULE, '\u001b[39m❯\u00a0\u001b[7m \u001b[0m', RULE, '\u001b[38;5;211m' + STATUS_BUSY + '\u001b[39m');
    expect(classifyScreen(s).state).toBe('busy');
  });

  it('dialogs win over a half-painted box', () => {
    const s = screen(RULE, '❯\u00a0', RULE, MARKERS.trustQuestion, ' ❯ 1. Yes, I trust this folder', '   2. No, exit');
    expect(classifyScreen(s).state).toBe('trust');
  });

  it('every pattern has a unique name and a description', () => {
    const names = SCREEN_PATTERNS.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const p of SCREEN_PATTERNS) expect(p.description.length).toBeGreaterThan(10);
  });
});

describe('dialogKeys', () => {
  const menu = (title: string, options: string[], cursor: number) =>
    screen(
      title,
      '',
      ...options.map((o, i) => `${i === cursor ? ' ❯' : '  '} ${i + 1}. ${o}`),
      '',
      ' Enter to confirm · Esc to cancel',
    );

  it('moves from the cursor to the wanted answer', () => {
    expect(dialogKeys('api-key', menu(MARKERS.apiKeyQuestion, ['Yes', 'No (recommended)'], 1))).toEqual(['Up', 'Enter']);
    expect(dialogKeys('api-key', menu(MARKERS.apiKeyQuestion, ['Yes', 'No (recommended)'], 0))).toEqual(['Enter']);
    expect(dialogKeys('bypass', menu('WARNING', ['No, exit', 'Yes, I accept'], 0))).toEqual(['Down', 'Enter']);
    expect(dialogKeys('bypass', menu('WARNING', ['No, exit', 'Yes, I accept'], 1))).toEqual(['Enter']);
    expect(dialogKeys('trust', menu(MARKERS.trustQuestion, ['Yes, I trust this folder', 'No, exit'], 1))).toEqual([
      'Up',
      'Enter',
    ]);
  });

  it('counts several moves in a longer menu', () => {
    const s = menu('WARNING', ['No, exit', 'Maybe later', 'Yes, I accept'], 0);
    expect(dialogKeys('bypass', s)).toEqual(['Down', 'Down', 'Enter']);
  });

  it('falls back to the 2.1.197 defaults when the menu cannot be read', () => {
    expect(dialogKeys('trust', 'garbled')).toEqual(['Enter']);
    expect(dialogKeys('api-key', 'garbled')).toEqual(['Up', 'Enter']);
    expect(dialogKeys('bypass', 'garbled')).toEqual(['Down', 'Enter']);
  });
});

describe('inputBoxText', () => {
  it('returns null with no box, the text otherwise', () => {
    expect(inputBoxText('hello')).toBeNull();
    expect(inputBoxText(screen(RULE, '❯\u00a0run the sweep', RULE, STATUS_IDLE))).toBe('run the sweep');
    expect(inputBoxText(screen(RULE, '❯\u00a0line one', '  line two', RULE, STATUS_IDLE))).toBe('line one\nline two');
  });

  it('treats the queued-messages placeholder as empty', () => {
    expect(inputBoxText(screen(RULE, '❯\u00a0Press up to edit queued messages', RULE, STATUS_BUSY))).toBe('');
  });
});
