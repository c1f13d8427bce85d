// Dashboard tests: research repos with ledgers, a lane set, a stand-in live supervisor and agent pane
// (a real process and a real tmux session on a private socket), the real CLI serving, real Chromium.
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import type { RunRecord } from '../../src/engine/types.js';
import { BIN, git } from '../helpers/repo.js';

export const CHROMIUM_ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

const made: string[] = [];
export function cleanup(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

const IDEAS = [
  'increase LR to 0.04', 'switch to GeLU activation', 'double model width', 'warmup 5% then LR decay', 'remove value embeddings',
  'add weight decay 0.1 to embeddings', 'deeper model: 12 layers', 'RMSNorm instead of LayerNorm', 'rotary embeddings', 'batch size 2x',
  'SwiGLU MLP', 'tie input and output embeddings', 'cosine schedule to 10%', 'grouped-query attention, 8 kv heads', 'muon for matrices',
  'lower Adam beta2 to 0.95', 'dropout 0.1', 'QK-norm', 'untie head', 'logit soft-capping at 30',
];

/** A deterministic number in [0, 1) for a run. */
function noise(tag: string, id: number): number {
  let h = 2166136261;
  for (const c of `${tag}/${id}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return ((h >>> 0) % 10007) / 10007;
}

/** The runs of a night in one tag: every fifth a crash, the rest a step from the best, kept when better. */
export function night(tag: string, n: number): RunRecord[] {
  let best: number | null = null;
  const out: RunRecord[] = [];
  for (let id = 1; id <= n; id++) {
    const r = record(tag, id, { bestBefore: best });
    if (r.status !== 'crash') {
      const v: number = best === null ? 1 : Math.round((best + (noise(tag, id) - 0.8) * 0.006) * 1e6) / 1e6;
      r.value = v;
      r.status = best === null || v < best ? 'keep' : 'discard';
      if (r.status === 'keep') best = v;
    }
    out.push(r);
  }
  return out;
}

/** A run record (a discard unless told otherwise; every fifth a crash). */
export function record(tag: string, id: number, over: Partial<RunRecord> = {}): RunRecord {
  const t = Date.parse('2026-03-05T22:00:00Z') + id * 330_000;
  const crash = id % 5 === 0;
  return {
    v: 1,
    id,
    tag,
    start: new Date(t).toISOString(),
    end: new Date(t + 300_000).toISOString(),
    durationMs: crash ? 21_000 : 300_000,
    commit: (id * 7919 + tag.length * 104729).toString(16).padStart(8, '0') + 'a'.repeat(32),
    parent: '',
    description: id === 1 ? 'baseline' : IDEAS[(id + tag.length) % IDEAS.length]!,
    status: crash ? 'crash' : 'discard',
    ...(crash ? { crashReason: 'oom' as const } : {}),
    metric: 'val_bpb',
    value: crash ? null : 1,
    bestBefore: null,
    memoryGb: 40,
    metrics: {},
    exitCode: crash ? 1 : 0,
    signal: null,
    timedOut: false,
    linesAdded: id % 7,
    linesRemoved: id % 3,
    log: `.autoresearch/${tag}/logs/${id}.log`,
    ...over,
  };
}

export function writeLedger(home: string, tag: string, recs: RunRecord[]): string {
  const dir = path.join(home, '.autoresearch', tag);
  mkdirSync(path.join(dir, 'logs'), { recursive: true });
  const file = path.join(dir, 'runs.jsonl');
  writeFileSync(file, recs.map((r) => JSON.stringify(r) + '\n').join(''));
  writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ v: 1, tag, branch: `autoresearch/${tag}`, base: '', created: '', metric: 'val_bpb', goal: 'min', readonly: {} }));
  return file;
}

export function appendRun(home: string, tag: string, r: RunRecord): void {
  appendFileSync(path.join(home, '.autoresearch', tag, 'runs.jsonl'), JSON.stringify(r) + '\n');
}

/** A git repo (so diffs have refs) holding a plain tag and a two-lane set; returns where each ledger lives. */
export function makeNight(o: { plain?: number; lanes?: number } = {}): { repo: string; lanes: { tag: string; home: string }[] } {
  const repo = mkdtempSync(path.join(tmpdir(), 'ar-dash-'));
  made.push(repo);
  git(repo, ['init', '-q', '-b', 'main']);
  git(repo, ['config', 'user.name', 'Test']);
  git(repo, ['config', 'user.email', 'test@example.com']);
  writeFileSync(path.join(repo, 'train.py'), 'LR = 0.01\n');
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-q', '-m', 'initial']);
  writeLedger(repo, 'mar5', night('mar5', o.plain ?? 6));
  const lanes = ['gpu0', 'gpu1'].map((name, k) => {
    const tag = `apr5-${name}`;
    const home = path.join(repo, '.autoresearch', '.lanes', 'apr5', name);
    mkdirSync(home, { recursive: true });
    writeLedger(home, tag, night(tag, (o.lanes ?? 5) + k));
    return { tag, home, name, gpu: String(k) };
  });
  writeFileSync(
    path.join(repo, '.autoresearch', '.lanes', 'apr5.json'),
    JSON.stringify({ v: 1, session: 'apr5', repo, base: '', created: '', lanes: lanes.map((l) => ({ name: l.name, tag: l.tag, branch: `autoresearch/${l.tag}`, worktree: l.home, gpu: l.gpu, env: {}, created: '' })) }),
  );
  return { repo, lanes };
}

/** A process that `status` takes for the supervisor of `tag` (its command line says --session tag). */
export function fakeSupervisor(tag: string): ChildProcess {
  return spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)', '--', '--session', tag], { stdio: 'ignore' });
}

export function writeSupervisor(home: string, tag: string, pid: number, socket: string, over: Record<string, unknown> = {}): void {
  const s = {
    v: 1,
    tag,
    repo: home,
    pid,
    socket,
    started: new Date(Date.now() - 3_725_000).toISOString(),
    updated: new Date().toISOString(),
    state: 'busy',
    iterations: 12,
    restarts: 1,
    currentTask: 'try RMSNorm instead of LayerNorm',
    doneTasks: [],
    agentSession: `ar-${tag}`,
    agentPane: null,
    agentPid: null,
    supervisorSession: null,
    ...over,
  };
  const file = path.join(home, '.autoresearch', tag, 'supervisor.json');
  writeFileSync(file + '.tmp', JSON.stringify(s));
  // Renamed into place, as the supervisor writes it.
  renameSync(file + '.tmp', file);
}

export interface Served {
  url: string;
  token: string | null;
  out: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** `ar-supervise dashboard` in `repo`, until stop(); resolves once it printed its address. */
export function serve(repo: string, args: string[] = [], env: Record<string, string> = {}): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'dashboard', '--port', '0', ...args], { cwd: repo, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the dashboard did not start: ${out}`)), 45_000);
    const on = (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/\S+)/.exec(out);
      if (m && out.includes('Ctrl-C')) {
        clearTimeout(timer);
        const url = m[1]!;
        resolve({
          url,
          token: new URL(url).searchParams.get('token'),
          get out() {
            return out;
          },
          child,
          stop: () =>
            new Promise<void>((r) => {
              if (child.exitCode !== null) return r();
              child.once('exit', () => r());
              child.kill('SIGINT');
            }),
        });
      }
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the dashboard exited (${code}): ${out}`));
    });
  });
}

/** GET a path: status and body; an event stream is read until `until` shows in it (or 15 s), then closed. */
export function get(url: string, o: { headers?: Record<string, string>; until?: string; method?: string; body?: string } = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: o.method ?? 'GET', headers: o.headers, agent: false }, (res) => {
      let body = '';
      const done = () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
        req.destroy();
      };
      const timer = setTimeout(done, 15_000);
      res.on('data', (d: Buffer) => {
        body += d.toString();
        if (o.until && body.includes(o.until)) done();
      });
      res.on('end', done);
      res.on('error', done);
    });
    req.on('error', (e) => reject(new Error(`${o.method ?? 'GET'} ${url}: ${e.message}`)));
    req.end(o.body);
  });
}
