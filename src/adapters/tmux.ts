// Thin adapter over tmux: one tmux command per function, argv arrays only (no shell), one private socket.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { ToolError } from '../errors.js';
import { isSecretName } from '../secrets.js';

export const DEFAULT_SOCKET = 'autoresearch';
const SAFE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The socket name: env AR_TMUX_SOCKET (tests use their own), else ours. */
export function defaultSocket(env: NodeJS.ProcessEnv = process.env): string {
  const s = env.AR_TMUX_SOCKET;
  return s && s.trim() !== '' ? s.trim() : DEFAULT_SOCKET;
}

export interface PaneInfo {
  id: string;
  pid: number;
  dead: boolean;
  deadStatus: number | null;
  currentCommand: string;
}

export interface SessionInfo {
  name: string;
  path: string;
  /** Unix seconds. */
  created: number;
  windows: number;
}

export interface NewSessionOptions {
  name: string;
  cwd: string;
  argv: string[];
  width?: number;
  height?: number;
  /** Set in the session's environment with -e (values never logged). */
  env?: Record<string, string>;
  /** Keep a pane whose program exited, so its last screen can be read. Set before the program starts. */
  remainOnExit?: boolean;
}

/** What the supervisor needs from tmux; the loop takes this so tests can pass a recording fake. */
export interface TmuxApi {
  readonly socket: string;
  newSession(o: NewSessionOptions): Promise<string>;
  sendLiteral(target: string, text: string): Promise<void>;
  sendKeys(target: string, keys: string[]): Promise<void>;
  pasteText(target: string, text: string): Promise<void>;
  capture(target: string, o?: { ansi?: boolean; history?: number }): Promise<string>;
  paneInfo(target: string): Promise<PaneInfo | null>;
  /** paneInfo and the visible screen in one tmux call (the supervisor's poll): no pane, null and ''. */
  look(target: string): Promise<{ info: PaneInfo | null; screen: string }>;
  listSessions(): Promise<SessionInfo[]>;
  hasSession(name: string): Promise<boolean>;
  killSession(name: string): Promise<void>;
  killServer(): Promise<void>;
  setOption(target: string, name: string, value: string, scope?: 'session' | 'window' | 'pane' | 'global'): Promise<void>;
}

/** `=name` targets a session exactly: `apr5` never matches `apr50`. Pane ids (%N) pass through. */
export function exact(target: string): string {
  if (target.startsWith('%') || target.startsWith('=') || target.startsWith('$') || target.startsWith('@')) return target;
  return '=' + target;
}

/** A session target followed by `:` so window/pane commands accept it (`=name:`). */
function paneTarget(target: string): string {
  if (target.startsWith('%')) return target;
  const t = exact(target);
  return t.includes(':') ? t : t + ':';
}

/**
 * tmux splits commands on an argument that ends in `;`; `\;` at the end is a literal `;`.
 * Escape a trailing `;` so text is passed through unchanged.
 */
export function escapeTrailingSemicolon(arg: string): string {
  return arg.endsWith(';') ? arg.slice(0, -1) + '\\;' : arg;
}

function isNoServer(stderr: string): boolean {
  return /no server running|error connecting to|failed to connect to server|No such file or directory/i.test(stderr);
}

function isNoTarget(stderr: string): boolean {
  return /can't find (session|pane|window)|session not found|no such (session|pane|window)/i.test(stderr);
}

/**
 * One program run to its end: its output and exit code (a failure to start rejects). node:child_process directly: the
 * supervisor polls tmux, and a general process library costs twice the CPU per call.
 */
function runOnce(bin: string, args: string[], input?: string, env?: Record<string, string>): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env: env ? { ...process.env, ...env } : process.env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let failed = false;
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      failed = true;
      reject(e);
    });
    child.on('close', (code) => {
      if (!failed) resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), exitCode: code ?? 1 });
    });
    if (input !== undefined) {
      child.stdin!.on('error', () => {}); // a tmux that exits before reading: its exit code tells
      child.stdin!.end(input);
    }
  });
}

const PANE_FORMAT = '#{pane_id}\t#{pane_pid}\t#{pane_dead}\t#{pane_dead_status}\t#{pane_current_command}';

