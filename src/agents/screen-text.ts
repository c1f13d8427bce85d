// Helpers over a captured pane shared by the profiles' screen tables (each table keeps its own strings).
import stripAnsi from 'strip-ansi';

/** The screen as plain text, escapes removed. */
export function plain(screen: string): string {
  return screen.includes('\u001b') ? stripAnsi(screen) : screen;
}

export function lines(screen: string): string[] {
  return plain(screen).replace(/\r/g, '').split('\n');
}

/** tmux's own line on a dead pane kept by remain-on-exit: "Pane is dead (status 1, <date>)". */
export function paneDead(screen: string): boolean {
  return lines(screen).some((l) => l.startsWith('Pane is dead ('));
}

/**
 * Keys that move a menu's cursor to the wanted option and choose it: Up/Down from the line holding the cursor
 * glyph to the first option whose label matches, then Enter; null when the menu cannot be read.
 */
export function menuKeys(screen: string, wanted: RegExp, cursor: string): string[] | null {
  const esc = cursor.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const option = new RegExp(`^[\\s│]*(${esc})?\\s*(\\d+)\\.\\s+(.+?)[\\s│]*$`);
  const options: { label: string; cursor: boolean }[] = [];
  for (const l of lines(screen)) {
    const m = option.exec(l);
    if (m) options.push({ label: m[3]!, cursor: !!m[1] });
  }
  const want = options.findIndex((o) => wanted.test(o.label));
  const at = options.findIndex((o) => o.cursor);
  if (want < 0 || at < 0) return null;
  const moves = want - at;
  return [...Array.from({ length: Math.abs(moves) }, () => (moves < 0 ? 'Up' : 'Down')), 'Enter'];
}
