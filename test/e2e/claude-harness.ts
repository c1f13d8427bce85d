/**
 * Helpers for end-to-end tests that drive the REAL Claude Code CLI (2.1.197) in tmux against the
 * scripted mock server (mock-anthropic.ts). See test/fixtures/screens/claude/README.md for what was
 * observed. Everything runs through argv arrays (execFile), never shell strings.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  classifyScreen,
  dialogKeys,
  inputBoxText,
  type ScreenState,
} from '../../src/agents/claude/screens.js';

const execFileP = promisify(execFile);

/** Root of this repository (two folders above this file). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The fake key the tests give the agent. The CLI remembers approval by its last 20 characters. */
export const FAKE_API_KEY = 'sk-ant-test-FAKE';

/** Path of the Claude Code binary: $CLAUDE_BIN, else <repo>/node_modules/.bin/claude. */
export function claudeBin(): string {
  const fromEnv = process.env.CLAUDE_BIN;
  if (fromEnv && fromEnv.trim() !== '') return fromEnv;
  return path.join(REPO_ROOT, 'node_modules', '.bin', 'claude');
}

/** True when the binary exists and tmux is on PATH (the e2e tests skip otherwise). */
export async function e2eAvailable(): Promise<{ ok: boolean; why?: string }> {
  if (!fs.existsSync(claudeBin())) return { ok: false, why: `no Claude Code binary at ${claudeBin()} (set CLAUDE_BIN)` };
  try {
    await execFileP('tmux', ['-V']);
  } catch {
    return { ok: false, why: 'tmux is not installed' };
  }
  return { ok: true };
}

export interface ClaudeHomeOptions {
  /** project folders to mark trusted (`projects[<realpath>].hasTrustDialogAccepted`); a parent folder covers its children */
  preseedTrust?: string[];
  /** approve this API key (`customApiKeyResponses.approved` holds its last 20 characters); true = FAKE_API_KEY */
  preseedApiKey?: string | boolean;
  /** accept the bypass-permissions warning (`~/.claude/settings.json` skipDangerousModePermissionPrompt) */
  preseedBypass?: boolean;
}

function realpathOr(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/**
 * Write `<dir>/.claude.json` (onboarding done, dark theme, optional pre-seeded answers) so that
 * HOME=<dir> gives the agent a private config. Returns the path of the file.
 */
export function makeClaudeHome(dir: string, opts: ClaudeHomeOptions = {}): string {
  fs.mkdirSync(dir, { recursive: true });
  const config: Record<string, unknown> = { hasCompletedOnboarding: true, theme: 'dark' };
  if (opts.preseedTrust?.length) {
    const projects: Record<string, unknown> = {};
    for (const p of opts.preseedTrust) projects[realpathOr(p)] = { hasTrustDialogAccepted: true };
    config.projects = projects;
  }
  if (opts.preseedApiKey) {
    const key = opts.preseedApiKey === true ? FAKE_API_KEY : opts.preseedApiKey;
    config.customApiKeyResponses = { approved: [key.slice(-20)], rejected: [] };
  }
  const file = path.join(dir, '.claude.json');
  fs.writeFileSync(file, JSON.stringify(config, null, 2) + '\n');
  if (opts.preseedBypass) {
    fs.mkdirSync(path.join(dir, '.claude'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, '.claude', 'settings.json'),
      JSON.stringify({ skipDangerousModePermissionPrompt: true }, null, 2) + '\n',
    );
  }
  return file;
}

/** Variables that would send the agent elsewhere, nest it, or change its config folder. */
const ENV_REMOVE = [
  'CLAUDECODE',
  'CLAUDE_CODE_ENTRYPOINT',
  'CLAUDE_CONFIG_DIR',
  'CLAUDE_CODE_OAUTH_TOKEN',
  'ANTHROPIC_AUTH_TOKEN',
  'ANTHROPIC_MODEL',
  'ANTHROPIC_SMALL_FAST_MODEL',
  'CLAUDE_CODE_USE_BEDROCK',
  'CLAUDE_CODE_USE_VERTEX',
  'TMUX',
  'TMUX_PANE',
];

/** The full environment to give the agent (process env minus ENV_REMOVE, plus the test settings). */
export function claudeEnv(opts: { home: string; baseUrl: string; apiKey?: string }): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !ENV_REMOVE.includes(k)) env[k] = v;
  Object.assign(env, {
    HOME: opts.home,
    ANTHROPIC_BASE_URL: opts.baseUrl,
    ANTHROPIC_API_KEY: opts.apiKey ?? FAKE_API_KEY,
    IS_SANDBOX: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
  });
  return env;
}

