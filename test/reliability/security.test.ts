// Security of a supervised session (real tmux on private sockets, the fake agent, real runs): planted keys
// reach no file; task text and descriptions are typed literally; our socket and state folder are private;
// `kill --all` touches only our sessions on our socket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Tmux } from '../../src/adapters/tmux.js';
import { ToolError } from '../../src/errors.js';
import { hookScript } from '../../src/supervisor/files.js';
import { visibleControls } from '../../src/supervisor/loop.js';
import { runForeground, type SessionOptions } from '../../src/supervisor/session.js';
import { readSupervisorState } from '../../src/supervisor/state.js';
import { cleanupRepos, cli, git, jobRepo, ROOT } from '../helpers/repo.js';

const FAKE = path.join(ROOT, 'test', 'fixtures', 'fake-agent.mjs');
const SOCKET = `artest-${process.pid}-relsec`;
const FOREIGN = `artest-${process.pid}-foreign`;
const tmux = new Tmux(SOCKET);
const foreign = new Tmux(FOREIGN);
const FAST = { pollMs: 20, screenMs: 50, submitPauseMs: 20, readyStableMs: 300, killGraceMs: 1000, dialogRepeatMs: 500 };
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'ar-rel-sec-'));
  if (!existsSync(hookScript())) throw new Error(`${hookScript()} is missing: build first (npx tsc -p .)`);
});
afterAll(async () => {
  await tmux.killServer();
  await foreign.killServer();
  cleanupRepos();
  rmSync(tmp, { recursive: true, force: true });
});

function env(vars: Record<string, string>): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, AR_TMUX_SOCKET: SOCKET, ...vars };
  delete e.AR_SUPERVISOR_SESSION;
  return e;
}

async function run(o: Partial<SessionOptions> & { name: string; repo: string }, vars: Record<string, string>, timing = {}) {
  const lines: string[] = [];
  const code = await runForeground({ foreground: true, baseline: false, ...o }, { tmux, env: env(vars), out: (l) => lines.push(l), timing: { ...FAST, ...timing } });
  return { code, lines };
}

/** Every regular file under dir (symlinks not followed). */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

function socketPath(t: Tmux): string {
  return execFileSync('tmux', ['-L', t.socket, '-f', '/dev/null', 'display-message', '-p', '#{socket_path}'], { encoding: 'utf8' }).trim();
}

// A training script that prints its whole environment (it must not have the keys to print).
const ENV_PRINTER = `import os
for k in sorted(os.environ):
    print(f"{k}={os.environ[k]}")
print("---")
print("val_bpb:          1.000000")
print("training_seconds: 0.1")
print("peak_vram_mb:     1024.0")
`;

