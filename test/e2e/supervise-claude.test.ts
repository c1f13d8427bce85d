/**
 * End to end: `ar-supervise --session e2e --foreground --max-iterations 2` drives the REAL Claude Code CLI
 * (pinned devDependency) in real tmux on the bundled example; the model is the scripted local server.
 * The agent reads and edits train.py and calls `ar-supervise run` through its Bash tool, as a real one would.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cpSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { claudeBin, claudeEnv, makeClaudeHome, makeTempDir, FAKE_API_KEY } from './claude-harness.js';
import { startMockAnthropic, type MockAnthropic, type ScriptedTurn } from './mock-anthropic.js';
import { cli, git, processesIn, ROOT } from '../helpers/repo.js';

const SOCKET = `artest-e2e-${process.pid}`;
let mock: MockAnthropic | undefined;
const dirs: string[] = [];

afterAll(async () => {
  await cli(['kill', '--all'], { cwd: ROOT, env: { AR_TMUX_SOCKET: SOCKET } });
  try {
    execFileSync('tmux', ['-L', SOCKET, 'kill-server'], { stdio: 'ignore' });
  } catch {
    /* already gone */
  }
  await mock?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});


/** The scripted model: each turn reads train.py, edits one line, and runs the experiment through Bash. */
function turnFor(userText: string): ScriptedTurn {
  const edit = /tiny learning rate/i.test(userText)
    ? { old: 'LR = 0.004', new: 'LR = 0.00001', msg: 'tiny LR 0.00001' }
    : /raise the learning rate/i.test(userText)
      ? { old: 'LR = 0.001', new: 'LR = 0.004', msg: 'raise LR to 0.004' }
      : null;
  if (!edit) return { steps: [], final: 'Nothing scripted for this prompt.' };
  return {
    steps: [
      { tool: 'Read', input: { file_path: path.join(repo, 'train.py') } },
      { tool: 'Edit', input: { file_path: path.join(repo, 'train.py'), old_string: edit.old, new_string: edit.new } },
      { tool: 'Bash', input: { command: `ar-supervise run -m "${edit.msg}"`, description: 'Run the experiment', timeout: 120000 } },
    ],
    final: `Ran: ${edit.msg}.`,
  };
}

let repo = '';

describe('the supervisor with the real Claude Code CLI', () => {
  it('passes the dialogs, delivers two tasks in priority order, and the ledger, branch and CLAUDE.md follow', async () => {
    const root = makeTempDir('ar-e2e-sup-');
    dirs.push(root);
    repo = path.join(root, 'tiny-lm');
    cpSync(path.join(ROOT, 'examples', 'tiny-lm'), repo, { recursive: true, filter: (s) => !s.includes('.cache') && !s.includes('__pycache__') });
    writeFileSync(path.join(repo, 'autoresearch.yaml'), readFileSync(path.join(repo, 'autoresearch.yaml'), 'utf8').replace(/^budget_seconds: .*$/m, 'budget_seconds: 3\ntimeout_factor: 10'));
    execFileSync('python3', ['prepare.py'], { cwd: repo, stdio: 'ignore' });
    git(repo, ['init', '-q', '-b', 'main']);
    git(repo, ['add', '-A']);
    git(repo, ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'example']);
    writeFileSync(
      path.join(root, 'tasks.yaml'),
      '- {text: "Try a tiny learning rate of 0.00001 to see how sensitive it is.", priority: 1}\n- {text: "Raise the learning rate: the baseline LR looks too low.", priority: 5}\n',
    );
    const home = path.join(root, 'home');
    makeClaudeHome(home); // onboarding done; trust, API key and bypass dialogs left for the supervisor
    mock = await startMockAnthropic({ turns: (text) => turnFor(text) });

    const env: Record<string, string | undefined> = {
      ...claudeEnv({ home, baseUrl: mock.url }),
      IS_SANDBOX: undefined, // --sandbox must be what lets it run as root
      AR_TMUX_SOCKET: SOCKET,
      PATH: `${path.dirname(claudeBin())}:${process.env.PATH}`,
    };
    const r = await cli(['--session', 'e2e', '--foreground', '--max-iterations', '2', '--sandbox', '--tasks', path.join(root, 'tasks.yaml')], {
      cwd: repo,
      env,
      timeout: 240_000,
    });
    expect(r.exitCode, r.all).toBe(0);

    // The dialogs were passed: the CLI itself recorded trust and the API key answer.
    const cfg = JSON.parse(readFileSync(path.join(home, '.claude.json'), 'utf8'));
    const trusted = Object.entries(cfg.projects ?? {}).some(([p, v]) => (v as { hasTrustDialogAccepted?: boolean }).hasTrustDialogAccepted && repo.startsWith(p));
    expect(trusted, JSON.stringify(cfg.projects)).toBe(true);
    expect(cfg.customApiKeyResponses?.approved ?? []).toContain(FAKE_API_KEY.slice(-20));

    // Two tasks, in priority order.
    expect(mock.userPrompts.length).toBeGreaterThanOrEqual(2);
    expect(mock.userPrompts[0]).toMatch(/Raise the learning rate/);
    expect(mock.userPrompts[1]).toMatch(/tiny learning rate/);

    // The ledger: the baseline and the agent's two runs, with the right statuses.
    const rows = readFileSync(path.join(repo, 'results.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
    const recs = readFileSync(path.join(repo, '.autoresearch/e2e/runs.jsonl'), 'utf8');
    expect(rows.map((x) => [x[3], x[4]]), recs).toEqual([
      ['keep', 'baseline'],
      ['keep', 'raise LR to 0.004'],
      ['discard', 'tiny LR 0.00001'],
    ]);
    // The agent's runs say which agent made them (the baseline is the supervisor's own).
    expect(recs.trim().split('\n').map((l) => JSON.parse(l).agent ?? null)).toEqual([null, 'claude', 'claude']);
    // The branch sits on the kept commit, and CLAUDE.md shows it as the best.
    expect(git(repo, ['rev-parse', '--short=7', 'HEAD'])).toBe(rows[1]![0]);
    expect(readFileSync(path.join(repo, 'train.py'), 'utf8')).toMatch(/^LR = 0\.004$/m);
    const claudeMd = readFileSync(path.join(repo, 'CLAUDE.md'), 'utf8');
    expect(claudeMd).toContain(rows[1]![0]);
    expect(claudeMd).toContain(rows[1]![1]);
    expect(git(repo, ['status', '--porcelain'])).toBe(''); // CLAUDE.md, hooks and ledger stay out of git

    // The secret never reached a file the tool wrote.
    for (const f of [path.join(repo, 'CLAUDE.md'), path.join(repo, 'results.tsv')]) expect(readFileSync(f, 'utf8')).not.toContain(FAKE_API_KEY);

    // kill leaves no process behind.
    const k = await cli(['kill', '--all'], { cwd: repo, env: { AR_TMUX_SOCKET: SOCKET } });
    expect(k.exitCode, k.all).toBe(0);
    await new Promise((res) => setTimeout(res, 500));
    expect(processesIn(repo)).toEqual([]);
    expect(existsSync(path.join(repo, '.autoresearch', 'e2e', 'runs.jsonl'))).toBe(true);
  }, 300_000);
});