/** A temp git repository holding `train.py` with `LR = 0.01`. */
export async function makeTempRepo(parent: string, name = 'repo'): Promise<string> {
  const dir = path.join(parent, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'train.py'), 'import sys\n\nLR = 0.01\nprint("lr", LR)\n');
  const git = (...args: string[]) =>
    execFileP('git', ['-c', 'user.email=e2e@example.invalid', '-c', 'user.name=e2e', ...args], { cwd: dir });
  await git('init', '-q');
  await git('add', 'train.py');
  await git('commit', '-q', '-m', 'init');
  return realpathOr(dir);
}

export type HookEvent = 'Stop' | 'StopFailure' | 'UserPromptSubmit' | 'SessionStart' | 'SessionEnd' | 'Notification';

/**
 * Write `<projectDir>/.claude/settings.local.json` with hooks that append their stdin JSON (one
 * object per line) to the given files. The CLI re-reads this file while running.
 */
export function writeHookSettings(projectDir: string, files: Partial<Record<HookEvent, string>>): string {
  const q = (p: string) => `'${p.replace(/'/g, `'\\''`)}'`;
  const hooks: Record<string, unknown> = {};
  for (const [event, file] of Object.entries(files)) {
    if (!file) continue;
    hooks[event] = [{ hooks: [{ type: 'command', command: `cat >> ${q(file)}; echo >> ${q(file)}` }] }];
  }
  const dir = path.join(projectDir, '.claude');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'settings.local.json');
  fs.writeFileSync(file, JSON.stringify({ hooks }, null, 2) + '\n');
  return file;
}

/** Parse a hook file written by writeHookSettings (one JSON object per line). */
export function readHookFile(file: string): any[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      try {
        return JSON.parse(l);
      } catch {
        return { unparsed: l };
      }
    });
}

// ---------------------------------------------------------------------------------------------
// tmux on a private socket
// ---------------------------------------------------------------------------------------------

export interface TmuxAgent {
  socket: string;
  /** pane id, e.g. %0 (never a name: `-t name` matches prefixes) */
  pane: string;
  tmux(args: string[]): Promise<string>;
  capture(opts?: { escapes?: boolean }): Promise<string>;
  paneDead(): Promise<boolean>;
  /** kill the agent's process tree and the private tmux server */
  kill(): Promise<void>;
}

export async function tmuxRun(socket: string, args: string[], env?: Record<string, string>): Promise<string> {
  const { stdout } = await execFileP('tmux', ['-L', socket, ...args], { env: env ?? process.env, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/**
 * Start the agent in a fresh tmux server on a private socket (`artest-<pid>-<n>` by default),
 * pane 200x50, `remain-on-exit on` so a dead pane stays readable.
 */
export async function startClaudeInTmux(opts: {
  cwd: string;
  env: Record<string, string>;
  args?: string[];
  socket?: string;
  bin?: string;
  width?: number;
  height?: number;
}): Promise<TmuxAgent> {
  const socket = opts.socket ?? `artest-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const bin = opts.bin ?? claudeBin();
  const args = opts.args ?? ['--dangerously-skip-permissions'];
  // The server is fresh, so it (and the pane) inherit exactly this environment.
  const out = await tmuxRun(
    socket,
    [
      '-f', '/dev/null',
      'new-session', '-d', '-P', '-F', '#{pane_id}',
      '-s', 'agent', '-x', String(opts.width ?? 200), '-y', String(opts.height ?? 50),
      '-c', opts.cwd,
      bin, ...args,
      ';', 'set-option', '-g', 'remain-on-exit', 'on',
    ],
    opts.env,
  );
  const pane = out.trim().split('\n')[0];
  const tmux = (a: string[]) => tmuxRun(socket, a);
  return {
    socket,
    pane,
    tmux,
    capture: (o) => tmux(['capture-pane', '-p', ...(o?.escapes ? ['-e'] : []), '-t', pane]),
    paneDead: async () => {
      try {
        return (await tmux(['display-message', '-p', '-t', pane, '#{pane_dead}'])).trim() === '1';
      } catch {
        return true;
      }
    },
    kill: async () => {
      let socketPath = '';
      try {
        const [pid, sp] = (await tmux(['display-message', '-p', '-t', pane, '#{pane_pid} #{socket_path}'])).trim().split(' ');
        socketPath = sp ?? '';
        if (Number(pid) > 0) killTree(Number(pid));
      } catch {
        /* server already gone */
      }
      try {
        await tmux(['kill-server']);
      } catch {
        /* already gone */
      }
      // tmux 3.3a leaves the socket file behind after kill-server
      if (socketPath && path.basename(socketPath) === socket) fs.rmSync(socketPath, { force: true });
    },
  };
}

