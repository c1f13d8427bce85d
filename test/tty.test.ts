// What a person sees on a real terminal (node-pty gives the CLI a TTY) against what a pipe gets.
import { describe, it, expect, afterAll } from 'vitest';
import { writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pty from 'node-pty';
import { jobRepo, cli, cleanupRepos, BIN } from './helpers/repo.js';
import { rendezvous } from './helpers/experiments.js';

afterAll(cleanupRepos);

/** Run the CLI on a pseudo-terminal; resolve with everything it drew and its exit code. */
function onTty(args: string[], cwd: string, env: Record<string, string> = {}, seen?: (out: string) => void): Promise<{ out: string; code: number }> {
  return new Promise((resolve) => {
    const p = pty.spawn(process.execPath, [BIN, ...args], { cwd, cols: 100, rows: 30, env: { ...process.env, ...env } as Record<string, string> });
    let out = '';
    p.onData((d) => {
      out += d;
      seen?.(out);
    });
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

  it('a sweep side by side shows one live line of its runs, where each is, on a TTY', async () => {
    const repo = jobRepo('rendezvous.py', { budget_seconds: 60 }, { 'grid.yaml': 'strategy: grid\nparameters:\n  X: [2.0, 3.0]\n' });
    expect((await cli(['init', '--tag', 't'], { cwd: repo })).exitCode).toBe(0);
    // Three must meet and two run: they wait at the rendezvous until the live line names both running.
    const rv = rendezvous(3);
    const live = /\r\x1b\[2K\[1-2\/2\] X=2\.0 running slot 0 \d+ s \| X=3\.0 running slot 1 \d+ s \| best 1\.400000/;
    let released = false;
    const tty = await onTty(['sweep', 'grid.yaml', '--parallel', '2'], repo, rv, (out) => {
      if (!released && live.test(out)) writeFileSync(path.join(rv.RENDEZVOUS!, 'third'), '');
      released ||= live.test(out);
    });
    expect(tty.code, tty.out).toBe(0);
    expect(released, tty.out).toBe(true);
    // Each finished run leaves its line; the live line goes with the batch.
    expect(tty.out).toMatch(/\[[12]\/2\] X=3\.0 {2}\S*keep/);
    expect(tty.out).toMatch(/Done: 2 new runs/);
  }, 120_000);

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
