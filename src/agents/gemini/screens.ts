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
  /** A prompt sent while the CLI still initializes waits above the box ("Queued (press ↑ to edit):"): it is taken. */
  queued: /^\s*Queued \(press ↑ to edit\):/m,
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

/** The key box under "Enter Gemini API Key" holds nothing (its line is only borders). */
function keyBoxEmpty(screen: string): boolean {
  const ls = lines(screen);
  const at = ls.findIndex((l) => l.includes(MARKERS.apiKeyTitle));
  const box = ls.slice(at + 1).findIndex((l) => /^\s*│\s*╭/.test(l));
  if (box < 0) return false;
  return /^\s*│\s*│\s*│\s*│\s*$/.test(ls[at + 1 + box + 1] ?? '');
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
  // The key box empty (no GEMINI_API_KEY to fill it from): a person must type a key.
  { name: 'api-key-empty', reading: { kind: 'fatal', message: NOT_SIGNED_IN }, test: (s) => s.includes(MARKERS.apiKeyTitle) && keyBoxEmpty(s) },
  { name: 'api-key', reading: { kind: 'dialog', name: 'api-key' }, test: (s) => s.includes(MARKERS.apiKeyTitle) },
  { name: 'busy', reading: { kind: 'busy' }, test: (s) => s.includes(MARKERS.busy) && inputLine(s) !== null },
  { name: 'queued', reading: { kind: 'busy' }, test: (s) => MARKERS.queued.test(s) && inputLine(s) !== null },
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