function parsePaneInfo(line: string): PaneInfo | null {
  const [id, pid, dead, status, cmd] = line.split('\t');
  if (!id) return null;
  return {
    id,
    pid: Number(pid),
    dead: dead === '1',
    deadStatus: status === '' || status === undefined ? null : Number(status),
    currentCommand: cmd ?? '',
  };
}

export class Tmux implements TmuxApi {
  constructor(readonly socket: string = defaultSocket(), private readonly bin = 'tmux') {}

  /** Run one tmux command on our socket; the config file is /dev/null so the user's tmux.conf cannot interfere. */
  async cmd(args: string[], input?: string, env?: Record<string, string>): Promise<{ stdout: string; stderr: string; exitCode: number }> {
    try {
      return await runOnce(this.bin, ['-L', this.socket, '-f', '/dev/null', ...args], input, env);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new ToolError('tmux is not installed or not on PATH; install tmux to supervise an agent.');
      throw new ToolError(`tmux cannot be run: ${(e as Error).message}.`);
    }
  }

  private async must(args: string[], input?: string): Promise<string> {
    const r = await this.cmd(args, input);
    if (r.exitCode !== 0) {
      throw new ToolError(`tmux ${args[0]} failed: ${r.stderr.trim() || `exit ${r.exitCode}`}.`);
    }
    return r.stdout;
  }

  /** Create a detached session running argv (no shell) in cwd; returns the pane id (%N). */
  async newSession(o: NewSessionOptions): Promise<string> {
    const args: string[] = [];
    if (o.remainOnExit) {
      // Global on our private server, set in the same client call before the program starts,
      // so a program that exits at once (e.g. a refusal) still leaves its screen.
      args.push('set-option', '-g', 'remain-on-exit', 'on', ';');
    }
    // Secrets (API keys, tokens) never go on the command line, where `ps` shows them to every user: they go
    // through tmux's own environment, copied into the new session by update-environment.
    const hidden: Record<string, string> = {};
    const shown: [string, string][] = [];
    for (const [k, v] of Object.entries(o.env ?? {})) {
      if (isSecretName(k) && SAFE_NAME.test(k)) hidden[k] = v;
      else shown.push([k, v]);
    }
    if (Object.keys(hidden).length) args.push('set-option', '-g', 'update-environment', Object.keys(hidden).join(' '), ';');
    args.push('new-session', '-d', '-P', '-F', '#{pane_id}', '-s', o.name, '-c', o.cwd);
    args.push('-x', String(o.width ?? 200), '-y', String(o.height ?? 50));
    for (const [k, v] of shown) args.push('-e', `${k}=${v}`);
    args.push('--', ...o.argv.map(escapeTrailingSemicolon));
    const r = await this.cmd(args, undefined, Object.keys(hidden).length ? hidden : undefined);
    if (r.exitCode !== 0) {
      // Never echo the argv: it may carry environment values.
      throw new ToolError(`tmux could not start session ${o.name}: ${r.stderr.trim() || `exit ${r.exitCode}`}.`);
    }
    const id = r.stdout.trim().split('\n').pop() ?? '';
    if (!id.startsWith('%')) throw new ToolError(`tmux did not report a pane for session ${o.name}.`);
    // A session created from a script keeps its size; otherwise tmux may shrink it to a client.
    await this.cmd(['set-option', '-t', exact(o.name), 'window-size', 'manual']);
    return id;
  }

  /** Type text literally (no key names). Newlines are not allowed: use pasteText. */
  async sendLiteral(target: string, text: string): Promise<void> {
    if (/[\r\n]/.test(text)) throw new Error('sendLiteral: text has a newline; use pasteText');
    if (text === '') return;
    await this.must(['send-keys', '-t', paneTarget(target), '-l', '--', escapeTrailingSemicolon(text)]);
  }

  /** Send key names (Enter, Up, Down, Escape, C-c ...). */
  async sendKeys(target: string, keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.must(['send-keys', '-t', paneTarget(target), '--', ...keys.map(escapeTrailingSemicolon)]);
  }

  /** Put text in the pane as one bracketed paste (does not submit). */
  async pasteText(target: string, text: string): Promise<void> {
    // tmux 3.3a crashes its server on paste-buffer into a dead pane: check first.
    const info = await this.paneInfo(target);
    if (!info || info.dead) throw new ToolError(`tmux pane ${target} is gone or dead; nothing was pasted.`);
    const buf = `ar-paste-${process.pid}-${Date.now().toString(36)}`;
    await this.must(['load-buffer', '-b', buf, '-'], text);
    await this.must(['paste-buffer', '-p', '-d', '-b', buf, '-t', paneTarget(target)]);
  }

