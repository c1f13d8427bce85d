// The supervisor loop against a recording fake tmux whose "agent" draws the captured Claude Code screens.
import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NewSessionOptions, PaneInfo, SessionInfo, TmuxApi } from '../../src/adapters/tmux.js';
import { defaultConfig, type Config, type TaskSpec } from '../../src/config.js';
import { ToolError, UsageError } from '../../src/errors.js';
import { eventLine } from '../../src/agents/hook.js';
import type { RunRecord } from '../../src/engine/types.js';
import { eventsPath, supervisorStatePath } from '../../src/supervisor/files.js';
import { Supervisor, turnLatencies, type LoopEvent, type Timing } from '../../src/supervisor/loop.js';
import { readSupervisorState } from '../../src/supervisor/state.js';
import { claude } from '../../src/agents/claude/index.js';

const SCREENS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/screens/claude');
const screen = (name: string) => readFileSync(path.join(SCREENS, name), 'utf8');
const RULE = '─'.repeat(200);

function boxScreen(text: string, busy: boolean): string {
  return [
    ' ✻ fake',
    '',
    ...(busy ? ['✢ Working… (1s · ↓ 12 tokens)'] : []),
    RULE,
    `❯\u00a0${text}`,
    RULE,
    `  ⏵⏵ bypass permissions on (shift+tab to cycle)${busy ? ' · esc to interrupt' : ''}`,
    '',
  ].join('\n');
}

type Dialog = 'trust' | 'api-key' | 'bypass';

interface AgentScript {
  dialogs?: Dialog[];
  hooks?: boolean;
  turnMs?: number;
  ignoreEnters?: number;
  dieAfter?: number;
  unknown?: boolean;
  refusal?: boolean;
}

/** A fake tmux holding one fake agent per session; records every call. */
class FakeTmux implements TmuxApi {
  readonly socket = 'fake';
  calls: { fn: string; args: unknown[] }[] = [];
  prompts: { prompt: string; launch: number }[] = [];
  launches = 0;
  /** Enters on a filled box to ignore, across agent restarts. */
  private ignore: number;
  private agent: {
    pane: string;
    phase: 'dialog' | 'ready' | 'busy' | 'dead' | 'unknown';
    dialogs: Dialog[];
    sel: number;
    box: string;
    turns: number;
    deadScreen: string;
  } | null = null;

  constructor(
    private readonly script: AgentScript,
    private readonly events: string,
  ) {
    this.ignore = script.ignoreEnters ?? 0;
  }

  private rec(fn: string, ...args: unknown[]) {
    this.calls.push({ fn, args });
  }

  async newSession(o: NewSessionOptions): Promise<string> {
    this.rec('newSession', o.name, o.argv, o.cwd);
    this.launches++;
    const pane = `%${this.launches}`;
    const dialogs = [...(this.script.dialogs ?? [])];
    this.agent = { pane, phase: 'ready', dialogs, sel: 0, box: '', turns: 0, deadScreen: '' };
    if (this.script.refusal) {
      this.agent.phase = 'dead';
      this.agent.deadScreen = 'refusal';
    } else if (this.script.unknown) this.agent.phase = 'unknown';
    else this.nextDialog();
    return pane;
  }

  private nextDialog() {
    const a = this.agent!;
    const d = a.dialogs[0];
    if (!d) a.phase = 'ready';
    else {
      a.phase = 'dialog';
      a.sel = d === 'api-key' ? 1 : 0;
    }
  }

  private die(code = 0) {
    const a = this.agent!;
    a.phase = 'dead';
    a.deadScreen = `Pane is dead (status ${code}, Sat Nov 28 04:31:23 2026)`;
  }

  private hook(event: string, data: Record<string, unknown>) {
    if (this.script.hooks) appendFileSync(this.events, eventLine(JSON.stringify({ hook_event_name: event, ...data }), event));
  }

  async sendLiteral(target: string, text: string) {
    this.rec('sendLiteral', target, text);
    if (this.agent?.phase === 'ready') this.agent.box += text;
  }

  async pasteText(target: string, text: string) {
    this.rec('pasteText', target, text);
    if (this.agent?.phase === 'ready') this.agent.box += text;
  }

