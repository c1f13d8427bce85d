// The agent CLI the supervisor starts: on PATH, runnable, and logged in or given a key. Key values are
// never read into a line, only the names of the variables and files that show a login.
import path from 'node:path';
import { claudeCredentialProblem, isClaudeCommand } from '../agents/claude/failures.js';
import { fail, pass, warn, type Check } from './check.js';
import { firstLine } from './machine.js';
import type { Probes } from './probes.js';

interface AgentKind {
  install: string;
  /** Variables any one of which lets the CLI work without an interactive login. */
  keys: string[];
  /** Files (with what each must hold, if anything) that a finished login leaves behind. */
  logins: (p: Probes) => Array<{ file: string; holds?: RegExp }>;
  login: string;
}

const KINDS: Record<string, AgentKind> = {
  // Claude Code's own rules live with its failures (agents/claude/failures.ts): here only the install hint and the key names.
  claude: {
    install: 'npm install -g @anthropic-ai/claude-code',
    keys: ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_OAUTH_TOKEN'],
    logins: () => [],
    login: 'run "claude" once and log in (/login), or set ANTHROPIC_API_KEY',
  },
  codex: {
    install: 'npm install -g @openai/codex',
    keys: ['OPENAI_API_KEY', 'CODEX_API_KEY'],
    logins: (p) => {
      const dir = p.env.CODEX_HOME || path.join(p.home, '.codex');
      return [{ file: path.join(dir, 'auth.json') }, { file: path.join(dir, 'config.toml'), holds: /^\s*model_provider\s*=/m }];
    },
    login: 'run "codex login", or set OPENAI_API_KEY',
  },
  gemini: {
    install: 'npm install -g @google/gemini-cli',
    keys: ['GEMINI_API_KEY', 'GOOGLE_API_KEY', 'GOOGLE_GENAI_USE_VERTEXAI'],
    logins: (p) => [{ file: path.join(p.home, '.gemini', 'oauth_creds.json') }],
    login: 'run "gemini" once and sign in, or set GEMINI_API_KEY',
  },
};

/** The agent's kind from its command (a path or a name): claude, codex, gemini, or null for another CLI. */
export function agentKind(command: string): string | null {
  if (isClaudeCommand(command)) return 'claude';
  const base = path.basename(command).replace(/\.(exe|cmd|js|mjs)$/, '');
  return base in KINDS ? base : null;
}

/** Whether the agent can work without a login screen: the variable or file that shows it, never a value. */
export function loginCheck(p: Probes, command: string): Check {
  const kind = agentKind(command);
  if (!kind) return warn('agent login', `cannot tell whether ${command} is logged in`, 'start it once by hand and make sure it reaches its prompt without a login screen');
  const k = KINDS[kind]!;
  const key = k.keys.find((name) => (p.env[name] ?? '').trim() !== '');
  if (key) return pass('agent login', `${key} is set`);
  if (kind === 'claude') {
    const problem = claudeCredentialProblem({ ...p.env, HOME: p.home }, p.platform);
    if (problem) return fail('agent login', `${command} is not logged in and no key is set (${k.keys[0]})`, k.login);
    return pass('agent login', p.platform === 'darwin' ? 'not checked on macOS (the login is in the keychain)' : 'logged in, or a cloud provider or key helper is set');
  }
  for (const { file, holds } of k.logins(p)) {
    const text = p.readText(file);
    if (text !== null && (!holds || holds.test(text))) return pass('agent login', `logged in (${file.replace(p.home, '~')})`);
  }
  return fail('agent login', `${command} is not logged in and no key is set (${k.keys[0]})`, k.login);
}

/** The agent CLI on PATH and runnable (`--version`), then its login. */
export async function checkAgent(p: Probes, cwd: string, command: string): Promise<Check[]> {
  const kind = agentKind(command);
  const where = p.which(command, cwd);
  const fixConfig = 'or set agent.command in autoresearch.yaml';
  if (!where) {
    const how = kind ? `install it (${KINDS[kind]!.install}), ${fixConfig}` : `install it, ${fixConfig}`;
    return [fail('agent', `${command} not found on PATH (the supervisor starts it)`, how)];
  }
  const r = await p.run(where, ['--version'], { cwd, timeoutMs: 30_000 });
  let found: Check;
  if (r.code === 0) found = pass('agent', `${command} ${firstLine(r.output)}`.replace(/\s+/g, ' '));
  else {
    const why = r.timedOut ? 'gave no answer in 30 s' : `failed${r.output.trim() ? `: ${firstLine(r.output)}` : ''}`;
    // Only for the CLIs we know does a failing --version mean a broken install.
    found = (kind ? fail : warn)('agent', `"${command} --version" ${why}`, kind ? `reinstall it (${KINDS[kind]!.install})` : 'check that it starts');
  }
  return [found, loginCheck(p, command)];
}
