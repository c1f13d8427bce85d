/**
 * End to end: `ar-supervise --session e2l --lanes 2` drives TWO copies of the REAL Claude Code CLI (pinned
 * devDependency) in real tmux, one per lane worktree; one scripted local Messages-API server answers both. Each
 * agent edits train.py through its Bash tool (in its own checkout) and calls `ar-supervise run`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { claudeBin, claudeEnv, makeClaudeHome, makeTempDir } from './claude-harness.js';
import { startMockAnthropic, type MockAnthropic, type ScriptedTurn } from './mock-anthropic.js';
import { Tmux } from '../../src/adapters/tmux.js';
import { readManifest } from '../../src/lanes/manifest.js';
import { buildLanesReport } from '../../src/lanes/report.js';
import { readSupervisorState } from '../../src/supervisor/state.js';
import { cli, git, processesIn, ROOT } from '../helpers/repo.js';

const SOCKET = `artest-e2e-lanes-${process.pid}`;
let mock: MockAnthropic | undefined;
const dirs: string[] = [];

afterAll(async () => {
  await cli(['kill', '--all'], { cwd: ROOT, env: { AR_TMUX_SOCKET: SOCKET } });
  await cli(['kill', '--all'], { cwd: ROOT, env: { AR_TMUX_SOCKET: SOCKET } }); // a lane that was still setting up
  await new Tmux(SOCKET).killServer(); // removes the socket file too
  await mock?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});


/** The same scripted turn for both lanes: the Bash tool runs in each agent's own checkout. */
function turnFor(userText: string): ScriptedTurn {
  if (!/raise the learning rate/i.test(userText)) return { steps: [], final: 'Nothing scripted for this prompt.' };
  return {
    steps: [
      {
        tool: 'Bash',
        input: { command: `sed -i 's/^LR = .*/LR = 0.004/' train.py && ar-supervise run -m "raise LR to 0.004"`, description: 'Edit and run the experiment', timeout: 120000 },
      },
    ],
    final: 'Ran: raise LR to 0.004.',
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('lanes with the real Claude Code CLI', () => {
  it('two lanes, two agents, one task each in its own worktree; ledgers, branches and CLAUDE.md follow; nothing left running', async () => {
    const root = makeTempDir('ar-e2e-lanes-');
    dirs.push(root);
    const repo = path.join(root, 'repo');
    mkdirSync(repo);
    writeFileSync(path.join(repo, 'train.py'), 'LR = 0.001\nprint("---")\nprint(f"val_bpb:          {1.0 - LR:.6f}")\nprint("training_seconds: 0.1")\n');
    writeFileSync(path.join(repo, 'prepare.py'), '# read-only\n');
    writeFileSync(path.join(repo, 'autoresearch.yaml'), 'command: python3 train.py\nbudget_seconds: 5\nkill_grace_seconds: 1\n');
    git(repo, ['init', '-q', '-b', 'main']);
    git(repo, ['add', '-A']);
    git(repo, ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'job']);
    const home = path.join(root, 'home');
    // The dialogs are the single-agent e2e's subject; here two CLIs share one config file, so answer them up front.
    makeClaudeHome(home, { preseedTrust: [repo], preseedApiKey: true, preseedBypass: true });
    mock = await startMockAnthropic({ turns: (text) => turnFor(text) });
    const env: Record<string, string | undefined> = {
      ...claudeEnv({ home, baseUrl: mock.url }),
      IS_SANDBOX: undefined,
      AR_TMUX_SOCKET: SOCKET,
      PATH: `${path.dirname(claudeBin())}:${process.env.PATH}`,
    };
    const r = await cli(['--session', 'e2l', '--lanes', '2', '--max-iterations', '1', '--sandbox', '--task', 'Raise the learning rate: the baseline LR looks too low.'], {
      cwd: repo,
      env,
      timeout: 60_000,
    });
    expect(r.exitCode, r.all).toBe(0);
    const m = readManifest(repo, 'e2l')!;
    expect(m.lanes.map((l) => l.name)).toEqual(['lane0', 'lane1']);

    // Both supervisors stop after their one turn (max-iterations 1).
    const deadline = Date.now() + 80_000;
    for (;;) {
      const states = m.lanes.map((l) => readSupervisorState(l.worktree, l.tag)?.state);
      if (states.every((s) => s === 'stopped' || s === 'failed')) break;
      if (Date.now() > deadline) throw new Error(`lanes did not finish: ${states.join(', ')}`);
      await sleep(500);
    }
    for (const l of m.lanes) {
      expect(readSupervisorState(l.worktree, l.tag), l.name).toMatchObject({ state: 'stopped', iterations: 1, stopReason: 'max-iterations' });
      // Each lane's ledger: its baseline and its agent's run, in its own worktree, with its lane.
      const rows = readFileSync(path.join(l.worktree, 'results.tsv'), 'utf8').trim().split('\n').slice(1).map((x) => x.split('\t'));
      expect(rows.map((x) => [x[1], x[3], x[4]])).toEqual([
        ['0.999000', 'keep', 'baseline'],
        ['0.996000', 'keep', 'raise LR to 0.004'],
      ]);
      const recs = readFileSync(path.join(l.worktree, '.autoresearch', l.tag, 'runs.jsonl'), 'utf8').trim().split('\n').map((x) => JSON.parse(x));
      expect(recs.map((x: { lane: string }) => x.lane)).toEqual([l.name, l.name]);
      // The branch moved in the lane's worktree only; the main checkout did not.
      expect(git(l.worktree, ['log', '-1', '--format=%s', l.branch])).toBe('keep: raise LR to 0.004 (val_bpb 0.9960, -0.0030)');
      expect(readFileSync(path.join(l.worktree, 'train.py'), 'utf8')).toMatch(/^LR = 0\.004$/m);
      const md = readFileSync(path.join(l.worktree, 'CLAUDE.md'), 'utf8');
      const other = m.lanes.find((x) => x.name !== l.name)!;
      expect(md).toContain('## Other lanes');
      expect(md).toContain(`### e2l:${other.name}, branch \`${other.branch}\``);
      expect(git(l.worktree, ['status', '--porcelain'])).toBe('');
    }
    expect(readFileSync(path.join(repo, 'train.py'), 'utf8')).toMatch(/^LR = 0\.001$/m);
    expect(git(repo, ['status', '--porcelain'])).toBe('');
    expect(mock.userPrompts.filter((p) => /Raise the learning rate/.test(p))).toHaveLength(2);

    const rep = await buildLanesReport({ cwd: repo, session: 'e2l', laneReports: false });
    expect(rep.model.counts).toEqual({ runs: 4, keep: 4, discard: 0, crash: 0 });
    expect(rep.model.best).toMatchObject({ value: 0.996 });

    // --clean archives both lanes and removes their worktrees; nothing is left running.
    const k = await cli(['kill', 'e2l', '--clean'], { cwd: repo, env: { AR_TMUX_SOCKET: SOCKET } });
    expect(k.exitCode, k.all).toBe(0);
    expect(k.stdout.match(/^Removed e2l:lane\d's worktree/gm)).toHaveLength(2);
    await sleep(300);
    expect(processesIn(root)).toEqual([]);
  }, 150_000);
});