  async sendKeys(target: string, keys: string[]) {
    this.rec('sendKeys', target, keys);
    const a = this.agent;
    if (!a) return;
    for (const k of keys) {
      if (a.phase === 'dialog') {
        const d = a.dialogs[0]!;
        if (k === 'Up') a.sel = Math.max(0, a.sel - 1);
        if (k === 'Down') a.sel = Math.min(1, a.sel + 1);
        if (k === 'Enter') {
          const yes = d === 'bypass' ? 1 : 0;
          if (a.sel !== yes) return this.die(1);
          a.dialogs.shift();
          this.nextDialog();
        }
      } else if (a.phase === 'ready' && k === 'Enter' && a.box !== '') {
        if (this.ignore > 0) {
          this.ignore--;
          continue;
        }
        const prompt = a.box;
        a.box = '';
        a.phase = 'busy';
        this.prompts.push({ prompt, launch: this.launches });
        this.hook('UserPromptSubmit', { prompt });
        const me = a;
        setTimeout(() => {
          if (this.agent !== me || me.phase !== 'busy') return;
          me.turns++;
          me.phase = 'ready';
          this.hook('Stop', { last_assistant_message: 'done' });
          if (this.script.dieAfter && me.turns >= this.script.dieAfter) this.die(0);
        }, this.script.turnMs ?? 30);
      }
    }
  }

  async capture(target: string, o: { history?: number } = {}): Promise<string> {
    const a = this.agent;
    if (!a || a.pane !== target) throw new Error('no pane');
    switch (a.phase) {
      case 'dead':
        // As with the real CLI, the refusal has scrolled into the history of the dead pane.
        if (a.deadScreen === 'refusal') return screen(o.history ? 'root-refusal-dead-pane-history.txt' : 'root-refusal-dead-pane.txt');
        return a.deadScreen;
      case 'unknown':
        return '  ◆ Something new that no pattern knows\n';
      case 'dialog': {
        const d = a.dialogs[0]!;
        if (d === 'trust') return screen('trust.txt');
        if (d === 'api-key') return screen(a.sel === 0 ? 'api-key-yes-selected.txt' : 'api-key.txt');
        return screen(a.sel === 1 ? 'bypass-yes-selected.txt' : 'bypass.txt');
      }
      case 'busy':
        return boxScreen(a.box, true);
      default:
        return boxScreen(a.box.includes('\n') ? `[Pasted text #1 +${a.box.split('\n').length} lines]` : a.box, false);
    }
  }

  async paneInfo(target: string): Promise<PaneInfo | null> {
    const a = this.agent;
    if (!a || (target !== a.pane && !target.startsWith('ar-'))) return null;
    return { id: a.pane, pid: 0, dead: a.phase === 'dead', deadStatus: a.phase === 'dead' ? 0 : null, currentCommand: 'node' };
  }

  async look(target: string): Promise<{ info: PaneInfo | null; screen: string }> {
    const info = await this.paneInfo(target);
    return { info, screen: info ? await this.capture(target).catch(() => '') : '' };
  }

  async listSessions(): Promise<SessionInfo[]> {
    return this.agent ? [{ name: 'ar-t', path: '/', created: 0, windows: 1 }] : [];
  }
  async hasSession(): Promise<boolean> {
    return !!this.agent;
  }
  async killSession(name: string) {
    this.rec('killSession', name);
    this.agent = null;
  }
  async killServer() {
    this.rec('killServer');
  }
  async setOption() {}
}

const FAST: Partial<Timing> = {
  pollMs: 5,
  screenMs: 10,
  submitPauseMs: 2,
  typedWaitMs: 100,
  submitVerifyMs: 150,
  readyStableMs: 60,
  hookTrustMs: 2000,
  unknownTimeoutMs: 250,
  killGraceMs: 50,
  dialogRepeatMs: 100,
};

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function record(id: number, value: number, status: 'keep' | 'discard' = 'keep'): RunRecord {
  return {
    v: 1,
    id,
    tag: 't',
    start: '',
    end: '',
    durationMs: 1,
    commit: `${id}`.padStart(40, 'a'),
    parent: '',
    description: `run ${id}`,
    status,
    metric: 'val_bpb',
    value,
    bestBefore: null,
    memoryGb: 0,
    metrics: {},
    exitCode: 0,
    signal: null,
    timedOut: false,
    linesAdded: 0,
    linesRemoved: 0,
    log: '',
  };
}

