/**
 * Smoke test against the REAL Claude Code CLI (pinned 2.1.197) in tmux, talking to the scripted
 * mock server: start-up dialogs passed by reading the screen, one prompt, a scripted
 * Read -> Edit -> Bash turn that changes train.py on disk, the Stop hook, and a 'ready' screen.
 * The binary is a pinned devDependency and CI installs tmux: a missing one fails, never skips.
 * CLAUDE_BIN overrides the binary.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { classifyScreen, inputBoxText } from '../../src/agents/claude/screens.js';
import {
  claudeEnv,
  e2eAvailable,
  makeClaudeHome,
  makeTempDir,
  makeTempRepo,
  passStartupDialogs,
  readHookFile,
  sendPrompt,
  startClaudeInTmux,
  waitFor,
  writeHookSettings,
  type TmuxAgent,
} from './claude-harness.js';
import { startMockAnthropic, type MockAnthropic } from './mock-anthropic.js';

describe('real Claude Code in tmux against the mock API', () => {
  it('has the pinned binary and tmux', async () => {
    const avail = await e2eAvailable();
    expect(avail.ok, avail.why).toBe(true);
  });
  const cleanups: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch {
        /* keep cleaning */
      }
    }
  });

  it('passes the dialogs, runs a scripted Read/Edit/Bash turn, fires the Stop hook, ends ready', async () => {
    const logs: string[] = [];
    const log = (l: string) => logs.push(`${new Date().toISOString()} ${l}`);
    const tmp = makeTempDir('ar-claude-smoke-');
    cleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }));
    const home = path.join(tmp, 'home');
    makeClaudeHome(home); // no pre-seeding: the test passes the three dialogs itself
    const repo = await makeTempRepo(tmp);
    const trainPy = path.join(repo, 'train.py');
    const hookDir = path.join(tmp, 'hooks');
    fs.mkdirSync(hookDir);
    const stopFile = path.join(hookDir, 'stop.jsonl');
    const promptFile = path.join(hookDir, 'prompt.jsonl');
    writeHookSettings(repo, { Stop: stopFile, UserPromptSubmit: promptFile });

    const prompt = 'Raise the learning rate in train.py to 0.04, then say hi';
    const mock: MockAnthropic = await startMockAnthropic({
      log,
      turns: [
        {
          steps: [
            { text: 'Reading train.py first.' },
            { tool: 'Read', input: { file_path: trainPy } },
            { tool: 'Edit', input: { file_path: trainPy, old_string: 'LR = 0.01', new_string: 'LR = 0.04' } },
            { tool: 'Bash', input: { command: 'echo hi', description: 'Say hi' } },
          ],
          final: 'LR is now 0.04.',
        },
      ],
    });
    cleanups.push(() => mock.close());

    const agent: TmuxAgent = await startClaudeInTmux({
      cwd: repo,
      env: claudeEnv({ home, baseUrl: mock.url }),
    });
    cleanups.push(() => agent.kill());
    let lastScreen = '';
    const dump = () => `${lastScreen}\n--- mock log ---\n${logs.join('\n')}`;

    try {
      const started = Date.now();
      const { seen } = await passStartupDialogs(agent, { timeoutMs: 30_000, log });
      log(`ready after ${Date.now() - started} ms; states: ${seen.join(' > ')}`);
      expect(seen).toContain('ready');

      await sendPrompt(agent, prompt);

      // The turn ends when the Stop hook has written its line and the screen is ready again.
      await waitFor(
        async () => {
          lastScreen = await agent.capture();
          const done = readHookFile(stopFile).length > 0 && classifyScreen(lastScreen).state === 'ready';
          return done ? true : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 200, what: 'the turn to end', lastScreen: dump },
      );

      expect(mock.userPrompts).toContain(prompt);
      expect(fs.readFileSync(trainPy, 'utf8')).toContain('LR = 0.04');
      const stops = readHookFile(stopFile);
      expect(stops[0]?.hook_event_name).toBe('Stop');
      expect(stops[0]?.last_assistant_message).toBe('LR is now 0.04.');
      const prompts = readHookFile(promptFile);
      expect(prompts[0]?.prompt).toBe(prompt);
      // The Bash step ran: its output came back to the mock as a tool_result.
      const toolResults = mock.requests
        .flatMap((r) => (Array.isArray(r.body?.messages) ? r.body.messages : []))
        .flatMap((m: any) => (Array.isArray(m?.content) ? m.content : []))
        .filter((b: any) => b?.type === 'tool_result');
      expect(toolResults.some((b: any) => JSON.stringify(b.content).includes('hi'))).toBe(true);

      lastScreen = await agent.capture();
      expect(classifyScreen(lastScreen).state).toBe('ready');
      expect(inputBoxText(lastScreen)).toBe('');
      if (process.env.AR_E2E_DEBUG) console.log(logs.join('\n'));
    } catch (err) {
      // keep the evidence in the failure message
      lastScreen = await agent.capture().catch(() => lastScreen);
      throw new Error(`${(err as Error).message}\n--- screen ---\n${dump()}`);
    }
  }, 90_000);
});

