// Reliability: faults around the agent, injected into a real supervised session (real tmux on a private
// socket, the fake agent, real git, real training processes): the agent killed mid-turn, the tmux server
// killed under a foreground supervisor, an agent that breaks the rules, and restart_after_turns.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Tmux } from '../../src/adapters/tmux.js';
import { stillRunning } from '../../src/adapters/procs.js';
import { hookScript } from '../../src/supervisor/files.js';
import { runForeground, type SessionOptions } from '../../src/supervisor/session.js';
import { readSupervisorState } from '../../src/supervisor/state.js';
import type { LoopEvent } from '../../src/supervisor/loop.js';
import { cleanupRepos, git, jobRepo, JOBS, ROOT } from '../helpers/repo.js';

const FAKE = path.join(ROOT, 'test', 'fixtures', 'fake-agent.mjs');
const SOCKET = `artest-${process.pid}-relagent`;
const tmux = new Tmux(SOCKET);
const FAST = { pollMs: 20, screenMs: 50, submitPauseMs: 20, readyStableMs: 300, killGraceMs: 1000, dialogRepeatMs: 500 };
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'ar-rel-agent-'));
  if (!existsSync(hookScript())) throw new Error(`${hookScript()} is missing: build first (npx tsc -p .)`);
});
afterAll(async () => {
  await tmux.killServer();
  cleanupRepos();
  rmSync(tmp, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(fn: () => T | null | undefined | false, ms = 20_000, what = 'a condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

function env(vars: Record<string, string>): NodeJS.ProcessEnv {
  // No startup dialogs (session.test.ts covers them): faster restarts.
  const e: NodeJS.ProcessEnv = { ...process.env, AR_TMUX_SOCKET: SOCKET, FAKE_AGENT_DIALOGS: '', ...vars };
  delete e.AR_SUPERVISOR_SESSION;
  return e;
}

function start(o: Partial<SessionOptions> & { name: string; repo: string }, vars: Record<string, string>) {
  const events: LoopEvent[] = [];
  const lines: string[] = [];
  const done = runForeground(
    { foreground: true, baseline: false, ...o },
    { tmux, env: env(vars), out: (l) => lines.push(l), timing: FAST, onEvent: (e) => events.push(e) },
  );
  return { done, events, lines };
}

const recordsOf = (repo: string, tag: string) => {
  const f = path.join(repo, '.autoresearch', tag, 'runs.jsonl');
  return existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
};
const tsvRows = (repo: string) => readFileSync(path.join(repo, 'results.tsv'), 'utf8').trim().split('\n').slice(1);
const pendingOf = (repo: string, tag: string) => {
  const f = path.join(repo, '.autoresearch', tag, 'pending.json');
  try {
    return JSON.parse(readFileSync(f, 'utf8')) as { id: number; pid: number | null; runner: number; commit: string };
  } catch {
    return null;
  }
};

/** Every run that got a number (refs/autoresearch/<tag>/<n>) has exactly one record; the ledger matches them. */
function expectNoRowLost(repo: string, tag: string): void {
  const recs = recordsOf(repo, tag);
  const refs = git(repo, ['for-each-ref', '--format=%(refname)', `refs/autoresearch/${tag}/`]).split('\n').filter(Boolean);
  expect(recs.map((r) => r.id)).toEqual(recs.map((_, i) => i + 1));
  expect(refs.length).toBe(recs.length);
  expect(tsvRows(repo)).toHaveLength(recs.length);
  expect(pendingOf(repo, tag)).toBeNull();
}

describe('the agent dies, tmux dies: the loop goes on and no row is lost', () => {
  it('kill -9 of the agent mid-turn (during a training run): noticed within 10 s, a fresh agent, the run recorded once', async () => {
    const tag = 'k9';
    const repo = jobRepo('env_dump.py', { agent: { command: 'node', args: [FAKE] }, budget_seconds: 30 });
    const starts = path.join(tmp, 'k9-starts');
    const pfile = path.join(tmp, 'k9-prompts.jsonl');
    const s = start(
      { name: tag, repo, maxIterations: 2 },
      {
        FAKE_AGENT_PROMPTS: pfile,
        FAKE_AGENT_TURN_MS: '50',
        // The first run trains for a minute (it is cut off); the others at once.
        FAKE_AGENT_RUN: `echo . >> ${starts}; n=$(wc -l < ${starts}); if [ $n = 1 ]; then export SLEEP=60; fi; ar-supervise run -m "turn $n"`,
      },
    );
    // The first turn's run is training: kill the agent with SIGKILL, no chance to clean up.
    const p = await waitFor(() => {
      const p = pendingOf(repo, tag);
      return p && p.pid ? p : null;
    }, 30_000, 'the first run to train');
    const agentPid = readSupervisorState(repo, tag)!.agentPid!;
    expect(agentPid).toBeGreaterThan(0);
    const killedAt = Date.now();
    process.kill(agentPid, 'SIGKILL');
    await waitFor(() => s.events.find((e) => e.type === 'restart'), 10_000, 'the restart');
    const restart = s.events.find((e) => e.type === 'restart')!;
    expect(restart.at - killedAt).toBeLessThan(10_000);
    await s.done;
    expect(s.lines.join('\n')).toMatch(/Stopped \(max-iterations\) after 2 turns, 1 agent restarts/);
    // The killed agent's run settled, the training killed; later turns ran under a new agent.
    expect(await stillRunning([agentPid, p.pid!, p.runner])).toEqual([]);
    const prompts = readFileSync(pfile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { pid: number });
    expect(prompts).toHaveLength(2);
    expect(prompts[0]!.pid).toBe(agentPid);
    expect(prompts[1]!.pid).not.toBe(agentPid);
    const recs = recordsOf(repo, tag);
    const first = recs.filter((r) => r.commit === p.commit && r.id === p.id);
    expect(first).toHaveLength(1);
    // The agent's death hung up its shell: the run stopped its training and recorded itself as interrupted.
    expect(first[0]).toMatchObject({ status: 'crash', crashReason: 'interrupted', description: 'turn 1' });
    expectNoRowLost(repo, tag);
    expect(recs.map((r) => r.description)).toEqual(['turn 1', 'turn 2']);
    expect(git(repo, ['status', '--porcelain'])).toBe('');
    expect(await tmux.hasSession(`ar-${tag}`)).toBe(false);
  });

  it('the tmux server killed under a foreground supervisor: it starts a new server and agent and goes on', async () => {
    const tag = 'srv';
    const repo = jobRepo('summary.py', { agent: { command: 'node', args: [FAKE] } });
    const pfile = path.join(tmp, 'srv-prompts.jsonl');
    const s = start({ name: tag, repo, maxIterations: 2 }, { FAKE_AGENT_PROMPTS: pfile, FAKE_AGENT_TURN_MS: '800', FAKE_AGENT_RUN: 'ar-supervise run -m "turn"' });
    await waitFor(() => readSupervisorState(repo, tag)?.state === 'busy', 20_000, 'the first turn');
    const agentPid = readSupervisorState(repo, tag)!.agentPid!;
    const killedAt = Date.now();
    execFileSync('tmux', ['-L', SOCKET, 'kill-server']);
    await waitFor(() => s.events.find((e) => e.type === 'restart'), 10_000, 'the restart');
    expect(s.events.find((e) => e.type === 'restart')!.at - killedAt).toBeLessThan(10_000);
    await s.done;
    expect(s.lines.join('\n')).toMatch(/Stopped \(max-iterations\) after 2 turns/);
    const prompts = readFileSync(pfile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { pid: number });
    expect(prompts.length).toBe(2);
    expect(prompts.at(-1)!.pid).not.toBe(agentPid);
    expect(await stillRunning([agentPid])).toEqual([]);
    expectNoRowLost(repo, tag);
    expect(git(repo, ['status', '--porcelain'])).toBe('');
  });
});

describe('an agent that breaks the rules', () => {
  it('read-only edit, new dependency, non-editable file, results.tsv rewritten and deleted, budget overrun: refused or reverted, recorded; restart_after_turns keeps the memory in CLAUDE.md', async () => {
    const tag = 'rules';
    const repo = jobRepo('summary.py', { agent: { command: 'node', args: [FAKE] }, supervisor: { restart_after_turns: 2 } });
    const prepare0 = readFileSync(path.join(repo, 'prepare.py'), 'utf8');
    const yaml0 = readFileSync(path.join(repo, 'autoresearch.yaml'), 'utf8');
    const counter = path.join(tmp, 'rules-n');
    const snaps = path.join(tmp, 'rules-md');
    const outs = path.join(tmp, 'rules-out');
    const pfile = path.join(tmp, 'rules-prompts.jsonl');
    const overrun = path.join(JOBS, 'overrun.py');
    // Misdeeds by turn; each turn first saves the CLAUDE.md it was started with.
    const script = path.join(tmp, 'rules.sh');
    writeFileSync(
      script,
      [
        'set -u',
        `echo . >> ${counter}; n=$(wc -l < ${counter})`,
        `cp CLAUDE.md ${snaps}-$n.md`,
        'case $n in',
        // A read-only file and a new dependency in one experiment: a violation, reverted.
        `1) echo "# sneaky" >> prepare.py; echo "torch==9.9" > requirements.txt; ar-supervise run -m "edit prepare, add dependency" ;;`,
        // autoresearch.yaml is tracked and not editable: the run is refused before anything happens. Then the
        // agent fabricates a ledger row and runs again.
        `2) sed -i 's/budget_seconds: 2/budget_seconds: 9999/' autoresearch.yaml; ar-supervise run -m "bigger budget"; echo "exit=$?"; git checkout -- autoresearch.yaml;` +
          ` printf 'commit\\tval_bpb\\tmemory_gb\\tstatus\\tdescription\\nabc1234\\t0.001000\\t0.0\\tkeep\\tfabricated\\n' > results.tsv; ar-supervise run -m "after rewrite" ;;`,
        // The ledger deleted, and a training script that ignores the budget.
        `3) rm -f results.tsv; cp ${overrun} train.py; ar-supervise run -m "train longer" ;;`,
        'esac',
      ].join('\n') + '\n',
    );
    const s = start(
      { name: tag, repo, maxIterations: 3 },
      { FAKE_AGENT_PROMPTS: pfile, FAKE_AGENT_TURN_MS: '50', FAKE_AGENT_RUN: `sh ${script} >> ${outs} 2>&1` },
    );
    await s.done;
    expect(s.lines.join('\n')).toMatch(/Stopped \(max-iterations\) after 3 turns, 1 agent restarts/);
    const out = readFileSync(outs, 'utf8');
    const recs = recordsOf(repo, tag);
    expect(recs.map((r) => [r.description, r.status, r.violation ?? null])).toEqual([
      ['edit prepare, add dependency', 'discard', 'read-only prepare.py changed; dependency manifest requirements.txt changed'],
      ['after rewrite', 'keep', null],
      ['train longer', 'discard', 'trained 80.0 s on a 2 s budget'],
    ]);
    // Reverted: prepare.py as it was, no requirements.txt, the training script back at the kept commit.
    expect(readFileSync(path.join(repo, 'prepare.py'), 'utf8')).toBe(prepare0);
    expect(existsSync(path.join(repo, 'requirements.txt'))).toBe(false);
    expect(readFileSync(path.join(repo, 'train.py'), 'utf8')).toBe(readFileSync(path.join(JOBS, 'summary.py'), 'utf8'));
    // Refused: autoresearch.yaml was never committed in a run, nothing ran for it.
    expect(out).toMatch(/only train\.py may change in an experiment, but autoresearch\.yaml changed; nothing was run/);
    expect(out).toContain('exit=2');
    expect(readFileSync(path.join(repo, 'autoresearch.yaml'), 'utf8')).toBe(yaml0);
    // The ledger: append-only, rebuilt from the records after each tampering, the fabricated copy kept as evidence.
    const rows = tsvRows(repo).map((l) => l.split('\t'));
    expect(rows.map((r) => r[3])).toEqual(['discard', 'keep', 'discard']);
    expect(rows.some((r) => r[4] === 'fabricated')).toBe(false);
    expect(rows[0]![4]).toBe('edit prepare, add dependency [violation: read-only prepare.py changed; dependency manifest requirements.txt changed]');
    expect(rows[2]![1]).toBe('0.000000');
    const archive = path.join(repo, '.autoresearch', tag, 'archive');
    const kept = readdirSync(archive).map((f) => readFileSync(path.join(archive, f), 'utf8'));
    expect(kept.some((t) => t.includes('fabricated'))).toBe(true);
    const log = readFileSync(path.join(repo, '.autoresearch', tag, 'ar.log'), 'utf8');
    expect(log.match(/results\.tsv was altered or deleted/g)).toHaveLength(2);
    expectNoRowLost(repo, tag);
    expect(git(repo, ['status', '--porcelain'])).toBe('');
    // restart_after_turns: 2 -> a fresh agent for turn 3, whose CLAUDE.md carries the first two turns.
    const prompts = readFileSync(pfile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { pid: number });
    expect(prompts.map((x) => x.pid === prompts[0]!.pid)).toEqual([true, true, false]);
    const md3 = readFileSync(`${snaps}-3.md`, 'utf8');
    expect(md3).toMatch(/\| 1 \| [0-9a-f]{7} \| - \| discard \(violation\) \| edit prepare, add dependency \|/);
    expect(md3).toMatch(/\| 2 \| [0-9a-f]{7} \| [\d.]+ \| keep \| after rewrite \|/);
  });
});