function setup(script: AgentScript, o: { tasks?: TaskSpec[]; max?: number; config?: Partial<Config['supervisor']>; signal?: AbortSignal; until?: Date; timing?: Partial<Timing> } = {}) {
  const repo = mkdtempSync(path.join(tmpdir(), 'ar-loop-'));
  dirs.push(repo);
  const tmux = new FakeTmux(script, eventsPath(repo, 't'));
  const config = defaultConfig();
  config.supervisor = { ...config.supervisor, ...o.config };
  const events: LoopEvent[] = [];
  const records: RunRecord[] = [];
  const killed: number[] = [];
  const sup = new Supervisor(tmux, {
    repo,
    tag: 't',
    config,
    profile: claude,
    goal: 'Lowest val_bpb.',
    tasks: o.tasks ?? [],
    memoryPath: path.join(repo, 'CLAUDE.md'),
    agentArgv: ['fake-agent'],
    agentEnv: {},
    maxIterations: o.max ?? 2,
    until: o.until ?? null,
    timing: { ...FAST, ...o.timing },
    signal: o.signal,
    onEvent: (e) => events.push(e),
    readRecords: () => {
      // One more run appears after every turn.
      records.push(record(records.length + 1, 1 - records.length * 0.1));
      return { records: [...records], warnings: [] };
    },
    killTree: async (pid) => {
      killed.push(pid);
      return [pid];
    },
  });
  return { repo, tmux, sup, events };
}

