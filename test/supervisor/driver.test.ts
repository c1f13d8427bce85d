// The driver on scripted screens (a recording fake of tmux): a fatal screen stops the session only when it holds.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PaneInfo, TmuxApi } from '../../src/adapters/tmux.js';
import { AgentDriver, DEFAULT_TIMING } from '../../src/supervisor/driver.js';
import { gemini } from '../../src/agents/gemini/index.js';

const screen = (name: string) => readFileSync(path.join(__dirname, '..', 'fixtures', 'screens', 'gemini', name), 'utf8');

/** A pane that shows `screens` one capture at a time, the last one from then on. */
function fakeTmux(screens: string[]): TmuxApi & { keys: string[] } {
  let i = 0;
  const next = () => screens[Math.min(i++, screens.length - 1)]!;
  const info: PaneInfo = { id: '%1', pid: 0, dead: false, deadStatus: null, currentCommand: 'gemini' };
  return {
    socket: 'fake',
    keys: [],
    newSession: async () => '%1',
    sendLiteral: async () => {},
    async sendKeys(_t, keys) {
      this.keys.push(...keys);
    },
    pasteText: async () => {},
    capture: async () => next(),
    look: async () => ({ info, screen: next() }),
    paneInfo: async () => info,
    listSessions: async () => [],
    hasSession: async () => false,
    killSession: async () => {},
    killServer: async () => {},
    setOption: async () => {},
  };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function driver(tmux: TmuxApi): AgentDriver {
  const dir = mkdtempSync(path.join(tmpdir(), 'ar-driver-'));
  dirs.push(dir);
  return new AgentDriver(tmux, {
    profile: gemini,
    session: 'ar-t',
    cwd: dir,
    argv: ['gemini'],
    env: {},
    eventsFile: path.join(dir, 'events.jsonl'),
    dumpPath: (what) => path.join(dir, `${what}.txt`),
    timing: { ...DEFAULT_TIMING, screenMs: 20, readyStableMs: 400 },
    emit: () => {},
    stopping: () => false,
    now: Date.now,
  });
}

describe('the driver and fatal screens', () => {
  it('a fatal-looking screen caught mid-draw (the key box before the CLI fills it) is waited out', async () => {
    const d = driver(fakeTmux([screen('api-key-empty.txt'), screen('api-key-empty.txt'), screen('ready.txt')]));
    await d.launch(false);
    await expect(d.untilReady()).resolves.toBe('ready');
    d.close();
  });

  it('a fatal screen that holds stops the session with its one sentence', async () => {
    const d = driver(fakeTmux([screen('api-key-empty.txt')]));
    await d.launch(false);
    const t0 = Date.now();
    await expect(d.untilReady()).rejects.toThrow(/^Gemini CLI is not signed in: set GEMINI_API_KEY/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
    d.close();
  });
});