/** SIGKILL a process and all its descendants (found through /proc; Linux only, best effort). */
export function killTree(pid: number): void {
  const children = new Map<number, number[]>();
  try {
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        const list = children.get(ppid) ?? [];
        list.push(Number(entry));
        children.set(ppid, list);
      } catch {
        /* process gone */
      }
    }
  } catch {
    /* no /proc */
  }
  const order: number[] = [];
  const walk = (p: number) => {
    order.push(p);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  for (const p of order.reverse()) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Poll `check` every `intervalMs` until it returns a value that is not undefined, or time out. */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  opts: { timeoutMs: number; intervalMs?: number; what: string; lastScreen?: () => string },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) {
      const screen = opts.lastScreen?.() ?? '';
      throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${opts.what}\n--- last screen ---\n${screen}`);
    }
    await sleep(opts.intervalMs ?? 200);
  }
}

/**
 * Pass the start-up dialogs by reading the screen (never a blind key): loop until 'ready',
 * answering trust / api-key / bypass with `dialogKeys`, one key at a time, re-reading the screen
 * between keys so a move is seen before Enter. Returns the states met, in order.
 */
export async function passStartupDialogs(
  agent: TmuxAgent,
  opts: { timeoutMs?: number; log?: (line: string) => void } = {},
): Promise<{ seen: ScreenState[]; screen: string }> {
  const log = opts.log ?? (() => {});
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  const seen: ScreenState[] = [];
  let screen = '';
  let lastDialogAt = 0;
  while (Date.now() < deadline) {
    screen = await agent.capture();
    const { state, pattern } = classifyScreen(screen);
    if (seen[seen.length - 1] !== state) {
      seen.push(state);
      log(`screen: ${state} (${pattern ?? '-'})`);
    }
    if (state === 'ready') return { seen, screen };
    if (state === 'trust' || state === 'api-key' || state === 'bypass') {
      // let the dialog settle: keys sent the instant it paints can be lost
      if (lastDialogAt === 0) lastDialogAt = Date.now();
      if (Date.now() - lastDialogAt < 300) {
        await sleep(100);
        continue;
      }
      const keys = dialogKeys(state, screen);
      const key = keys[0];
      log(`${state}: keys ${keys.join(',')}, sending ${key}`);
      await agent.tmux(['send-keys', '-t', agent.pane, key]);
      // wait until the screen shows the effect (cursor moved / dialog gone) before the next key
      const before = screen;
      await waitFor(async () => ((await agent.capture()) !== before ? true : undefined), {
        timeoutMs: 3000,
        intervalMs: 50,
        what: `the ${state} dialog to react to ${key}`,
      }).catch(() => undefined);
      if (key === 'Enter') lastDialogAt = 0;
      continue;
    }
    if (state === 'root-refusal' || state === 'onboarding') {
      throw new Error(`agent cannot start: ${state}\n${screen}`);
    }
    if (state === 'exited' && (await agent.paneDead())) {
      throw new Error(`agent exited during start-up\n${screen}`);
    }
    await sleep(200);
  }
  throw new Error(`start-up dialogs not passed in time; states seen: ${seen.join(' > ')}\n${screen}`);
}

/**
 * Type a one-line prompt with `send-keys -l`, wait until the box shows it, press Enter, and wait
 * until the box is empty again (submitted). Retries Enter once.
 */
export async function sendPrompt(agent: TmuxAgent, text: string): Promise<void> {
  await agent.tmux(['send-keys', '-t', agent.pane, '-l', text]);
  await waitFor(async () => (inputBoxText(await agent.capture()) === text ? true : undefined), {
    timeoutMs: 5000,
    intervalMs: 100,
    what: 'the prompt to appear in the input box',
  });
  for (let attempt = 0; attempt < 2; attempt++) {
    await agent.tmux(['send-keys', '-t', agent.pane, 'Enter']);
    try {
      await waitFor(
        async () => {
          const box = inputBoxText(await agent.capture());
          return box !== text ? true : undefined;
        },
        { timeoutMs: 2000, intervalMs: 100, what: 'the input box to empty' },
      );
      return;
    } catch {
      /* retry Enter once */
    }
  }
  throw new Error('prompt was not submitted');
}

/** A temp folder under os.tmpdir(), realpath'd. */
export function makeTempDir(prefix = 'ar-e2e-'): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
}