  /** The pane's visible screen (plus `history` lines above it), ANSI kept only with ansi. */
  async capture(target: string, o: { ansi?: boolean; history?: number } = {}): Promise<string> {
    const args = ['capture-pane', '-p', '-t', paneTarget(target)];
    if (o.ansi) args.push('-e');
    if (o.history && o.history > 0) args.push('-S', String(-o.history));
    return this.must(args);
  }

  /** Pid, liveness and current command of a pane; null when it does not exist. */
  async paneInfo(target: string): Promise<PaneInfo | null> {
    const r = await this.cmd(['display-message', '-p', '-t', paneTarget(target), PANE_FORMAT]);
    if (r.exitCode !== 0) {
      if (isNoServer(r.stderr) || isNoTarget(r.stderr)) return null;
      throw new ToolError(`tmux display-message failed: ${r.stderr.trim()}.`);
    }
    return parsePaneInfo(r.stdout.replace(/\n$/, ''));
  }

  /** paneInfo and capture in one client call: half the processes of the two (tmux stops at a missing pane). */
  async look(target: string): Promise<{ info: PaneInfo | null; screen: string }> {
    const t = paneTarget(target);
    const r = await this.cmd(['display-message', '-p', '-t', t, PANE_FORMAT, ';', 'capture-pane', '-p', '-t', t]);
    if (r.exitCode !== 0) {
      if (isNoServer(r.stderr) || isNoTarget(r.stderr)) return { info: null, screen: '' };
      throw new ToolError(`tmux display-message failed: ${r.stderr.trim()}.`);
    }
    const nl = r.stdout.indexOf('\n');
    if (nl < 0) return { info: parsePaneInfo(r.stdout), screen: '' };
    return { info: parsePaneInfo(r.stdout.slice(0, nl)), screen: r.stdout.slice(nl + 1) };
  }

  async listSessions(): Promise<SessionInfo[]> {
    const r = await this.cmd(['list-sessions', '-F', '#{session_name}\t#{session_path}\t#{session_created}\t#{session_windows}']);
    if (r.exitCode !== 0) {
      if (isNoServer(r.stderr) || /no sessions/i.test(r.stderr)) return [];
      throw new ToolError(`tmux list-sessions failed: ${r.stderr.trim()}.`);
    }
    return r.stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => {
        const [name, p, created, windows] = l.split('\t');
        return { name: name!, path: p ?? '', created: Number(created), windows: Number(windows) };
      });
  }

  async hasSession(name: string): Promise<boolean> {
    const r = await this.cmd(['has-session', '-t', exact(name)]);
    return r.exitCode === 0;
  }

  /** Kill a session (exactly that name); a missing one is not an error. */
  async killSession(name: string): Promise<void> {
    const r = await this.cmd(['kill-session', '-t', exact(name)]);
    if (r.exitCode !== 0 && !isNoServer(r.stderr) && !isNoTarget(r.stderr)) {
      throw new ToolError(`tmux kill-session failed: ${r.stderr.trim()}.`);
    }
  }

  /** End our tmux server, and remove its socket file (tmux 3.3 leaves it behind). */
  async killServer(): Promise<void> {
    const where = await this.cmd(['display-message', '-p', '#{socket_path}']);
    await this.cmd(['kill-server']);
    // No server answered: the file at the default place is a leftover (a live server would have answered).
    const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
    const fallback = path.join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${uid}`, this.socket);
    const file = where.exitCode === 0 ? where.stdout.trim() : isNoServer(where.stderr) ? fallback : '';
    if (file) rmSync(file, { force: true });
  }

  async setOption(target: string, name: string, value: string, scope: 'session' | 'window' | 'pane' | 'global' = 'session'): Promise<void> {
    const args = ['set-option'];
    if (scope === 'global') args.push('-g');
    else {
      if (scope === 'window') args.push('-w');
      if (scope === 'pane') args.push('-p');
      args.push('-t', scope === 'session' ? exact(target) : paneTarget(target));
    }
    args.push(name, value);
    await this.must(args);
  }
}
