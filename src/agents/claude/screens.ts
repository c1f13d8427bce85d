/**
 * Every screen pattern of the agent (Claude Code CLI, observed with 2.1.197 in tmux 3.3a) in ONE
 * table, and a pure classifier over captured panes (`tmux capture-pane -p`, ANSI-stripped).
 *
 * UI words drift between Claude Code releases: each pattern here is tested against captured
 * screens in test/fixtures/screens/claude (see the README there). When the CLI moves, capture the new
 * screens, add them as fixtures, and fix this table; nothing else should hold a screen string.
 *
 * States:
 * - 'trust' | 'api-key' | 'bypass': a start-up dialog; answer it with `dialogKeys`.
 * - 'rate-limit': the menu the CLI opens itself after a usage limit (`/rate-limit-options`); answer "Stop and
 *   wait for limit to reset" with `dialogKeys` (the supervisor does the waiting).
 * - 'root-refusal': `--dangerously-skip-permissions` refused as root (set IS_SANDBOX=1).
 * - 'onboarding': first-run onboarding (no `hasCompletedOnboarding` in ~/.claude.json).
 * - 'busy': a turn is running (spinner / `esc to interrupt` / API retry).
 * - 'ready': idle, input box visible. The box may still hold text (pattern 'ready-typed', e.g. a
 *   prompt typed but not submitted, or a prompt put back after an interrupt): check
 *   `inputBoxText(screen) === ''` before typing a new prompt.
 * - 'exited': the pane is dead, shows the CLI's goodbye, a shell prompt, or nothing. NOTE: a pane
 *   is also blank for a moment right after start (pattern 'exited-empty'); confirm with tmux's
 *   `#{pane_dead}` or allow a start-up grace period before acting on it.
 * - 'unknown': anything else. Never treat it as ready.
 */
import stripAnsi from 'strip-ansi';

export type ScreenState =
  | 'trust'
  | 'api-key'
  | 'bypass'
  | 'rate-limit'
  | 'root-refusal'
  | 'onboarding'
  | 'ready'
  | 'busy'
  | 'exited'
  | 'unknown';

export interface ScreenPattern {
  /** stable name of the pattern (several patterns may map to one state) */
  name: string;
  state: ScreenState;
  description: string;
  test: (screen: string) => boolean;
}

// ---------------------------------------------------------------------------------------------
// The strings (Claude Code 2.1.197). Exported so other modules use these, not their own copies.
// ---------------------------------------------------------------------------------------------

/** The cursor of menus, and the prompt glyph of the input box and of echoed user messages. */
export const CURSOR = '❯';
/** The input box's first line is `❯` followed by a no-break space (U+00A0), then the text. */
export const BOX_PROMPT_NBSP = '❯\u00a0';
/** Box rules are full-width lines of this character. */
export const RULE_CHAR = '─';

export const MARKERS = {
  /** under every dialog menu */
  dialogFooter: 'Enter to confirm · Esc to cancel',

  trustQuestion: 'Is this a project you created or one you trust?',
  trustHeader: 'Accessing workspace:',
  trustYes: 'Yes, I trust this folder',
  trustNo: 'No, exit',

  apiKeyDetected: 'Detected a custom API key in your environment',
  apiKeyQuestion: 'Do you want to use this API key?',
  apiKeyYes: 'Yes',
  apiKeyNo: 'No (recommended)',

  bypassWarning: 'running in Bypass Permissions mode',
  bypassYes: 'Yes, I accept',
  bypassNo: 'No, exit',

  rateLimitWait: 'Stop and wait for limit to reset',
  rateLimitCommand: '/rate-limit-options',
  rateLimitQuestion: 'What do you want to do?',

  rootRefusal: 'cannot be used with root/sudo privileges',

  onboardingNoConnection: 'Unable to connect to Anthropic services',
  onboardingWelcome: 'Welcome to Claude Code v',

  /** in the status line under the box while a turn runs (hidden while text is typed in the box) */
  escToInterrupt: 'esc to interrupt',
  /** status line in bypass mode */
  bypassOn: 'bypass permissions on',

  /** written by tmux itself when `remain-on-exit` keeps a dead pane */
  paneDead: 'Pane is dead (',
  /** the CLI's goodbye after /exit (only when the session had messages) */
  goodbye: 'Resume this session with:',

  /** banners that leave the agent 'ready' but useless: see `screenBanners` */
  notLoggedIn: 'Not logged in',
  apiError: 'API Error:',
  interrupted: 'Interrupted · What should Claude do instead?',
} as const;

