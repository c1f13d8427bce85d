// The pane's colours: a captured Claude Code screen (ANSI as tmux capture-pane -e gives it) becomes styled spans
// of plain text; other escapes are dropped; a key on screen is redacted whole, whatever its colours.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import stripAnsi from 'strip-ansi';
import { describe, expect, it } from 'vitest';
import { color256, paneLines, paneText } from '../../src/dashboard/ansi.js';
import { ROOT } from '../helpers/repo.js';

const screen = readFileSync(path.join(ROOT, 'test/fixtures/screens/claude/ready.ansi.txt'), 'utf8');
const spans = (raw: string) => paneLines(raw).flat();

describe('paneLines', () => {
  it('keeps the text of a captured screen exactly as strip-ansi reads it, with its colours and bold as spans', () => {
    const lines = paneLines(screen);
    const plain = stripAnsi(screen).split('\n').map((l) => l.trimEnd());
    while (plain.length && plain[plain.length - 1] === '') plain.pop();
    // The same text, but for the cursor: an inverse space at the end of the input line, kept so it shows.
    expect(paneText(lines).split('\n').map((l) => l.trimEnd())).toEqual(plain);
    const all = lines.flat();
    expect(all).toContainEqual({ t: ' ', r: 1 });
    expect(all.some((s) => s.t.includes('\x1b'))).toBe(false);
    expect(all.find((s) => s.t === 'Claude Code')).toEqual({ t: 'Claude Code', fg: color256(174) });
    expect(all.find((s) => s.t.includes('Welcome back!'))).toMatchObject({ b: 1 });
    expect(all.find((s) => s.t.includes('Tips for getting started'))).toMatchObject({ b: 1, fg: '#d78787' });
  });

  it('keeps markup as text and drops every escape that is not a colour', () => {
    const raw = '\x1b]0;title\x07\x1b[2J\x1b[H\x1b[1;31m<script>alert(1)</script>\x1b[0m done\x1b[?25l\r\n\x1b[38;2;1;2;3mrgb\x1b[39m\x1b[7minv\x1b[27m';
    expect(paneLines(raw)).toEqual([
      [{ t: '<script>alert(1)</script>', b: 1, fg: '#cd3131' }, { t: ' done' }],
      [{ t: 'rgb', fg: '#010203' }, { t: 'inv', r: 1 }],
    ]);
  });

  it('redacts a key split by colours, and that line loses its colours', () => {
    const key = 'sk-ant-api03-' + 'x'.repeat(30);
    const raw = `\x1b[32mok line\x1b[0m\nkey: \x1b[33m${key.slice(0, 10)}\x1b[34m${key.slice(10)}\x1b[0m\n`;
    const lines = paneLines(raw, (s) => s.replaceAll(key, '[redacted]'));
    expect(lines).toEqual([[{ t: 'ok line', fg: '#0dbc79' }], [{ t: 'key: [redacted]' }]]);
    // Why per line: in spans the key is in two pieces, which a redactor of the serialised spans would not see.
    const pieces = spans(raw).map((s) => s.t);
    expect(pieces.some((t) => t.includes(key))).toBe(false);
    expect(pieces.join('')).toContain(key);
  });

  it('maps the 256 colours', () => {
    expect([color256(1), color256(16), color256(231), color256(232), color256(255), color256(256)]).toEqual(['#cd3131', '#000000', '#ffffff', '#080808', '#eeeeee', undefined]);
  });
});