/** The mock on its own (no CLI needed): the protocol pieces the CLI relies on. */
describe('mock Anthropic server', () => {
  const post = async (url: string, body: unknown) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
  };
  const sse = (text: string) =>
    text
      .split('\n\n')
      .filter((c) => c.trim() !== '')
      .map((c) => {
        const event = /^event: (.*)$/m.exec(c)?.[1];
        const data = JSON.parse(/^data: (.*)$/m.exec(c)?.[1] ?? 'null');
        return { event, data };
      });
  const TOOLS = [{ name: 'Bash', input_schema: { type: 'object' } }];
  const human = (text: string) => ({
    role: 'user',
    content: [
      { type: 'text', text: '<system-reminder>\ncontext\n</system-reminder>\n\n' },
      { type: 'text', text },
    ],
  });

  it('answers HEAD, count_tokens, side calls, unknown paths and bad JSON', async () => {
    const lines: string[] = [];
    const mock = await startMockAnthropic({ turns: [], log: (l) => lines.push(l) });
    try {
      expect((await fetch(mock.url + '/', { method: 'HEAD' })).status).toBe(200);
      const ct = await post(mock.url + '/v1/messages/count_tokens?beta=true', { messages: [human('hello')] });
      expect(JSON.parse(ct.text).input_tokens).toBeGreaterThan(0);
      const title = await post(mock.url + '/v1/messages?beta=true', {
        stream: false,
        tools: [],
        messages: [human('x')],
        output_config: { format: { type: 'json_schema', schema: { type: 'object', properties: { title: { type: 'string' } } } } },
      });
      const titleText = JSON.parse(title.text).content[0].text;
      expect(typeof JSON.parse(titleText).title).toBe('string');
      const odd = await post(mock.url + '/api/whatever', { a: 1 });
      expect(odd.status).toBe(200);
      const bad = await fetch(mock.url + '/v1/messages', { method: 'POST', body: '{not json' });
      expect(bad.status).toBe(200);
      expect(lines.some((l) => l.includes('unexpected request'))).toBe(true);
    } finally {
      await mock.close();
    }
  });

  it('plays a turn: tool_use per call, retry-safe, then end_turn; records the human text', async () => {
    const mock = await startMockAnthropic({
      turns: (userText) => ({
        steps: [{ text: 'Looking.' }, { tool: 'Bash', input: { command: 'echo hi', description: 'hi' } }],
        final: `done: ${userText}`,
      }),
    });
    try {
      const first = { stream: true, tools: TOOLS, messages: [human('do it'), { role: 'system', content: 'agents...' }] };
      const r1 = await post(mock.url + '/v1/messages?beta=true', first);
      expect(r1.type).toContain('text/event-stream');
      const ev = sse(r1.text);
      expect(ev.map((e) => e.event)).toEqual([
        'message_start',
        'content_block_start',
        'content_block_delta',
        'content_block_stop',
        'content_block_start',
        'content_block_delta',
        'content_block_stop',
        'message_delta',
        'message_stop',
      ]);
      const toolStart = ev[4].data.content_block;
      expect(toolStart).toMatchObject({ type: 'tool_use', name: 'Bash' });
      expect(JSON.parse(ev[5].data.delta.partial_json)).toEqual({ command: 'echo hi', description: 'hi' });
      expect(ev[7].data.delta.stop_reason).toBe('tool_use');
      // a retry of the same request gets the same step, not the next one
      const again = sse((await post(mock.url + '/v1/messages', first)).text);
      expect(again[7].data.delta.stop_reason).toBe('tool_use');
      expect(mock.userPrompts).toEqual(['do it']);

      const second = {
        stream: false,
        tools: TOOLS,
        messages: [
          ...first.messages,
          { role: 'assistant', content: [{ type: 'tool_use', id: toolStart.id, name: 'Bash', input: {} }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolStart.id, content: 'hi' }] },
        ],
      };
      const r2 = JSON.parse((await post(mock.url + '/v1/messages', second)).text);
      expect(r2.stop_reason).toBe('end_turn');
      expect(r2.content[0].text).toBe('done: do it');
      expect(mock.requests.length).toBe(3);
    } finally {
      await mock.close();
    }
  });

  it('answers an error step with the API error shape', async () => {
    const mock = await startMockAnthropic({ turns: [{ steps: [{ error: { status: 400, message: 'nope' } }] }] });
    try {
      const r = await post(mock.url + '/v1/messages', { stream: true, tools: TOOLS, messages: [human('x')] });
      expect(r.status).toBe(400);
      expect(JSON.parse(r.text)).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'nope' } });
    } finally {
      await mock.close();
    }
  });
});
