// `--session --foreground` end to end with real tmux on a private socket and the fake agent (test/fixtures/fake-agent.mjs).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Tmux } from '../../src/adapters/tmux.js';
import { stillRunning } from '../../src/adapters/procs.js';
import { ToolError, UsageError } from '../../src/errors.js';
import { hookScript } from '../../src/supervisor/files.js';
import { runForeground, parseUntil, type SessionOptions } from '../../src/supervisor/session.js';
import { readSupervisorState } from '../../src/supervisor/state.js';
import { measureTurnLatency, turnLatencies, type LoopEvent } from '../../src/supervisor/loop.js';
import { cleanupRepos, git, jobRepo, ROOT } from '../helpers/repo.js';
import { captureWebhook } from '../helpers/webhook.js';

const FAKE = path.join(ROOT, 'test', 'fixtures', 'fake-agent.mjs');
const SOCKET = `artest-${process.pid}-session`;
const tmux = new Tmux(SOCKET);
const FAST = { pollMs: 20, screenMs: 50, submitPauseMs: 20, readyStableMs: 300, killGraceMs: 1000, dialogRepeatMs: 500 };
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'ar-sess-'));
  if (!existsSync(hookScript())) throw new Error(`${hookScript()} is missing: build first (npm run build)`);
});
afterAll(async () => {
  await tmux.killServer();
  cleanupRepos();
  rmSync(tmp, { recursive: true, force: true });
});

function repoWithFakeAgent(extra: Record<string, unknown> = {}): string {
  return jobRepo('summary.py', { agent: { command: 'node', args: [FAKE] }, ...extra });
}

function env(vars: Record<string, string>): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, ...vars };
  delete e.AR_SUPERVISOR_SESSION;
  return e;
}

function prompts(file: string): { prompt: string; pid: number }[] {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
}

async function run(o: Partial<SessionOptions> & { name: string; repo: string }, vars: Record<string, string>, events?: LoopEvent[]) {
  const lines: string[] = [];
  const code = await runForeground(
    { foreground: true, baseline: false, ...o },
    { tmux, env: env(vars), out: (l) => lines.push(l), timing: FAST, onEvent: events ? (e) => events.push(e) : undefined },
  );
  return { code, lines };
}

