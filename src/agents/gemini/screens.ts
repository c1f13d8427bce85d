/**
 * Every screen pattern of the Gemini CLI (observed with @google/gemini-cli 0.61.0 in tmux 3.3a, pane 200x50) in one
 * table, tested on the captured screens in test/fixtures/screens/gemini. When the CLI moves, capture the new screens
 * and fix this table; nothing else holds a Gemini screen string.
 */
import { lines, menuKeys, paneDead, plain } from '../screen-text.js';
import type { ScreenReading } from '../profile.js';

export const MARKERS = {
  /** The input line's prompt: `>` normally, `*` in YOLO mode; between two full-width rules. */
  prompts: ['>', '*'],
  /** In the spinner line while a turn runs ("⠧ Thinking... (esc to cancel, 2s)"). */
  busy: 'esc to cancel',
  authQuestion: 'How would you like to authenticate for this project?',
  authApiKey: /^Use Gemini API Key\b/,
  apiKeyTitle: 'Enter Gemini API Key',
  trustQuestion: 'Do you trust the files in this folder?',
  trustYes: /^Trust folder\b/,
} as const;

/** What the empty input line shows, dimmed. */
export const PLACEHOLDERS: readonly string[] = ['Type your message or @path/to/file'];

const NOT_SIGNED_IN =
  'Gemini CLI is not signed in: set GEMINI_API_KEY, or run "gemini" once and sign in, then start the session again.';

const isRule = (l: string) => /^\s*─{20,}\s*$/.test(l);

/** The input line: the lowest line right under a rule that starts with a prompt glyph, with its continuation lines. */
function inputLine(screen: string): string | null {
  const ls = lines(screen);
  for (let top = ls.length - 1; top >= 0; top--) {
    if (!isRule(ls[top]!)) continue;
    for (let i = top + 1; i < Math.min(ls.length, top + 4); i++) {
      const m = /^ ([>*]) (.*)$/.exec(ls[i]!);
      if (!m) continue;
      const body = [m[2]!.trim()];
      for (let j = i + 1; j < ls.length && /^ {3}\S/.test(ls[j]!); j++) body.push(ls[j]!.trim());
      const text = body.join('\n').trim();
      return PLACEHOLDERS.includes(text) ? '' : text;
    }
    // A rule under the box (the footer's) or between other lines: look further up.
  }
  return null;
}

export interface GeminiPattern {
  name: string;
  reading: ScreenReading;
  test: (s: string) => boolean;
}

/** The table; the first match wins. */
export const PATTERNS: GeminiPattern[] = [
  { name: 'exited-pane-dead', reading: { kind: 'exited' }, test: paneDead },
  { name: 'trust', reading: { kind: 'dialog', name: 'trust' }, test: (s) => s.includes(MARKERS.trustQuestion) },
  {
    // Only with a key in the environment is the API-key choice the selected one; otherwise it is a sign-in.
    name: 'auth',
    reading: { kind: 'dialog', name: 'auth' },
    test: (s) => s.includes(MARKERS.authQuestion) && /●\s*\d+\.\s+Use Gemini API Key/.test(s),
  },
  { name: 'not-signed-in', reading: { kind: 'fatal', message: NOT_SIGNED_IN }, test: (s) => s.includes(MARKERS.authQuestion) },
  { name: 'api-key', reading: { kind: 'dialog', name: 'api-key' }, test: (s) => s.includes(MARKERS.apiKeyTitle) },
  { name: 'busy', reading: { kind: 'busy' }, test: (s) => s.includes(MARKERS.busy) && inputLine(s) !== null },
  { name: 'ready', reading: { kind: 'ready' }, test: (s) => inputLine(s) !== null },
  { name: 'exited-empty', reading: { kind: 'exited' }, test: (s) => s.trim() === '' },
];

export function readGeminiScreen(screen: string): ScreenReading {
  const s = plain(screen);
  for (const p of PATTERNS) if (p.test(s)) return { ...p.reading, name: p.reading.name ?? p.name };
  return { kind: 'unknown' };
}

export function geminiDialogKeys(dialog: string, screen: string): string[] {
  if (dialog === 'auth') return menuKeys(screen, MARKERS.authApiKey, '●') ?? ['Enter'];
  if (dialog === 'trust') return menuKeys(screen, MARKERS.trustYes, '●') ?? ['Enter'];
  // The key box is filled from GEMINI_API_KEY: Enter takes it.
  return ['Enter'];
}

export const geminiInputText = inputLine;