describe('secrets', () => {
  it('planted keys reach no log, ledger, record, CLAUDE.md, report, saved screen, git object or socket-dir file; the agent still gets them', async () => {
    const stamp = `${process.pid}x${Date.now().toString(36)}`;
    const keys = {
      ANTHROPIC_API_KEY: `sk-ant-api03-PLANTED-AAAA-${stamp}`,
      AR_SECRET_TOKEN: `ar-secret-PLANTED-${stamp}`,
      HF_TOKEN: `hf_PLANTED${stamp}zzzz`,
    };
    const tag = 'sec';
    const repo = jobRepo('summary.py', { agent: { command: 'node', args: [FAKE] }, supervisor: { restart_after_turns: 1 } }, { 'train.py': ENV_PRINTER });
    const names = path.join(tmp, 'agent-env-names');
    const vars = {
      ...keys,
      // The agent shows the keys on its screen, and writes them into a run's description (the worst an agent can do).
      FAKE_AGENT_SHOW_ENV: 'ANTHROPIC_API_KEY,AR_SECRET_TOKEN,HF_TOKEN',
      FAKE_AGENT_TURN_MS: '50',
      FAKE_AGENT_RUN: `env | cut -d= -f1 > ${names}; echo "# another idea" >> train.py; ar-supervise run -m "idea with $HF_TOKEN $AR_SECRET_TOKEN $ANTHROPIC_API_KEY"`,
    };
    const a = await run({ name: tag, repo, maxIterations: 2 }, vars);
    expect(a.code).toBe(0);
    // The agent did get them (it needs its API key).
    const seen = readFileSync(names, 'utf8').split('\n');
    for (const k of Object.keys(keys)) expect(seen).toContain(k);
    // The morning report, and a screen saved with the keys on it (an unknown screen outlasting its timeout).
    const rep = await cli(['report', '--export'], { cwd: repo, env: { ...keys, AR_TMUX_SOCKET: SOCKET } });
    expect(rep.exitCode, rep.all).toBe(0);
    expect(rep.all).not.toContain(keys.HF_TOKEN);
    const err = await run({ name: tag, repo }, { ...vars, FAKE_AGENT_UNKNOWN: '1' }, { unknownTimeoutMs: 800 }).catch((e) => e);
    expect(err).toBeInstanceOf(ToolError);
    const state = path.join(repo, '.autoresearch', tag);
    const saved = readdirSync(state).filter((f) => f.startsWith('screen-unknown'));
    expect(saved).toHaveLength(1);
    const screen = readFileSync(path.join(state, saved[0]!), 'utf8');
    expect(screen).toContain('ANTHROPIC_API_KEY=[redacted]');
    expect(screen).toContain('HF_TOKEN=[redacted]');
    expect(screen).toContain('AR_SECRET_TOKEN=[redacted]');
    // Records and the report exist and were produced with the keys around.
    const recs = readFileSync(path.join(state, 'runs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(recs).toHaveLength(2);
    expect(recs[0].description).toBe('idea with [redacted] [redacted] [redacted]');
    expect(existsSync(path.join(state, 'report', 'report.md'))).toBe(true);

    // Search every file: the repo (with .git, the state folder, CLAUDE.md, logs, report), the decompressed git
    // objects, and the folder of our tmux socket.
    const files = [...filesUnder(repo), ...filesUnder(path.join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid!()}`))];
    expect(files.length).toBeGreaterThan(20);
    const objects = execFileSync('git', ['cat-file', '--batch-all-objects', '--batch'], { cwd: repo, maxBuffer: 64 << 20 });
    const leaks: string[] = [];
    for (const [name, value] of Object.entries(keys)) {
      const probes = [value, value.slice(-16)];
      for (const f of files) {
        const text = readFileSync(f).toString('latin1');
        if (probes.some((p) => text.includes(p))) leaks.push(`${name} in ${f}`);
      }
      if (probes.some((p) => objects.toString('latin1').includes(p))) leaks.push(`${name} in a git object`);
    }
    expect(leaks).toEqual([]);

    // The state folder (records, logs, saved screens) is private to the user.
    for (const d of [path.join(repo, '.autoresearch'), state, path.join(state, 'logs')]) {
      expect((statSync(d).mode & 0o777).toString(8), d).toBe('700');
    }
    for (const f of ['supervisor.json', 'runs.jsonl', saved[0]!]) expect(statSync(path.join(state, f)).mode & 0o077, f).toBe(0);
  });
});

describe('secrets on command lines', () => {
  it('a key for the agent goes to tmux through its environment, not its argv (which ps shows to every user)', async () => {
    const log = path.join(tmp, 'tmux-argv.log');
    const wrapper = path.join(tmp, 'tmux-wrapper.sh');
    writeFileSync(wrapper, `#!/bin/sh\nprintf '%s\\n' "$*" >> ${log}\nexec tmux "$@"\n`, { mode: 0o755 });
    const t = new Tmux(SOCKET, wrapper);
    const out = path.join(tmp, 'pane-env');
    const key = `sk-ant-PLANTED-argv-${process.pid}`;
    await t.newSession({
      name: 'ar-argv',
      cwd: '/tmp',
      argv: ['sh', '-c', `printf '%s|%s' "$ANTHROPIC_API_KEY" "$PLAIN" > ${out}; sleep 30`],
      env: { ANTHROPIC_API_KEY: key, PLAIN: 'visible' },
    });
    for (let i = 0; i < 100 && !existsSync(out); i++) await new Promise((r) => setTimeout(r, 20));
    await t.killSession('ar-argv');
    expect(readFileSync(out, 'utf8')).toBe(`${key}|visible`);
    const argvs = readFileSync(log, 'utf8');
    expect(argvs).toContain('PLAIN=visible');
    expect(argvs).not.toContain(key);
  });
});

describe('text goes to the agent as text', () => {
  it('task text with key names, semicolons, quotes, substitutions and escape sequences is typed literally, and nothing else happens', async () => {
    const pwned = path.join(tmp, 'pwned');
    const tasks = [
      'C-c',
      'Enter; kill-server; send-keys -t ar-lit C-c ;',
      `say "hi" and 'bye', \\x1b[2J and $(rm -rf /) and $(touch ${pwned}) and \`touch ${pwned}\` and \${HOME} ~ * ? %s %n \\`,
      'ends in an escaped semicolon \\;',
    ];
    // Real control characters: shown as control pictures, never acting as keys (or ending the paste early).
    const controls = 'real esc \x1b[2J, end of paste \x1b[201~ then Enter\r, bell \x07 and DEL \x7f';
    const descFile = path.join(tmp, 'desc');
    const desc = `C-c Enter; kill-server; "q" 'q' $(touch ${pwned}) \\x1b[2J;`;
    writeFileSync(descFile, desc);
    const repo = jobRepo('summary.py', { agent: { command: 'node', args: [FAKE] } });
    const pfile = path.join(tmp, 'lit-prompts.jsonl');
    const n = tasks.length + 2; // the tasks, the one with control characters, one "continue"
    const { code } = await run(
      { name: 'lit', repo, task: [...tasks, controls], maxIterations: n },
      // The first turn records a run with a hostile description: later "continue" prompts carry it (typed, not pasted).
      { FAKE_AGENT_DIALOGS: '', FAKE_AGENT_PROMPTS: pfile, FAKE_AGENT_TURN_MS: '30', FAKE_AGENT_RUN: `[ -s ${descFile}.done ] || { echo '# x' >> train.py; ar-supervise run -m "$(cat ${descFile})" && echo 1 > ${descFile}.done; }` },
    );
    expect(code).toBe(0);
    const got = readFileSync(pfile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { prompt: string; pid: number });
    expect(got).toHaveLength(n);
    expect(new Set(got.map((g) => g.pid)).size).toBe(1); // never restarted: no key reached it
    expect(readSupervisorState(repo, 'lit')).toMatchObject({ restarts: 0, iterations: n });
    const taskOf = (p: string) => /^Next task from the research plan: ([\s\S]*?)\n\nWork on it through experiments/.exec(p)?.[1] ?? null;
    expect(got.slice(0, tasks.length).map((g) => taskOf(g.prompt))).toEqual(tasks);
    const shown = taskOf(got[tasks.length]!.prompt);
    expect(shown).toBe(visibleControls(controls));
    expect(shown).toBe('real esc ␛[2J, end of paste ␛[201~ then Enter␍, bell ␇ and DEL ␡');
    // The continue prompt (one line, typed with send-keys -l) quotes the best run's description byte for byte.
    const cont = got[tasks.length + 1]!.prompt;
    expect(cont).toMatch(/^Continue the research loop/);
    expect(cont).toContain(`(run 1: ${desc})`);
    expect(existsSync(pwned)).toBe(false);
    expect(git(repo, ['log', '-1', '--format=%B', 'refs/autoresearch/lit/1']).trim()).toBe(`keep: ${desc} (val_bpb 1.4000)`);
  });
});

describe('privacy and scope', () => {
  it('our tmux socket is private to the user', async () => {
    await tmux.newSession({ name: 'ar-keepalive', cwd: '/tmp', argv: ['sleep', '60'] });
    try {
      const sock = socketPath(tmux);
      expect(lstatSync(sock).isSocket()).toBe(true);
      // tmux keeps its sockets in a folder of ours with mode 0700 (it refuses any other); the socket itself
      // is open to nobody else either.
      const dir = statSync(path.dirname(sock));
      expect(dir.mode & 0o777).toBe(0o700);
      expect(dir.uid).toBe(process.getuid!());
      expect(lstatSync(sock).mode & 0o007).toBe(0);
    } finally {
      await tmux.killSession('ar-keepalive');
    }
  });

  it('kill --all ends our sessions on our socket only: not a session without our prefix, not one on another socket', async () => {
    await tmux.newSession({ name: 'ar-mine1', cwd: '/tmp', argv: ['sleep', '300'] });
    await tmux.newSession({ name: 'notours', cwd: '/tmp', argv: ['sleep', '300'] });
    // Stand-ins for someone else's tmux: our names, on a socket that is not ours.
    await foreign.newSession({ name: 'ar-mine1', cwd: '/tmp', argv: ['sleep', '300'] });
    await foreign.newSession({ name: 'ar-other-sup', cwd: '/tmp', argv: ['sleep', '300'] });
    const r = await cli(['kill', '--all'], { cwd: '/', env: { AR_TMUX_SOCKET: SOCKET } });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toMatch(/Ended mine1:/);
    expect((await tmux.listSessions()).map((s) => s.name)).toEqual(['notours']);
    expect((await foreign.listSessions()).map((s) => s.name).sort()).toEqual(['ar-mine1', 'ar-other-sup']);
    await tmux.killSession('notours');
  });
});
