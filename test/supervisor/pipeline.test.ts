// A pipeline of depth 2 with the fake agent in real tmux: the supervisor asks for the next idea while the first
// trains, hands each finished result over in the next prompt, and the runner decides them as `run` would.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Tmux } from '../../src/adapters/tmux.js';
import { runForeground } from '../../src/supervisor/session.js';
import { execa } from 'execa';
import { BIN, cleanupRepos, cli, isLive, jobRepo, processesIn, requireBuild, ROOT } from '../helpers/repo.js';
import { until } from '../helpers/until.js';

const FAKE = path.join(ROOT, 'test', 'fixtures', 'fake-agent.mjs');
const tmux = new Tmux(`artest-${process.pid}-pipeline`);
requireBuild();
const FAST = { pollMs: 20, screenMs: 50, submitPauseMs: 20, readyStableMs: 300, killGraceMs: 1000, dialogRepeatMs: 500 };
const scratch = mkdtempSync(path.join(tmpdir(), 'ar-pipe-'));

afterAll(async () => {
  await tmux.killServer();
  cleanupRepos();
  rmSync(scratch, { recursive: true, force: true });
});

/** A tag `tag` with its baseline, and a fake agent whose turn n queues an idea held by the gate until the test lets it go. */
async function gatedSession(tag: string) {
  const repo = jobRepo('paced.py', { agent: { command: 'node', args: [FAKE] }, budget_seconds: 30 });
  const gate = path.join(scratch, `gate-${tag}`);
  const count = path.join(scratch, `n-${tag}`);
  (await import('node:fs')).mkdirSync(gate);
  writeFileSync(path.join(gate, 'go-1.0_1.0'), '');
  expect((await cli(['init', '--tag', tag], { cwd: repo, env: { GATE: gate } })).exitCode).toBe(0);
  // Turn n queues an idea on X (odd turns: X = n + 1) or Y (even: Y = 0.n); the gate holds each run until the test lets it go.
  const turn = [
    `n=$(( $(cat ${count} 2>/dev/null || echo 0) + 1 )); echo $n > ${count}`,
    `if [ $((n % 2)) -eq 1 ]; then sed -i "s/^X = .*/X = $((n + 1)).0/" train.py; else sed -i "s/^Y = .*/Y = 0.$n/" train.py; fi`,
    'ar-supervise submit -m "idea $n"',
  ].join('; ');
  const env = { GATE: gate, AR_TMUX_SOCKET: tmux.socket, FAKE_AGENT_DIALOGS: '', FAKE_AGENT_TURN_MS: '50', FAKE_AGENT_RUN: turn, AR_SUPERVISOR_SESSION: undefined };
  const q = (n: number) => path.join(repo, `.autoresearch/${tag}/queue/${n}.json`);
  const entry = (n: number) => (existsSync(q(n)) ? (JSON.parse(readFileSync(q(n), 'utf8')) as { state: string }) : null);
  const recs = () => readFileSync(path.join(repo, `.autoresearch/${tag}/runs.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  return { repo, gate, env, entry, recs };
}

describe('--pipeline 2 (real git, real tmux, fake agent)', () => {
  it('the second idea is queued before the first result; each result comes in the next prompt; CLAUDE.md says submit', async () => {
    const repo = jobRepo('paced.py', { agent: { command: 'node', args: [FAKE] }, budget_seconds: 30 });
    const gate = path.join(scratch, 'gate');
    const prompts = path.join(scratch, 'prompts.jsonl');
    const count = path.join(scratch, 'n');
    (await import('node:fs')).mkdirSync(gate);
    writeFileSync(path.join(gate, 'go-1.0_1.0'), '');
    expect((await cli(['init', '--tag', 'pp'], { cwd: repo, env: { GATE: gate } })).exitCode).toBe(0);
    // Turn n: an idea on X (odd turns) or Y (even turns), queued with submit.
    const turn = [
      `n=$(( $(cat ${count} 2>/dev/null || echo 0) + 1 )); echo $n > ${count}`,
      `if [ $((n % 2)) -eq 1 ]; then sed -i "s/^X = .*/X = $((n + 1)).0/" train.py; else sed -i "s/^Y = .*/Y = 0.$n/" train.py; fi`,
      `ar-supervise submit -m "idea $n"`,
    ].join('; ');
    const env: NodeJS.ProcessEnv = { ...process.env, GATE: gate, FAKE_AGENT_RUN: turn, FAKE_AGENT_PROMPTS: prompts };
    delete env.AR_SUPERVISOR_SESSION;
    const lines: string[] = [];
    const session = runForeground({ name: 'pp', repo, foreground: true, baseline: false, maxIterations: 3, pipeline: 2 }, { tmux, env, out: (l) => lines.push(l), timing: FAST });
    const sent = () => (existsSync(prompts) ? readFileSync(prompts, 'utf8').trim().split('\n').map((l) => JSON.parse(l).prompt as string) : []);
    // The first idea trains (held by its gate) while the agent is asked for the second.
    await until('the second idea to be queued', () => sent().length >= 2 && existsSync(path.join(repo, '.autoresearch/pp/queue/3.json')));
    writeFileSync(path.join(gate, 'go-all'), '');
    expect(await session, lines.join('\n')).toBe(0);
    const p = sent();
    expect(p[0]).not.toMatch(/finished/);
    expect(p[1]).toMatch(/^1 experiment is queued or running\. Continue/);
    expect(p[2]).toMatch(/^#2 finished: keep 1\.2000 \(-0\.3000 vs best\) idea 1$/m);
    expect(p[2]).toContain('submit -m');
    expect(readFileSync(path.join(repo, 'CLAUDE.md'), 'utf8')).toMatch(/How to run experiments \(a pipeline: 2 in flight\)/);
    await until('the queue to empty', () => {
      const dir = path.join(repo, '.autoresearch/pp/queue');
      return !existsSync(path.join(repo, '.autoresearch/pp/runner.lock')) && (!existsSync(dir) || !readdirSync(dir).some((f) => f.endsWith('.json')));
    });
    const recs = readFileSync(path.join(repo, '.autoresearch/pp/runs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const first = recs.find((r) => r.experiment === 2);
    const second = recs.find((r) => r.experiment === 3);
    expect(first).toMatchObject({ status: 'keep', description: 'idea 1' });
    expect(Date.parse(second.queued)).toBeLessThan(Date.parse(first.end)); // submitted before the first result
    expect(recs.filter((r) => r.experiment !== undefined).length).toBe(3);
    await until('no process of ours left', () => processesIn(repo).length === 0, 15_000);
  }, 120_000);

  it('the session owns its runner: kill stops the training and records it, the queued idea stays on disk, a restart runs it and nothing twice', async () => {
    const { repo, gate, env, entry, recs } = await gatedSession('own');
    const q = (n: number) => path.join(repo, `.autoresearch/own/queue/${n}.json`);
    const started = await cli(['--session', 'own', '--pipeline', '2'], { cwd: repo, env });
    expect(started.exitCode, started.all).toBe(0);
    await until('#2 training and #3 queued', () => existsSync(path.join(gate, 'started-2.0_1.0')) && entry(3)?.state === 'queued');
    // The runner is the supervisor itself: no runner process of its own.
    const sup = JSON.parse(readFileSync(path.join(repo, '.autoresearch/own/supervisor.json'), 'utf8')).pid as number;
    expect(Number(readFileSync(path.join(repo, '.autoresearch/own/runner.lock'), 'utf8'))).toBe(sup);
    const k = await cli(['kill', 'own'], { cwd: repo, env, timeout: 40_000 });
    expect(k.exitCode, k.all).toBe(0);
    await until('no process of ours left (the training of #2 stopped)', () => processesIn(repo).length === 0, 15_000);
    expect(entry(2)).toBeNull();
    expect(entry(3)).toMatchObject({ state: 'queued', description: 'idea 2' });
    expect(recs().slice(1)).toEqual([expect.objectContaining({ experiment: 2, status: 'crash', crashReason: 'interrupted' })]);

    // Started again: the queued idea runs first, the cut-off one never again.
    writeFileSync(path.join(gate, 'go-all'), '');
    const again = await cli(['--session', 'own', '--pipeline', '2', '--foreground', '--max-iterations', '1'], { cwd: repo, env, timeout: 90_000 });
    expect(again.exitCode, again.all).toBe(0);
    expect(recs().map((r) => [r.experiment ?? null, r.status, r.description])).toEqual([
      [null, 'keep', 'baseline'],
      [2, 'crash', 'idea 1'],
      [3, 'keep', 'idea 2'],
      [4, 'keep', 'idea 3'],
    ]);
    expect(existsSync(q(4))).toBe(false);
    await until('no process of ours left', () => processesIn(repo).length === 0, 15_000);
  }, 150_000);

  /** A foreground supervisor SIGKILLed once #2 trains and #3 is queued (its agent's second turn over): the agent and the training live on. */
  async function killedSupervisor(tag: string) {
    const g = await gatedSession(tag);
    const sup = execa('node', [BIN, '--session', tag, '--foreground', '--pipeline', '2'], { cwd: g.repo, env: { ...process.env, NO_COLOR: '1', ...g.env }, reject: false });
    const turns = () => (existsSync(path.join(g.repo, `.autoresearch/${tag}/supervisor.json`)) ? JSON.parse(readFileSync(path.join(g.repo, `.autoresearch/${tag}/supervisor.json`), 'utf8')).iterations : 0);
    await until('#2 training, #3 queued', () => existsSync(path.join(g.gate, 'started-2.0_1.0')) && g.entry(3)?.state === 'queued' && turns() >= 2);
    sup.kill('SIGKILL');
    await sup;
    const training = Number((JSON.parse(readFileSync(path.join(g.repo, `.autoresearch/${tag}/queue/2.json`), 'utf8')) as { job: { id: string } }).job.id);
    expect(isLive(training)).toBe(true);
    return g;
  }

  it('a SIGKILLed supervisor: its training outlives it until kill, which stops and records it; the queued idea stays on disk', async () => {
    const { repo, env, entry, recs } = await killedSupervisor('sk');
    const k = await cli(['kill', 'sk'], { cwd: repo, env, timeout: 40_000 });
    expect(k.exitCode, k.all).toBe(0);
    await until('no process of ours left', () => processesIn(repo).length === 0, 15_000);
    expect(entry(2)).toBeNull();
    expect(entry(3)).toMatchObject({ state: 'queued', description: 'idea 2' });
    expect(recs().slice(1)).toEqual([expect.objectContaining({ experiment: 2, status: 'crash', crashReason: 'interrupted' })]);
  }, 120_000);

  it('a SIGKILLed supervisor whose agent then starts a background runner (submit, results, queue): kill ends that runner too', async () => {
    const { repo, gate, env, entry, recs } = await killedSupervisor('sr');
    expect((await cli(['queue'], { cwd: repo, env })).exitCode).toBe(0); // no live session: a background runner starts
    await until('#3 to train under it', () => existsSync(path.join(gate, 'started-1.0_0.2')));
    const k = await cli(['kill', 'sr'], { cwd: repo, env, timeout: 40_000 });
    expect(k.exitCode, k.all).toBe(0);
    expect(k.stdout).toMatch(/its queue runner \(pid \d+\)/);
    await until('no process of ours left', () => processesIn(repo).length === 0, 15_000);
    expect(entry(3)).toBeNull();
    expect(recs().slice(1).map((r) => [r.experiment, r.crashReason])).toEqual([
      [2, 'interrupted'],
      [3, 'interrupted'],
    ]);
  }, 120_000);
});

/**
 * One agent with two local GPUs (pipeline.gpus): a fake agent whose turn 1 moves X toward the optimum and turn 2
 * adds a comment (no better, so never stale); each run waits in the rendezvous until `n` runs are there.
 */
async function twoSlotSession(tag: string, n: number, config: Record<string, unknown> = { pipeline: { gpus: [0, 1] } }) {
  const repo = jobRepo('rendezvous.py', { agent: { command: 'node', args: [FAKE] }, budget_seconds: 30, ...config });
  expect((await cli(['init', '--tag', tag], { cwd: repo })).exitCode).toBe(0); // the baseline trains alone
  const meet = path.join(scratch, `meet-${tag}`);
  (await import('node:fs')).mkdirSync(meet);
  const count = path.join(scratch, `n-${tag}`);
  const turn = [
    `n=$(( $(cat ${count} 2>/dev/null || echo 0) + 1 )); echo $n > ${count}`,
    `if [ $n -eq 1 ]; then sed -i "s/^X = .*/X = 2.0/" train.py; else echo "# idea $n" >> train.py; fi`,
    'ar-supervise submit -m "idea $n"',
  ].join('; ');
  const env = { RENDEZVOUS: meet, RENDEZVOUS_N: String(n), AR_TMUX_SOCKET: tmux.socket, FAKE_AGENT_DIALOGS: '', FAKE_AGENT_TURN_MS: '50', FAKE_AGENT_RUN: turn, AR_SUPERVISOR_SESSION: undefined };
  const recs = () => readFileSync(path.join(repo, `.autoresearch/${tag}/runs.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  return { repo, meet, env, recs };
}

describe('one agent, several slots (real git, real tmux, fake agent, rendezvous fixture)', () => {
  it('pipeline.gpus [0, 1]: two experiments train at once, one per GPU; decided in finishing order; depth defaults to 3', async () => {
    const { repo, env, recs } = await twoSlotSession('two', 2);
    const lines: string[] = [];
    // Each run waits until both are in the rendezvous: with one slot the first would wait alone and crash.
    const r = await runForeground({ name: 'two', repo, foreground: true, baseline: false, maxIterations: 2 }, { tmux, env: { ...process.env, ...env } as NodeJS.ProcessEnv, out: (l) => lines.push(l), timing: FAST });
    expect(r, lines.join('\n')).toBe(0);
    const runs = recs().filter((x) => x.experiment !== undefined);
    expect(runs.map((x) => [x.description, x.status]).sort()).toEqual([
      ['idea 1', 'keep'],
      ['idea 2', 'discard'],
    ]);
    // Both met: each log says 2 of 2, and names its own GPU.
    const logs = runs.map((x) => readFileSync(path.join(repo, x.log), 'utf8'));
    for (const l of logs) expect(l).toMatch(/met 2 of 2/);
    expect(logs.map((l) => /CUDA_VISIBLE_DEVICES=(\d*)/.exec(l)![1]).sort()).toEqual(['0', '1']);
    // The rows are in the order the runs ended.
    const ends = runs.map((x) => Date.parse(x.end));
    expect([...ends].sort((a, b) => a - b)).toEqual(ends);
    expect(readFileSync(path.join(repo, 'CLAUDE.md'), 'utf8')).toMatch(/a pipeline: 3 in flight/);
    await until('no process of ours left', () => processesIn(repo).length === 0, 15_000);
  }, 150_000);

  it('--pipeline-gpus 0,1: kill while two train stops both and records each once; nothing is left running', async () => {
    // Three must meet, so the two in flight wait until kill.
    const { repo, meet, env, recs } = await twoSlotSession('twok', 3, {});
    const started = await cli(['--session', 'twok', '--pipeline-gpus', '0,1'], { cwd: repo, env });
    expect(started.exitCode, started.all).toBe(0);
    await until('two runs in the rendezvous at once', () => readdirSync(meet).length === 2);
    const k = await cli(['kill', 'twok'], { cwd: repo, env, timeout: 40_000 });
    expect(k.exitCode, k.all).toBe(0);
    await until('no process of ours left', () => processesIn(repo).length === 0, 15_000);
    expect(readdirSync(meet).length).toBe(2);
    expect(recs().slice(1).map((x) => [x.experiment, x.status, x.crashReason]).sort()).toEqual([
      [2, 'crash', 'interrupted'],
      [3, 'crash', 'interrupted'],
    ]);
  }, 150_000);

  it('bad pipeline GPUs are one sentence, exit 2, before anything starts', async () => {
    const repo = jobRepo('rendezvous.py', { agent: { command: 'node', args: [FAKE] } });
    const twice = await cli(['--session', 'bad', '--pipeline-gpus', '0,0'], { cwd: repo });
    expect([twice.exitCode, twice.stderr.trim()]).toEqual([2, expect.stringMatching(/^ar-supervise: --pipeline-gpus names GPU 0 twice; give each GPU once \(one slot per GPU\)\.$/)]);
    const lanes = await cli(['--session', 'bad', '--lanes', '2', '--pipeline-gpus', '0,1'], { cwd: repo });
    expect([lanes.exitCode, lanes.stderr.trim()]).toEqual([2, expect.stringMatching(/lanes give each agent its own GPU; .* use one or the other\.$/)]);
    writeFileSync(path.join(repo, 'autoresearch.yaml'), readFileSync(path.join(repo, 'autoresearch.yaml'), 'utf8') + 'executor: {kind: slurm, parallel: 2}\npipeline: {gpus: [0, 1]}\n');
    const slurm = await cli(['--session', 'bad'], { cwd: repo });
    expect([slurm.exitCode, slurm.stderr.trim()]).toEqual([2, expect.stringMatching(/^ar-supervise: pipeline GPUs are for the local executor; .* set executor\.parallel instead\.$/)]);
    expect(existsSync(path.join(repo, '.autoresearch/bad'))).toBe(false);
  }, 60_000);
});