/** Texts the box shows as a (dim) placeholder: an empty box for `inputBoxText`. */
export const BOX_PLACEHOLDERS: readonly string[] = ['Press up to edit queued messages'];

/** Spinner glyphs that start the `✶ Concocting…` line above the box while a turn runs. */
export const SPINNER_GLYPHS = '·✢✳✶✻✽*✺✹✸⋆';
/** `✢ Imagining…`, `· Mustering… (2s · ↓ 13 tokens)`: glyph, a word or three, an ellipsis. */
export const SPINNER_LINE = new RegExp(`^[${SPINNER_GLYPHS}]\\s+\\S[^…\\n]{0,60}…`);
/** `✻ API error · Retrying in 5s · attempt 5/10` */
export const API_RETRY_LINE = /Retrying in \d+\s*s · attempt \d+\/\d+/;
/** A menu option line: `❯ 1. Yes, I trust this folder` or `   2. No, exit`. */
export const OPTION_LINE = /^\s*(❯)?\s*(\d+)\.\s+(.+?)\s*$/;
/** A line that looks like a shell prompt (`$`, `#`, `root@box:/repo# `, `user@h:~$ `). */
export const SHELL_PROMPT_LINE = /^(?:[$#%>]|\S[^─│]{0,200}[$#%>])\s*$/;

// ---------------------------------------------------------------------------------------------
// Helpers over the screen text
// ---------------------------------------------------------------------------------------------

function lines(screen: string): string[] {
  return screen.replace(/\r/g, '').split('\n');
}

function isRule(line: string): boolean {
  return /^\s*─{10,}\s*$/.test(line);
}

function lastNonEmpty(ls: string[]): { line: string; index: number } | null {
  for (let i = ls.length - 1; i >= 0; i--) if (ls[i].trim() !== '') return { line: ls[i], index: i };
  return null;
}

interface Box {
  /** index of the rule above the box */
  top: number;
  /** index of the rule under the box */
  bottom: number;
  /** text typed in the box ('' when empty) */
  text: string;
}

/**
 * The input box: the last `❯` line that sits right under a rule, with only indented
 * continuation lines between it and the next rule.
 */
function findBox(ls: string[]): Box | null {
  for (let top = ls.length - 2; top >= 0; top--) {
    if (!isRule(ls[top])) continue;
    const first = ls[top + 1];
    if (!first.startsWith(CURSOR)) continue;
    let bottom = -1;
    for (let j = top + 2; j < ls.length; j++) {
      if (isRule(ls[j])) {
        bottom = j;
        break;
      }
      // continuation lines of a multi-line input are indented (or blank)
      if (ls[j].trim() !== '' && !/^\s/.test(ls[j])) break;
    }
    if (bottom < 0) continue;
    const body = [first.slice(CURSOR.length).replace(/^[\u00a0 ]/, ''), ...ls.slice(top + 2, bottom).map((l) => l.replace(/^ {2}/, ''))];
    let text = body.map((l) => l.replace(/[\s\u00a0]+$/, '')).join('\n').replace(/\n+$/, '');
    if (BOX_PLACEHOLDERS.includes(text.trim())) text = '';
    return { top, bottom, text };
  }
  return null;
}

/** Lines under the box (status line and its second row, menus). */
function statusLines(ls: string[], box: Box): string[] {
  return ls.slice(box.bottom + 1).filter((l) => l.trim() !== '');
}

/** The few non-empty lines right above the box (spinner, tip, queued messages). */
function linesAboveBox(ls: string[], box: Box, count = 6): string[] {
  const out: string[] = [];
  for (let i = box.top - 1; i >= 0 && out.length < count; i--) {
    if (isRule(ls[i])) break;
    if (ls[i].trim() !== '') out.push(ls[i]);
  }
  return out;
}

function has(screen: string, s: string): boolean {
  return screen.includes(s);
}

function boxOf(screen: string): Box | null {
  return findBox(lines(screen));
}

function isBusyBox(screen: string): boolean {
  const ls = lines(screen);
  const box = findBox(ls);
  if (!box) return false;
  if (statusLines(ls, box).some((l) => l.includes(MARKERS.escToInterrupt))) return true;
  return linesAboveBox(ls, box).some((l) => SPINNER_LINE.test(l) || API_RETRY_LINE.test(l));
}

// ---------------------------------------------------------------------------------------------
// The table. Order matters: the first match wins.
// ---------------------------------------------------------------------------------------------

export const SCREEN_PATTERNS: ScreenPattern[] = [
  {
    name: 'root-refusal',
    state: 'root-refusal',
    description:
      'As root without IS_SANDBOX=1: "--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons", then exit 1',
    test: (s) => has(s, MARKERS.rootRefusal),
  },
  {
    name: 'onboarding-no-connection',
    state: 'onboarding',
    description:
      'First-run onboarding (no hasCompletedOnboarding) checks api.anthropic.com and stops at "Unable to connect to Anthropic services", then exits 1',
    test: (s) => has(s, MARKERS.onboardingNoConnection),
  },
  {
    name: 'exited-pane-dead',
    state: 'exited',
    description: 'tmux remain-on-exit line "Pane is dead (status N, <date>)" / "(signal 9, ...)"',
    test: (s) => lines(s).some((l) => l.startsWith(MARKERS.paneDead)),
  },
  {
    name: 'exited-goodbye',
    state: 'exited',
    description: 'After /exit: "Resume this session with:" / "claude --resume <id>" with no input box below it',
    test: (s) => {
      const ls = lines(s);
      const i = ls.findIndex((l) => l.startsWith(MARKERS.goodbye));
      return i >= 0 && !ls.slice(i).some(isRule);
    },
  },
  {
    name: 'trust',
    state: 'trust',
    description:
      'Trust dialog: "Quick safety check: Is this a project you created or one you trust?" ❯ 1. Yes, I trust this folder / 2. No, exit',
    test: (s) => has(s, MARKERS.trustQuestion) || (has(s, MARKERS.trustYes) && has(s, MARKERS.dialogFooter)),
  },
  {
    name: 'api-key',
    state: 'api-key',
    description:
      'API key dialog: "Detected a custom API key in your environment" / "Do you want to use this API key?" 1. Yes / ❯ 2. No (recommended)',
    test: (s) => has(s, MARKERS.apiKeyDetected) || has(s, MARKERS.apiKeyQuestion),
  },
  {
    name: 'bypass',
    state: 'bypass',
    description:
      'Bypass dialog: "WARNING: Claude Code running in Bypass Permissions mode" ❯ 1. No, exit / 2. Yes, I accept',
    test: (s) => has(s, MARKERS.bypassWarning) && has(s, MARKERS.bypassYes),
  },
  {
    name: 'rate-limit-options',
    state: 'rate-limit',
    description:
      'After a usage limit (subscriber login) the CLI runs /rate-limit-options: "What do you want to do?" ❯ 1. Stop and wait for limit to reset / 2. Upgrade your plan',
    test: (s) => has(s, MARKERS.dialogFooter) && (has(s, MARKERS.rateLimitWait) || (has(s, MARKERS.rateLimitCommand) && has(s, MARKERS.rateLimitQuestion))),
  },
  {
    name: 'onboarding-welcome',
    state: 'onboarding',
    description: 'First-run onboarding splash "Welcome to Claude Code v2.1.197" with no input box',
    test: (s) => has(s, MARKERS.onboardingWelcome) && !boxOf(s),
  },
  {
    name: 'exited-shell-prompt',
    state: 'exited',
    description: 'The last non-empty line is a shell prompt ("$", "root@box:/repo# "): the CLI ended and its shell is back',
    test: (s) => {
      const last = lastNonEmpty(lines(s));
      return !!last && SHELL_PROMPT_LINE.test(last.line) && !last.line.includes(CURSOR);
    },
  },
  {
    name: 'busy',
    state: 'busy',
    description:
      'Input box visible and a turn running: "esc to interrupt" in the status line under the box, or a spinner line ("✢ Imagining… (0s · ↑ 2 tokens)") or "API error · Retrying in 2s · attempt 3/10" right above the box',
    test: isBusyBox,
  },
  {
    name: 'ready',
    state: 'ready',
    description: 'Idle: "❯" + no-break space alone between two full-width ──── rules, no spinner, no "esc to interrupt"',
    test: (s) => boxOf(s)?.text === '',
  },
  {
    name: 'ready-typed',
    state: 'ready',
    description:
      'Idle with text in the box (typed and not submitted, or put back after an interrupt): check inputBoxText() before typing',
    test: (s) => {
      const box = boxOf(s);
      return !!box && box.text !== '';
    },
  },
  {
    name: 'exited-empty',
    state: 'exited',
    description: 'Nothing on screen (also true for a moment right after start: confirm with #{pane_dead})',
    test: (s) => s.trim() === '',
  },
];

/** Classify one captured screen. Accepts raw capture with escapes too (they are stripped). */
export function classifyScreen(screen: string): { state: ScreenState; pattern?: string } {
  const text = screen.includes('\u001b') ? stripAnsi(screen) : screen;
  for (const p of SCREEN_PATTERNS) {
    let hit = false;
    try {
      hit = p.test(text);
    } catch {
      hit = false;
    }
    if (hit) return { state: p.state, pattern: p.name };
  }
  return { state: 'unknown' };
}

/** The answer each dialog wants, as a test on the option's label. */
export type DialogState = 'trust' | 'api-key' | 'bypass' | 'rate-limit';

const WANTED: Record<DialogState, RegExp> = {
  trust: /^Yes, I trust this folder\b|^Yes\b/,
  'api-key': /^Yes\b/,
  bypass: /^Yes, I accept\b|^Yes\b/,
  'rate-limit': /^Stop and wait\b|^Stop\b/,
};

/** What the keys default to when the menu cannot be read from the screen (2.1.197 defaults). */
export const DEFAULT_DIALOG_KEYS: Record<DialogState, string[]> = {
  trust: ['Enter'],
  'api-key': ['Up', 'Enter'],
  bypass: ['Down', 'Enter'],
  // Escape closes the menu without choosing anything
  'rate-limit': ['Escape'],
};

/**
 * Keys (tmux key names) that answer a dialog with "yes": the Up/Down moves from the line holding
 * `❯` to the wanted option, then Enter. Falls back to DEFAULT_DIALOG_KEYS when the menu is not
 * readable. Send them ONE AT A TIME and re-capture in between: Up and Enter sent back to back
 * right after the dialog appeared confirmed the old choice in 2.1.197.
 */
export function dialogKeys(state: DialogState, screen: string): string[] {
  const text = screen.includes('\u001b') ? stripAnsi(screen) : screen;
  const options: Array<{ n: number; label: string; cursor: boolean }> = [];
  for (const l of lines(text)) {
    const m = OPTION_LINE.exec(l);
    if (m) options.push({ n: Number(m[2]), label: m[3], cursor: !!m[1] });
  }
  const wanted = options.findIndex((o) => WANTED[state].test(o.label));
  const cursor = options.findIndex((o) => o.cursor);
  if (wanted < 0 || cursor < 0) return [...DEFAULT_DIALOG_KEYS[state]];
  const moves = wanted - cursor;
  const key = moves < 0 ? 'Up' : 'Down';
  return [...Array.from({ length: Math.abs(moves) }, () => key), 'Enter'];
}

/** Text typed in the input box ('' when empty or showing a placeholder), null when no box is visible. */
export function inputBoxText(screen: string): string | null {
  const text = screen.includes('\u001b') ? stripAnsi(screen) : screen;
  const box = findBox(lines(text));
  return box ? box.text : null;
}

/**
 * Banners worth a log line or an alarm, on an otherwise 'ready' screen: the key was rejected
 * ("Not logged in · Run /login"), the last model call failed ("API Error: 400 ..."), or the turn
 * was interrupted. Returned as short names: 'not-logged-in' | 'api-error' | 'interrupted'.
 */
export function screenBanners(screen: string): string[] {
  const text = screen.includes('\u001b') ? stripAnsi(screen) : screen;
  const out: string[] = [];
  if (text.includes(MARKERS.notLoggedIn)) out.push('not-logged-in');
  if (/^● API Error: /m.test(text)) out.push('api-error');
  if (text.includes(MARKERS.interrupted)) out.push('interrupted');
  return out;
}
