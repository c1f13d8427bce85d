/**
 * End to end: `ar-supervise --session e2p --pipeline 2` with the REAL Claude Code CLI (pinned devDependency) in real
 * tmux on the bundled example; the scripted model submits two ideas in its first turn (Read, Edit, Bash `submit`,
 * twice) before reading any result. The session's own runner trains them one after the other; the next prompt
 * starts with what finished.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { claudeBin, claudeEnv, makeClaudeHome, makeTempDir } from './claude-harness.js';
import { startMockAnthropic, type MockAnthropic, type ScriptedStep, type ScriptedTurn } from './mock-anthropic.js';
import { endNight, exampleRepo, processesNaming, whyFailed } from './night.js';
import { cli, processesIn } from '../helpers/repo.js';

const SOCKET = `artest-e2e-pipe-${process.pid}`;
let mock: MockAnthropic | undefined;
const dirs: string[] = [];

afterAll(() => endNight(SOCKET, dirs, mock?.close));

/** Read train.py, change one line, queue it: the tree is back at the best after each submit, so each edit reads it again. */
function submitStep(file: string, old: string, now: string, msg: string): ScriptedStep[] {
  return [
    { tool: 'Read', input: { file_path: file } },
    { tool: 'Edit', input: { file_path: file, old_string: old, new_string: now } },
    { tool: 'Bash', input: { command: `ar-supervise submit -m "${msg}"`, description: 'Queue the experiment', timeout: 60000 } },
  ];
}

/** What the CLI answered to each tool call (for a failure's message). */
function toolResults(m: MockAnthropic): string[] {
  const seen = new Set<string>();
  for (const q of m.requests) {
    for (const msg of q.body?.messages ?? []) {
      if (msg.role !== 'user' || !Array.isArray(msg.content)) continue;
      for (const b of msg.content) if (b?.type === 'tool_result') seen.add(JSON.stringify(b.content).slice(0, 400));
    }
  }
  return [...seen];
}

describe('a pipeline of 2 with the real Claude Code CLI', () => {
  it('two ideas submitted before any result: both measured in finishing order, the next prompt says what finished, nothing left running', async () => {
    const root = makeTempDir('ar-e2e-pipe-');
    dirs.push(root);
    const { repo } = exampleRepo(root);
    const file = path.join(repo, 'train.py');
    const home = path.join(root, 'home');
    // The dialogs are supervise-claude's subject: answered up front here.
    makeClaudeHome(home, { preseedTrust: [repo], preseedApiKey: true, preseedBypass: true });
    const said: string[] = [];
    mock = await startMockAnthropic({
      log: (l) => said.push(l),
      turns: (_text, i): ScriptedTurn =>
        i === 0
          ? {
              steps: [...submitStep(file, 'LR = 0.001', 'LR = 0.004', 'raise LR to 0.004'), ...submitStep(file, 'WEIGHT_DECAY = 0.0', 'WEIGHT_DECAY = 0.01', 'weight decay 0.01')],
              final: 'Queued two ideas.',
            }
          : { steps: [], final: 'Noted the results.' },
    });
    const env: Record<string, string | undefined> = {
      ...claudeEnv({ home, baseUrl: mock.url }),
      IS_SANDBOX: undefined,
      AR_TMUX_SOCKET: SOCKET,
      AR_SUPERVISOR_SESSION: undefined,
      PATH: `${path.dirname(claudeBin())}:${process.env.PATH}`,
    };
    const r = await cli(['--session', 'e2p', '--foreground', '--pipeline', '2', '--max-iterations', '2', '--sandbox'], { cwd: repo, env, timeout: 240_000 });
    expect(r.exitCode, whyFailed(repo, 'e2p', r.all)).toBe(0);

    // Both ideas queued before the first result; one row each, in the order they finished.
    const recs = readFileSync(path.join(repo, '.autoresearch/e2p/runs.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { experiment?: number; description: string; status: string; queued?: string; end: string; agent?: string });
    expect(recs.map((x) => [x.experiment ?? null, x.description]), [...said, ...toolResults(mock), whyFailed(repo, 'e2p', r.all)].join('\n')).toEqual([
      [null, 'baseline'],
      [2, 'raise LR to 0.004'],
      [3, 'weight decay 0.01'],
    ]);
    expect(Date.parse(recs[2]!.queued!)).toBeLessThan(Date.parse(recs[1]!.end));
    expect(Date.parse(recs[1]!.end)).toBeLessThanOrEqual(Date.parse(recs[2]!.end));
    expect(recs.slice(1).map((x) => x.agent)).toEqual(['claude', 'claude']);
    const rows = readFileSync(path.join(repo, 'results.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
    expect(rows.map((x) => [x[3], x[4]])).toEqual(recs.map((x) => [x.status, x.description]));
    expect(recs[1]!.status).toBe('keep');

    // The first prompt knows of nothing finished; the next one starts with the first result.
    expect(mock.userPrompts.length, mock.userPrompts.join('\n---\n')).toBe(2);
    expect(mock.userPrompts[0]).not.toMatch(/finished/);
    expect(mock.userPrompts[1]).toMatch(/^#2 finished: keep \d+\.\d+ \(-\d+\.\d+ vs best\) raise LR to 0\.004$/m);

    const k = await cli(['kill', '--all'], { cwd: repo, env: { AR_TMUX_SOCKET: SOCKET } });
    expect(k.exitCode, k.all).toBe(0);
    await new Promise((res) => setTimeout(res, 500));
    expect(processesIn(repo)).toEqual([]);
    expect(processesNaming(root)).toEqual([]);
  }, 300_000);
});
