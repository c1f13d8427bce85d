// OpenAI Codex CLI (`@openai/codex`). Nothing of the user's Codex config is written: what the session needs goes on
// the launch line as `-c` overrides (the turn-end `notify` program, no login shell), and the folder-trust dialog is
// answered on screen (Codex itself then records the trust in its config, as when a person answers it).
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { flagValue, type AgentProfile } from '../profile.js';
import { classifyCodexFailure, codexFailureText, codexPreflight } from './failures.js';
import { codexDialogKeys, codexInputText, readCodexScreen } from './screens.js';

/** Codex's side request that writes a thread title also ends in a notify: not a turn of ours. */
const TITLE_REQUEST = 'Generate a concise, single-line task title';

/** A TOML string (a JSON string is a valid TOML basic string). */
const tomlString = (s: string) => JSON.stringify(s);

/** The top-level `model = "..."` of a Codex config file, if any (read only). */
function configModel(env: Readonly<Record<string, string>>): string | null {
  const home = env.CODEX_HOME || path.join(env.HOME || os.homedir(), '.codex');
  const file = path.join(home, 'config.toml');
  if (!existsSync(file)) return null;
  try {
    for (const l of readFileSync(file, 'utf8').split('\n')) {
      if (/^\s*\[/.test(l)) break;
      const m = /^\s*model\s*=\s*"([^"]+)"/.exec(l);
      if (m) return m[1]!;
    }
  } catch {
    // unreadable: the CLI's default
  }
  return null;
}

export const codex: AgentProfile = {
  name: 'codex',
  title: 'Codex CLI',
  command: 'codex',
  // Without --no-daemon, Codex copies itself into its home and leaves an app server running after it exits.
  args: ['--no-daemon', '--dangerously-bypass-approvals-and-sandbox'],
  // AGENTS.override.md is read before AGENTS.md: a project that tracks its own AGENTS.md keeps it.
  memoryFiles: ['AGENTS.md', 'AGENTS.override.md'],
  excludes: [],
  dropEnv: [],
  sandboxVar: null,

  setup(ctx) {
    // A login shell rebuilds PATH from the profile files ("ar-supervise: command not found"): commands run in a
    // plain shell instead, which keeps the shim folder the supervisor put first on PATH.
    const args = ['-c', 'allow_login_shell=false'];
    if (!ctx.hook) return { args, signals: false, notes: [], undo() {} };
    // Codex runs the notify program with the event's JSON as its last argument.
    args.push('-c', `notify=[${[...ctx.hook, 'notify'].map(tomlString).join(',')}]`);
    return { args, signals: true, notes: [], undo() {} };
  },

  signal(e) {
    if (e.event !== 'agent-turn-complete') return null;
    return e.prompt?.startsWith(TITLE_REQUEST) ? null : 'turn-end';
  },

  // A failed turn fires no notify: its `■` error line on the screen says why.
  signalsFailures: false,
  failure({ event, screen, now }) {
    if (event) return null;
    const text = screen ? codexFailureText(screen) : null;
    return text ? classifyCodexFailure(text, now) : null;
  },
  screenAfterSignal: () => false,
  preflight: codexPreflight,
  readScreen: readCodexScreen,
  dialogKeys: codexDialogKeys,
  inputText: codexInputText,

  model(args, env) {
    const flag = flagValue(args, ['-m', '--model']);
    if (flag) return flag;
    for (let i = 0; i < args.length - 1; i++) {
      const m = (args[i] === '-c' || args[i] === '--config') && /^model\s*=\s*"?([^"]+)"?$/.exec(args[i + 1]!);
      if (m) return m[1]!;
    }
    return configModel(env);
  },
};