describe('ar-supervise --session --foreground (real tmux, fake agent)', () => {
  it('passes the dialogs, sends tasks by priority, runs real experiments through the shim, keeps git clean, leaves nothing running', async () => {
    const repo = repoWithFakeAgent();
    const tasksFile = path.join(tmp, 'tasks.yaml');
    writeFileSync(tasksFile, '- text: low task\n  priority: 1\n- text: high task\n  priority: 9\n');
    const pfile = path.join(tmp, 'p1.jsonl');
    const envFile = path.join(tmp, 'env1.txt');
    const events: LoopEvent[] = [];
    const { code, lines } = await run(
      { name: 'main1', repo, tasksFile, task: ['urgent task'], maxIterations: 4, sandbox: true, goal: 'Beat the baseline on val_bpb.' },
      {
        FAKE_AGENT_DIALOGS: 'trust,api-key,bypass',
        FAKE_AGENT_PROMPTS: pfile,
        // The agent's shell finds ar-supervise on PATH (the shim), without CLAUDECODE, with IS_SANDBOX from --sandbox.
        // One real experiment (the first turn) is enough to see the whole chain; the others only report.
        FAKE_AGENT_RUN: `printf '%s|%s\\n' "\${CLAUDECODE-unset}" "\${IS_SANDBOX-unset}" >> ${envFile}; case "$PROMPT" in *urgent*) ar-supervise run -m "idea one";; esac`,
        CLAUDECODE: '1',
      },
      events,
    );
    expect(code).toBe(0);
    expect(lines.join('\n')).toMatch(/Stopped \(max-iterations\) after 4 turns/);
    // The morning report is waiting when the night ends.
    expect(lines.join('\n')).toContain(`Report: ${path.join('.autoresearch', 'main1', 'report', 'report.md')} (and progress.png).`);
    expect(readFileSync(path.join(repo, '.autoresearch', 'main1', 'report', 'report.md'), 'utf8')).toMatch(/idea one/);
    const p = prompts(pfile);
    expect(p.map((x) => (x.prompt.match(/urgent task|high task|low task|Continue the research loop/) ?? ['?'])[0])).toEqual([
      'urgent task',
      'high task',
      'low task',
      'Continue the research loop',
    ]);
    expect(new Set(p.map((x) => x.pid)).size).toBe(1);
    expect(readFileSync(envFile, 'utf8').trim().split('\n')).toEqual(['unset|1', 'unset|1', 'unset|1', 'unset|1']);
    // Each turn ended by the Stop hook, and the ledger has the four runs.
    expect(events.filter((e) => e.type === 'turn-end').every((e) => (e as { by: string }).by === 'hook')).toBe(true);
    expect(turnLatencies(events)).toHaveLength(3);
    const runs = readFileSync(path.join(repo, '.autoresearch', 'main1', 'runs.jsonl'), 'utf8').trim().split('\n');
    expect(runs).toHaveLength(1);
    expect(JSON.parse(runs[0]!)).toMatchObject({ description: 'idea one', status: 'keep' });
    // CLAUDE.md: goal, rules, how to run (absolute path), best, latest results, plan.
    const md = readFileSync(path.join(repo, 'CLAUDE.md'), 'utf8');
    expect(md).toContain('Beat the baseline on val_bpb.');
    expect(md).toContain('Edit only these files: `train.py`');
    expect(md).toContain('Never edit these read-only files: `prepare.py`');
    expect(md).toContain(`${path.join(ROOT, 'bin', 'ar-supervise.js')} run -m`);
    expect(md).toMatch(/## Current best\nval_bpb [\d.]+ at commit [0-9a-f]{7} \(run 1: idea one\)/);
    expect(md).toMatch(/\| 1 \| [0-9a-f]{7} \| [\d.]+ \| keep \| idea one \|/);
    expect(md).toContain('No queued tasks');
    // Nothing the supervisor wrote shows in git; its hooks are gone again.
    expect(git(repo, ['status', '--porcelain'])).toBe('');
    expect(existsSync(path.join(repo, '.claude', 'settings.local.json'))).toBe(false);
    expect(git(repo, ['branch', '--show-current'])).toBe('autoresearch/main1');
    // The agent is gone, with its session.
    expect(await stillRunning(p.map((x) => x.pid))).toEqual([]);
    expect(await tmux.hasSession('ar-main1')).toBe(false);
    expect(readSupervisorState(repo, 'main1')).toMatchObject({ state: 'stopped', iterations: 4, stopReason: 'max-iterations' });
  });

  it('starts the agent again when it exits, and a second start skips tasks already done', async () => {
    const repo = repoWithFakeAgent({ tasks: [{ text: 'only task', priority: 1 }] });
    const pfile = path.join(tmp, 'p2.jsonl');
    const vars = { FAKE_AGENT_PROMPTS: pfile, FAKE_AGENT_DIE_AFTER: '1', FAKE_AGENT_TURN_MS: '50' };
    const a = await run({ name: 'die1', repo, maxIterations: 2 }, vars);
    expect(a.code).toBe(0);
    const p = prompts(pfile);
    expect(p).toHaveLength(2);
    expect(new Set(p.map((x) => x.pid)).size).toBe(2);
    expect(p[0]!.prompt).toContain('only task');
    expect(p[1]!.prompt).toContain('Continue the research loop');
    expect(readSupervisorState(repo, 'die1')).toMatchObject({ iterations: 2, restarts: 1 });
    // Resume: the branch exists, the task was done, iterations go on from 3.
    const b = await run({ name: 'die1', repo, maxIterations: 1 }, vars);
    expect(b.code).toBe(0);
    const p2 = prompts(pfile);
    expect(p2).toHaveLength(3);
    expect(p2[2]!.prompt).toContain('Continue the research loop');
    expect(readSupervisorState(repo, 'die1')).toMatchObject({ iterations: 3, state: 'stopped' });
  });

  it('reads turns from the screen when no hook fires', async () => {
    const repo = repoWithFakeAgent();
    const events: LoopEvent[] = [];
    const { code } = await run({ name: 'nohook', repo, maxIterations: 1 }, { FAKE_AGENT_NO_HOOKS: '1' }, events);
    expect(code).toBe(0);
    expect(events.filter((e) => e.type === 'turn-end').map((e) => (e as { by: string }).by)).toEqual(['screen']);
  });

  it('an unknown screen is an error after unknown_screen_timeout, with the screen saved and no key pressed', async () => {
    const repo = repoWithFakeAgent({ supervisor: { unknown_screen_timeout: 1 } });
    const err = await run({ name: 'unk1', repo }, { FAKE_AGENT_UNKNOWN: '1' }).catch((e) => e);
    expect(err).toBeInstanceOf(ToolError);
    expect(err.message).toMatch(/not recognised for 1 s/);
    const dir = path.join(repo, '.autoresearch', 'unk1');
    const saved = readdirSync(dir).filter((f) => f.startsWith('screen-unknown'));
    expect(saved).toHaveLength(1);
    expect(readFileSync(path.join(dir, saved[0]!), 'utf8')).toContain('no pattern knows');
    expect(readSupervisorState(repo, 'unk1')).toMatchObject({ state: 'failed' });
    expect(await tmux.hasSession('ar-unk1')).toBe(false);
  });

  it('stops on the root refusal with one sentence suggesting --sandbox', async () => {
    const repo = repoWithFakeAgent();
    const err = await run({ name: 'root1', repo }, { FAKE_AGENT_ROOT_REFUSAL: '1' }).catch((e) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(/--sandbox/);
    expect(readSupervisorState(repo, 'root1')).toMatchObject({ state: 'failed', exitCode: 2 });
  });

  it('rejects bad input before starting anything', async () => {
    const repo = repoWithFakeAgent();
    await expect(run({ name: 'bad.name', repo }, {})).rejects.toThrow(/not a usable session name/);
    await expect(run({ name: 'x-sup', repo }, {})).rejects.toThrow(/-sup/);
    await expect(run({ name: 'ok', repo, until: '25:00' }, {})).rejects.toThrow(/HH:MM/);
    await expect(run({ name: 'ok', repo, tasksFile: path.join(tmp, 'missing.yaml') }, {})).rejects.toThrow(/does not exist/);
    const noAgent = jobRepo('summary.py', { agent: { command: 'no-such-agent-xyz', args: [] } });
    await expect(run({ name: 'ok', repo: noAgent }, {})).rejects.toThrow(/"no-such-agent-xyz" was not found/);
    expect(existsSync(path.join(repo, '.autoresearch', 'ok'))).toBe(false);
    expect(await tmux.listSessions()).toEqual([]);
  });

  it('bench hook: measures turn end to next prompt with the fake agent', async () => {
    const dir = mkdtempSync(path.join(tmp, 'bench-'));
    const r = await measureTurnLatency({
      dir,
      tmux,
      agentArgv: ['node', FAKE],
      agentEnv: { FAKE_AGENT_TURN_MS: '50' },
      turns: 3,
      timing: FAST,
    });
    expect(r.latenciesMs).toHaveLength(2);
    for (const ms of r.latenciesMs) expect(ms).toBeGreaterThan(0);
    for (const ms of r.latenciesMs) expect(ms).toBeLessThan(5000);
    expect(r.events.filter((e) => e.type === 'turn-end').every((e) => (e as { by: string }).by === 'hook')).toBe(true);
    expect(existsSync(path.join(dir, '.claude', 'settings.local.json'))).toBe(false);
  });

  it('parses --until as the next such time of day', () => {
    const now = new Date(2026, 0, 1, 23, 0);
    expect(parseUntil('07:30', now)).toEqual(new Date(2026, 0, 2, 7, 30));
    expect(parseUntil('23:30', now)).toEqual(new Date(2026, 0, 1, 23, 30));
  });
});

describe('the end of a session is announced', () => {
  it('POSTs a session-end summary to the webhook when the session stops', async () => {
    const hook = await captureWebhook();
    const bodies = hook.bodies;
    try {
      const repo = repoWithFakeAgent({ notify: { webhook: hook.url, bell: false, desktop: false } });
      const { code } = await run({ name: 'note1', repo, maxIterations: 1 }, { FAKE_AGENT_DIALOGS: '' });
      expect(code).toBe(0);
      const end = bodies.find((b) => b.kind === 'session-end');
      expect(end?.summary).toMatchObject({ tag: 'note1', reason: 'max-iterations', turns: 1, metric: 'val_bpb' });
    } finally {
      hook.close();
    }
  });
});
