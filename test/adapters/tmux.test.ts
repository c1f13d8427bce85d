// The tmux adapter against a real tmux server on a private socket.
import { afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { Tmux, escapeTrailingSemicolon, exact, defaultSocket } from '../../src/adapters/tmux.js';
import { descendantsOf, isAlive, killTree, processTree, stillRunning } from '../../src/adapters/procs.js';
import { ToolError } from '../../src/errors.js';
import { ROOT } from '../helpers/repo.js';

const tmux = new Tmux(`artest-${process.pid}-adapter`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  let v = await f();
  while (!ok(v) && Date.now() < end) {
    await sleep(50);
    v = await f();
  }
  return v;
}

afterAll(async () => {
  await tmux.killServer();
});

describe('tmux adapter', () => {
  it('names: exact targets, a trailing ; kept literal, the socket from AR_TMUX_SOCKET', () => {
    expect(exact('apr5')).toBe('=apr5');
    expect(exact('%3')).toBe('%3');
    expect(escapeTrailingSemicolon('a;')).toBe('a\\;');
    expect(escapeTrailingSemicolon('a;b')).toBe('a;b');
    expect(defaultSocket({ AR_TMUX_SOCKET: 'x1' })).toBe('x1');
    expect(defaultSocket({})).toBe('autoresearch');
  });

  it('starts a 200x50 session running argv with no shell and -e variables; reads pane info and the screen', async () => {
    const pane = await tmux.newSession({
      name: 'argv',
      cwd: '/tmp',
      argv: ['sh', '-c', 'printf "%s|%s|%s|" "$1" "$AR_T" "$(pwd)"; tput cols; tput lines; sleep 30', 'sh', 'two words;'],
      env: { AR_T: 'v=1' },
    });
    expect(pane).toMatch(/^%\d+$/);
    // wait for both tput lines: a capture may fall between the two
    const text = await until(() => tmux.capture('argv'), (s) => /\|200\s+50\b/.test(s));
    expect(text).toContain('two words;|v=1|/tmp|200');
    expect(text).toMatch(/\|200\s+50\b/);
    const info = (await tmux.paneInfo(pane))!;
    expect(info).toMatchObject({ id: pane, dead: false });
    expect(isAlive(info.pid)).toBe(true);
    // look: both in one tmux call, the same as the two apart.
    expect(await tmux.look(pane)).toEqual({ info, screen: await tmux.capture(pane) });
    expect(await tmux.look('no-such-session')).toEqual({ info: null, screen: '' });
    const s = (await tmux.listSessions()).find((x) => x.name === 'argv');
    expect(s).toMatchObject({ path: '/tmp', windows: 1 });
  });

  it('targets sessions exactly: apr5 never means apr50', async () => {
    await tmux.newSession({ name: 'apr50', cwd: '/tmp', argv: ['sleep', '30'] });
    expect(await tmux.hasSession('apr5')).toBe(false);
    expect(await tmux.paneInfo('apr5')).toBeNull();
    await tmux.killSession('apr5'); // not an error, and not apr50
    expect(await tmux.hasSession('apr50')).toBe(true);
    await tmux.killSession('apr50');
    expect(await tmux.hasSession('apr50')).toBe(false);
  });

  it('types literal text (a trailing ; included), sends keys, and pastes several lines as one bracketed paste', async () => {
    const pane = await tmux.newSession({ name: 'fake', cwd: '/tmp', argv: ['node', path.join(ROOT, 'test/fixtures/fake-agent.mjs')], env: { FAKE_AGENT_DIALOGS: '' } });
    await until(() => tmux.capture(pane), (s) => s.includes('⏵⏵'));
    await tmux.sendLiteral(pane, 'lr = 0.04; -x;');
    expect(await until(() => tmux.capture(pane), (s) => s.includes('❯\u00a0lr = 0.04; -x;'))).toContain('❯\u00a0lr = 0.04; -x;');
    await tmux.sendKeys(pane, ['BSpace', 'BSpace', 'BSpace', 'BSpace']);
    expect(await until(() => tmux.capture(pane), (s) => s.includes('❯\u00a0lr = 0.04;\n'))).toContain('❯\u00a0lr = 0.04;\n');
    await tmux.sendKeys(pane, ['C-u']);
    await tmux.pasteText(pane, 'line one\nline two\nline three');
    const after = await until(() => tmux.capture(pane), (s) => s.includes('Pasted text'));
    expect(after).toContain('[Pasted text #1 +3 lines]');
    await expect(tmux.sendLiteral(pane, 'a\nb')).rejects.toThrow(/newline/);
  });

  it('keeps a dead pane readable with remainOnExit, and refuses to paste into it (tmux 3.3 would crash)', async () => {
    const pane = await tmux.newSession({ name: 'dies', cwd: '/tmp', argv: ['sh', '-c', 'echo last words; sleep 0.2; exit 3'], remainOnExit: true });
    const info = await until(() => tmux.paneInfo(pane), (i) => !!i?.dead && i.deadStatus !== null);
    expect(info?.dead).toBe(true);
    expect([3, null]).toContain(info?.deadStatus); // tmux 3.3 sometimes fills the status late
    expect(await tmux.capture(pane, { history: 100 })).toContain('last words');
    expect((await tmux.look(pane)).info).toMatchObject({ id: pane, dead: true });
    await expect(tmux.pasteText(pane, 'x\ny')).rejects.toBeInstanceOf(ToolError);
    expect(await tmux.hasSession('dies')).toBe(true); // the server is still there
    await tmux.killSession('dies');
  });

  it('procs: lists a tree from the pane pid and ends all of it, children in their own process group included', async () => {
    const pane = await tmux.newSession({ name: 'tree', cwd: '/tmp', argv: ['sh', '-c', 'setsid sleep 300 & sleep 300 & wait'] });
    const root = (await tmux.paneInfo(pane))!.pid;
    const tree = await until(() => processTree(root), (t) => t.length >= 3);
    expect(tree[0]).toBe(root);
    expect(tree.length).toBeGreaterThanOrEqual(3);
    const killed = await killTree(root, { graceMs: 2000 });
    expect(killed.sort()).toEqual(tree.sort());
    expect(await stillRunning(tree)).toEqual([]);
    expect(descendantsOf(1, [{ pid: 2, ppid: 1 }, { pid: 3, ppid: 2 }, { pid: 4, ppid: 9 }])).toEqual([1, 2, 3]);
  });
});
