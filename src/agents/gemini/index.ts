// Google Gemini CLI (`@google/gemini-cli`). The workspace is trusted through the environment (no trust dialog, no
// file written); the turn-end signal is an AfterAgent hook in the project's .gemini/settings.json, merged into what
// is there and taken out again; an API-key sign-in is answered on screen.
import { existsSync, readdirSync, rmdirSync } from 'node:fs';
import path from 'node:path';
import { isTracked } from '../../engine/exclude.js';
import { installJsonHooks, removeJsonHooks } from '../json-hooks.js';
import { flagValue, type AgentProfile, type SignalKind } from '../profile.js';
import { classifyGeminiFailure, geminiFailureText, geminiPreflight, NO_RESPONSE } from './failures.js';
import { geminiDialogKeys, geminiInputText, readGeminiScreen } from './screens.js';

const SETTINGS = '.gemini/settings.json';
const SIGNALS: Record<string, SignalKind> = { BeforeAgent: 'submitted', AfterAgent: 'turn-end', SessionEnd: 'session-end' };

export const gemini: AgentProfile = {
  name: 'gemini',
  title: 'Gemini CLI',
  command: 'gemini',
  args: ['--yolo'],
  memoryFiles: ['GEMINI.md'],
  excludes: ['/' + SETTINGS],
  // With CI=true (or GITHUB_ACTIONS=true) the CLI runs headless: no sign-in dialog, "Invalid auth method selected", exit 41.
  dropEnv: ['CI', 'GITHUB_ACTIONS'],
  sandboxVar: null,

  setup(ctx) {
    // Trusted for this launch only: the folder-trust dialog would otherwise restart the CLI, and an untrusted
    // folder's project settings (our hooks) are not read.
    ctx.env.GEMINI_CLI_TRUST_WORKSPACE = 'true';
    if (isTracked(ctx.repo, SETTINGS)) {
      return { args: [], signals: false, notes: [`Note: the project tracks ${SETTINGS}, so no hooks are added; the agent's turns are read from its screen.`], undo() {} };
    }
    if (!ctx.hook) return { args: [], signals: false, notes: [], undo() {} };
    const file = `${ctx.repo}/${SETTINGS}`;
    const dir = path.dirname(file);
    const madeDir = !existsSync(dir);
    // --reply: Gemini reads a hook's stdout as JSON.
    installJsonHooks(file, [ctx.hook[0]!, ctx.hook[1]!, '--reply', ...ctx.hook.slice(2)], Object.keys(SIGNALS), { name: 'autoresearch' });
    const undo = () => {
      removeJsonHooks(file);
      // The folder too, when we made it and nothing else went into it.
      if (madeDir && existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir);
    };
    return { args: [], signals: true, notes: [], undo };
  },

  signal: (e) => SIGNALS[e.event] ?? null,
  // A failed turn ends in AfterAgent like any other (with no response): the `✕` error line on the screen says why.
  signalsFailures: false,
  failure({ event, screen, now }) {
    if (event && event.last_message !== undefined && event.last_message !== NO_RESPONSE) return null;
    const text = screen ? geminiFailureText(screen) : null;
    return text ? classifyGeminiFailure(text, now) : null;
  },
  // Its AfterAgent signal carries no error: a turn without a reply is told by the error line on the screen.
  screenAfterSignal: (e) => e.last_message === undefined || e.last_message === NO_RESPONSE,
  preflight: geminiPreflight,
  readScreen: readGeminiScreen,
  dialogKeys: geminiDialogKeys,
  inputText: geminiInputText,
  model: (args, env) => flagValue(args, ['-m', '--model']) ?? env.GEMINI_MODEL ?? null,
};
