// Planted keys never reach a dashboard answer: not through a description, a log, a diff or the agent's pane
// (the places an agent or a training script can print them), on any endpoint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Tmux } from '../../src/adapters/tmux.js';
import { git, requireBuild } from '../helpers/repo.js';
import { appendRun, cleanup, fakeSupervisor, get, makeNight, record, serve, writeSupervisor, type Served } from '../dashboard/helpers.js';

const SOCKET = `artest-${process.pid}-dashsec`;
const tmux = new Tmux(SOCKET);
const stamp = `${process.pid}x${Date.now().toString(36)}`;
const KEYS = {
  ANTHROPIC_API_KEY: `sk-ant-api03-PLANTED-DASH-${stamp}`,
  AR_SECRET_TOKEN: `ar-secret-PLANTED-${stamp}`,
  HF_TOKEN: `hf_PLANTED${stamp}zzzz`,
};
const ALL = Object.values(KEYS).join(' ');
let served: Served;
let sup: ChildProcess;
let shared: Served;

beforeAll(async () => {
  requireBuild();
  const { repo } = makeNight();
  // A commit whose diff holds the keys, as run 9 of mar5 (a training script that hard-coded them).
  writeFileSync(path.join(repo, 'train.py'), `LR = 0.01\nKEYS = "${ALL}"\n`);
  git(repo, ['commit', '-q', '-am', `keys ${ALL}`]);
  git(repo, ['update-ref', 'refs/autoresearch/mar5/9', 'HEAD']);
  writeFileSync(path.join(repo, '.autoresearch', 'mar5', 'logs', '9.log'), `loading with ${ALL}\nval_bpb: 0.99\n`);
  // A hand-edited ledger line with the keys in its description and tail.
  appendRun(repo, 'mar5', record('mar5', 9, { description: `idea with ${ALL}`, tail: ALL }));
  // A live "supervisor" whose agent's pane shows the keys, and a run in progress whose log prints them.
  sup = fakeSupervisor('mar5');
  writeSupervisor(repo, 'mar5', sup.pid!, SOCKET, { currentTask: `task with ${ALL}` });
  writeFileSync(path.join(repo, '.autoresearch', 'mar5', 'pending.json'), JSON.stringify({ id: 10, pid: null, runner: sup.pid, commit: git(repo, ['rev-parse', 'HEAD']), parent: git(repo, ['rev-parse', 'HEAD~1']), description: `pending ${ALL}`, start: new Date().toISOString(), log: '.autoresearch/mar5/logs/9.log' }));
  await tmux.newSession({ name: 'ar-mar5', cwd: repo, argv: ['sh', '-c', 'echo "env: $ANTHROPIC_API_KEY $HF_TOKEN $AR_SECRET_TOKEN"; exec cat'], env: KEYS });
  [served, shared] = await Promise.all([serve(repo, [], KEYS), serve(repo, ['--host', '127.0.0.2'], KEYS)]);
}, 120_000);
afterAll(async () => {
  await Promise.all([served?.stop(), shared?.stop()]);
  sup?.kill();
  await tmux.killServer();
  cleanup();
});

describe('dashboard secrets', () => {
  it('no endpoint answers with a planted key, while what held it is shown redacted', async () => {
    const answers: Record<string, string> = {};
    for (const [name, s] of [['loopback', served], ['token', shared]] as const) {
      const headers: Record<string, string> = s.token ? { 'X-AR-Token': s.token } : {};
      const at = (p: string) => new URL(p + (s.token ? `${p.includes('?') ? '&' : '?'}token=${s.token}` : ''), s.url).href;
      for (const p of ['/', '/app.js', '/app.css', '/api/snapshot', '/api/diff?tag=mar5&id=9', '/api/log?tag=mar5&id=9', '/nothing']) {
        answers[`${name} ${p}`] = (await get(at(p), { headers })).body;
      }
      answers[`${name} events`] = (await get(at('/api/events'), { until: 'event: snapshot' })).body;
      answers[`${name} pane`] = (await get(at('/api/pane?tag=mar5'), { until: 'env: ' })).body;
      answers[`${name} 401`] = (await get(new URL('/api/snapshot', s.url).origin + '/api/snapshot')).body;
    }
    const leaks: string[] = [];
    for (const [where, body] of Object.entries(answers)) {
      for (const [k, v] of Object.entries(KEYS)) if (body.includes(v) || body.includes(v.slice(-16))) leaks.push(`${k} in ${where}`);
    }
    expect(leaks).toEqual([]);
    // The content did get there, with the keys taken out.
    expect(answers['loopback /api/snapshot']).toContain('idea with [redacted]');
    expect(answers['loopback /api/snapshot']).toContain('task with [redacted]');
    expect(answers['loopback /api/snapshot']).toContain('loading with [redacted]');
    expect(answers['loopback /api/diff?tag=mar5&id=9']).toContain('KEYS = "[redacted]');
    expect(answers['loopback /api/log?tag=mar5&id=9']).toContain('loading with [redacted]');
    expect(answers['loopback pane']).toMatch(/env: (sk-ant-)?\[redacted\]/);
  });
});