describe('Supervisor loop (fake tmux)', () => {
  it('answers trust, api-key and bypass one key at a time with the keys each menu needs', async () => {
    const { tmux, sup, events } = setup({ dialogs: ['trust', 'api-key', 'bypass'] }, { max: 1 });
    const r = await sup.run();
    expect(r).toMatchObject({ iterations: 1, reason: 'max-iterations', restarts: 0 });
    const keys = tmux.calls.filter((c) => c.fn === 'sendKeys').map((c) => (c.args[1] as string[]).join('+'));
    // trust: Enter; api-key: Up, Enter; bypass: Down, Enter; then the prompt's Enter.
    expect(keys).toEqual(['Enter', 'Up', 'Enter', 'Down', 'Enter', 'Enter']);
    expect(events.filter((e) => e.type === 'dialog').map((e) => (e as { state: string }).state)).toEqual(['trust', 'api-key', 'api-key', 'bypass', 'bypass']);
    expect(tmux.prompts).toHaveLength(1);
  });

  it('sends tasks by priority (ties in file order), then the standing continue prompt; text and Enter separately', async () => {
    const tasks = [
      { text: 'try a wider MLP', priority: 1 },
      { text: 'raise the learning rate', priority: 5 },
      { text: 'add dropout', priority: 1 },
    ];
    const { tmux, sup, repo } = setup({ hooks: true }, { tasks, max: 4 });
    const r = await sup.run();
    expect(r.iterations).toBe(4);
    const p = tmux.prompts.map((x) => x.prompt);
    expect(p[0]).toContain('raise the learning rate');
    expect(p[1]).toContain('try a wider MLP');
    expect(p[2]).toContain('add dropout');
    expect(p[3]).toContain('Continue the research loop');
    // A multi-line prompt goes as a paste; Enter is its own call, after the text.
    const i = tmux.calls.findIndex((c) => c.fn === 'pasteText');
    expect(i).toBeGreaterThanOrEqual(0);
    expect(tmux.calls[i + 1]).toMatchObject({ fn: 'sendKeys', args: [expect.any(String), ['Enter']] });
    const single = tmux.calls.find((c) => c.fn === 'sendLiteral');
    expect(single?.args[1]).toContain('Continue the research loop');
    // CLAUDE.md is refreshed after each turn from the ledger.
    const md = readFileSync(path.join(repo, 'CLAUDE.md'), 'utf8');
    expect(md).toContain('Lowest val_bpb.');
    expect(md).toContain('| 4 | aaaaaaa | 0.700000 | keep | run 4 |');
    expect(md).toContain('No queued tasks');
    const st = readSupervisorState(repo, 't')!;
    expect(st).toMatchObject({ state: 'stopped', iterations: 4, stopReason: 'max-iterations' });
    expect(st.doneTasks).toEqual(['raise the learning rate', 'try a wider MLP', 'add dropout']);
  });

  it('ends turns by the Stop hook when hooks are heard, by the screen when they are silent', async () => {
    const a = setup({ hooks: true }, { max: 2 });
    await a.sup.run();
    const byHook = a.events.filter((e) => e.type === 'turn-end').map((e) => (e as { by: string }).by);
    expect(byHook).toEqual(['hook', 'hook']);
    expect(turnLatencies(a.events)).toHaveLength(1);
    expect(turnLatencies(a.events)[0]).toBeGreaterThanOrEqual(0);

    const b = setup({ hooks: false }, { max: 2 });
    await b.sup.run();
    expect(b.events.filter((e) => e.type === 'turn-end').map((e) => (e as { by: string }).by)).toEqual(['screen', 'screen']);
  });

  it('with hooks heard, leaves the screen alone during a turn and wakes at once on the Stop hook (the events file is watched)', async () => {
    const slow = { pollMs: 4000, eventsSafetyMs: 4000, hookScreenMs: 4000 };
    const { tmux, sup, events } = setup({ hooks: true, turnMs: 1200 }, { max: 1, timing: slow });
    const captures: number[] = [];
    const capture = tmux.capture.bind(tmux);
    tmux.capture = (t, o) => (captures.push(Date.now()), capture(t, o));
    await sup.run();
    const submitted = events.find((e) => e.type === 'submitted')!;
    const end = events.find((e) => e.type === 'turn-end') as Extract<LoopEvent, { type: 'turn-end' }>;
    expect(submitted).toMatchObject({ by: 'hook' });
    expect(end.by).toBe('hook');
    expect(end.at - end.hookTime!).toBeLessThan(500);
    expect(captures.filter((t) => t > submitted.at && t < end.at).length).toBeLessThanOrEqual(1);
  });

  it('presses Enter a second time when the first is not taken', async () => {
    const { tmux, sup, events } = setup({ ignoreEnters: 1 }, { max: 1 });
    await sup.run();
    expect(tmux.prompts).toHaveLength(1);
    expect(tmux.launches).toBe(1);
    expect(events.find((e) => e.type === 'submitted')).toMatchObject({ retried: true });
  });

  it('restarts the agent when a prompt is not taken after two Enters', async () => {
    const { tmux, sup } = setup({ ignoreEnters: 2 }, { max: 1 });
    const r = await sup.run();
    expect(r.restarts).toBeGreaterThanOrEqual(1);
    expect(tmux.launches).toBeGreaterThanOrEqual(2);
    expect(tmux.prompts).toHaveLength(1);
  });

  it('restarts an agent that exits, with a fresh session, and goes on', async () => {
    const { tmux, sup } = setup({ hooks: true, dieAfter: 1 }, { max: 3 });
    const r = await sup.run();
    expect(r.iterations).toBe(3);
    expect(r.restarts).toBe(2);
    expect(new Set(tmux.prompts.map((p) => p.launch)).size).toBe(3);
  });

  it('restarts after restart_after_turns turns', async () => {
    const { tmux, sup } = setup({ hooks: true }, { max: 4, config: { restart_after_turns: 2 } });
    const r = await sup.run();
    expect(r.iterations).toBe(4);
    expect(tmux.prompts.map((p) => p.launch)).toEqual([1, 1, 2, 2]);
  });

  it('stops with one sentence suggesting --sandbox on the root refusal', async () => {
    const { sup, tmux } = setup({ refusal: true });
    const err = await sup.run().catch((e) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toContain('--sandbox');
    expect(tmux.launches).toBe(1);
  });

  it('never presses a key on an unknown screen, and saves it when it outlasts the timeout', async () => {
    const { sup, tmux, repo } = setup({ unknown: true });
    const err = await sup.run().catch((e) => e);
    expect(err).toBeInstanceOf(ToolError);
    expect(err.message).toMatch(/not recognised/);
    expect(tmux.calls.filter((c) => c.fn === 'sendKeys' || c.fn === 'sendLiteral')).toEqual([]);
    const saved = readdirSync(path.join(repo, '.autoresearch', 't')).filter((f) => f.startsWith('screen-unknown'));
    expect(saved).toHaveLength(1);
    expect(readFileSync(path.join(repo, '.autoresearch', 't', saved[0]!), 'utf8')).toContain('no pattern knows');
    expect(readSupervisorState(repo, 't')).toMatchObject({ state: 'failed' });
    // The agent it started is ended.
    expect(tmux.calls.at(-1)).toMatchObject({ fn: 'killSession', args: ['ar-t'] });
  });

  it('stops on the signal mid-turn, ending the agent, and records why', async () => {
    const ac = new AbortController();
    const { sup, tmux, repo } = setup({ turnMs: 60_000 }, { signal: ac.signal, max: 5 });
    const p = sup.run();
    while (tmux.prompts.length === 0) await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    const r = await p;
    expect(r.reason).toBe('signal');
    expect(r.iterations).toBe(0);
    expect(tmux.calls.some((c) => c.fn === 'killSession')).toBe(true);
    expect(readSupervisorState(repo, 't')).toMatchObject({ state: 'stopped', stopReason: 'signal', agentPane: null });
    expect(existsSync(supervisorStatePath(repo, 't'))).toBe(true);
  });

  it('stops at --until', async () => {
    const { sup, tmux } = setup({ turnMs: 60_000 }, { until: new Date(Date.now() + 300), max: 5 });
    const t = Date.now();
    const r = await sup.run();
    expect(r.reason).toBe('until');
    expect(Date.now() - t).toBeLessThan(3000);
    expect(tmux.prompts).toHaveLength(1);
  });
});
