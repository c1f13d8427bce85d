/**
 * Every screen pattern of the Codex CLI (observed with @openai/codex 0.169.0 in tmux 3.3a, pane 200x50) in one table,
 * tested on the captured screens in test/fixtures/screens/codex. When the CLI moves, capture the new screens and fix
 * this table; nothing else holds a Codex screen string.
 */
import { lines, menuKeys, paneDead, plain } from '../screen-text.js';
import type { ScreenReading } from '../profile.js';

export const MARKERS = {
  /** The composer's prompt glyph, also before each echoed user message. */
  composer: '›',
  /** In the status line while a turn runs ("• Working (3s • esc to interrupt)", "◦ Reconnecting... 3/5 (…)"). */
  busy: 'esc to interrupt',
  trustQuestion: 'Trust this folder?',
  trustYes: /^Trust and continue\b/,
  loginWelcome: 'Welcome to Codex',
  loginChoice: 'Sign in with ChatGPT',
} as const;

/** What the empty composer shows, dimmed. */
export const PLACEHOLDERS: readonly string[] = ['Ask Codex to do anything', 'Ask a follow-up question'];

const NOT_SIGNED_IN =
  'Codex is not signed in: run "codex login" once (or configure a model provider and its key in ~/.codex/config.toml), then start the session again.';

/** The composer: the last line that starts with the prompt glyph, with its indented continuation lines. */
function composer(screen: string): string | null {
  const ls = lines(screen);
  for (let i = ls.length - 1; i >= 0; i--) {
    const l = ls[i]!;
    if (!l.startsWith(MARKERS.composer)) continue;
    const body = [l.slice(MARKERS.composer.length).replace(/^ /, '')];
    for (let j = i + 1; j < ls.length && /^ {2}\S/.test(ls[j]!) && !/ · /.test(ls[j]!); j++) body.push(ls[j]!.slice(2));
    const text = body.map((x) => x.trimEnd()).join('\n').trim();
    return PLACEHOLDERS.includes(text) ? '' : text;
  }
  return null;
}

export interface CodexPattern {
  name: string;
  reading: ScreenReading;
  test: (s: string) => boolean;
}

/** The table; the first match wins. */
export const PATTERNS: CodexPattern[] = [
  { name: 'exited-pane-dead', reading: { kind: 'exited' }, test: paneDead },
  {
    name: 'login',
    reading: { kind: 'fatal', message: NOT_SIGNED_IN },
    test: (s) => s.includes(MARKERS.loginWelcome) && s.includes(MARKERS.loginChoice),
  },
  { name: 'trust', reading: { kind: 'dialog', name: 'trust' }, test: (s) => s.includes(MARKERS.trustQuestion) },
  { name: 'busy', reading: { kind: 'busy' }, test: (s) => s.includes(MARKERS.busy) && composer(s) !== null },
  { name: 'ready', reading: { kind: 'ready' }, test: (s) => composer(s) !== null },
  { name: 'exited-empty', reading: { kind: 'exited' }, test: (s) => s.trim() === '' },
];

export function readCodexScreen(screen: string): ScreenReading {
  const s = plain(screen);
  for (const p of PATTERNS) if (p.test(s)) return { ...p.reading, name: p.reading.name ?? p.name };
  return { kind: 'unknown' };
}

export function codexDialogKeys(dialog: string, screen: string): string[] {
  if (dialog === 'trust') return menuKeys(screen, MARKERS.trustYes, MARKERS.composer) ?? ['Enter'];
  return ['Enter'];
}

export const codexInputText = composer;
