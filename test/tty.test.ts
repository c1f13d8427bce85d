// What a person sees on a real terminal (node-pty gives the CLI a TTY) against what a pipe gets.
import { describe, it, expect, afterAll } from 'vitest';
import { writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pty from 'node-pty';
import { jobRepo, cli, cleanupRepos, BIN } from './helpers/repo.js';

afterAll(cleanupRepos);

/** Run the CLI on a pseudo-terminal; resolve with everything it drew and its exit code. */
function onTty(args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ out: string; code: number }> {
  return new Promise((resolve) => {
    const p = pty.spawn(process.execPath, [BIN, ...args], { cwd, cols: 100, rows: 30, env: { ...process.env, ...env } as Record<string, string> });
    let out = '';
    p.onData((d) => (out += d));
    p.onExit(({ exitCode }) => resolve({ out, code: exitCode }));
  });
}

describe('on a terminal, and not on a pipe', () => {
  it('run shows a live elapsed/budget line on a TTY only', async () => {
    const repo = jobRepo('slow_summary.py', { budget_seconds: 2 });
    expect((await cli(['init', '--tag', 't', '--no-baseline'], { cwd: repo })).exitCode).toBe(0);
    const tty = await onTty(['run', '-m', 'on a tty'], repo);
    expect(tty.code, tty.out).toBe(0);
    expect(tty.out).toMatch(/\r\x1b\[2Ktraining \d+s \/ 2s/);
    expect(tty.out).toMatch(/status: +keep/);
    const piped = await cli(['run', '-m', 'on a pipe'], { cwd: repo });
    expect(piped.exitCode).toBe(0);
    expect(piped.all).not.toMatch(/training \d+s/);
    expect(piped.all).not.toMatch(/\x1b\[/); // no escape codes for a pipe
  });

  it('report draws the chart in the terminal on a TTY only', async () => {
    const repo = jobRepo('summary.py', { budget_seconds: 2 });
    expect((await cli(['init', '--tag', 't'], { cwd: repo })).exitCode).toBe(0);
    const f = path.join(repo, 'train.py');
    writeFileSync(f, readFileSync(f, 'utf8').replace(/^X = .*$/m, 'X = 2.0'));
    expect((await cli(['run', '-m', 'X=2'], { cwd: repo })).exitCode).toBe(0);
    const tty = await onTty(['report'], repo);
    expect(tty.code, tty.out).toBe(0);
    const piped = await cli(['report'], { cwd: repo });
    expect(piped.exitCode).toBe(0);
    // The terminal chart uses braille or block characters; the piped report has none.
    const chartChars = /[\u2800-\u28ff\u2580-\u259f]/;
    expect(tty.out).toMatch(chartChars);
    expect(piped.stdout).not.toMatch(chartChars);
  });
});
