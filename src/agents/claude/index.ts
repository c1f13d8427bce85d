// Claude Code (`@anthropic-ai/claude-code`): the default profile.
import { isTracked } from '../../engine/exclude.js';
import { flagValue, type AgentProfile, type ScreenReading, type SignalKind } from '../profile.js';
import { installHooks, removeHooks } from './hooks.js';
import { claudePreflight, classifyTurnFailure, turnFailureText } from './failures.js';
import { classifyScreen, dialogKeys, inputBoxText, type DialogState } from './screens.js';

const ROOT_REFUSAL =
  'Claude Code refuses --dangerously-skip-permissions as root; run as another user, or pass --sandbox (sets IS_SANDBOX=1) if this machine is a disposable sandbox.';
const ONBOARDING = 'Claude Code is in its first-run setup; run "claude" once by hand to finish it, then start the session again.';

const SIGNALS: Record<string, SignalKind> = {
  UserPromptSubmit: 'submitted',
  Stop: 'turn-end',
  StopFailure: 'turn-failed',
  SessionEnd: 'session-end',
};

export const claude: AgentProfile = {
  name: 'claude',
  title: 'Claude Code',
  command: 'claude',
  args: ['--dangerously-skip-permissions'],
  // A project that tracks its own CLAUDE.md keeps it: ours goes to .claude/CLAUDE.md, which Claude Code also reads.
  memoryFiles: ['CLAUDE.md', '.claude/CLAUDE.md'],
  excludes: ['/.claude/settings.local.json'],
  // A nested Claude Code refuses to start with CLAUDECODE set (a supervisor started from inside Claude Code).
  dropEnv: ['CLAUDECODE'],
  // As root, --dangerously-skip-permissions needs IS_SANDBOX=1: --sandbox is the explicit opt-in.
  sandboxVar: 'IS_SANDBOX',

  setup(ctx) {
    if (isTracked(ctx.repo, '.claude/settings.local.json')) {
      return {
        args: [],
        signals: false,
        notes: ["Note: the project tracks .claude/settings.local.json, so no hooks are added; the agent's turns are read from its screen."],
        undo() {},
      };
    }
    if (!ctx.hook) return { args: [], signals: false, notes: [], undo() {} };
    installHooks(ctx.repo, '', ctx.hook);
    return { args: [], signals: true, notes: [], undo: () => removeHooks(ctx.repo) };
  },

  signal: (e) => SIGNALS[e.event] ?? null,

  readScreen(screen): ScreenReading {
    const c = classifyScreen(screen);
    switch (c.state) {
      case 'trust':
      case 'api-key':
      case 'bypass':
      case 'rate-limit':
        return { kind: 'dialog', name: c.state };
      case 'root-refusal':
        return { kind: 'fatal', name: c.state, message: ROOT_REFUSAL };
      case 'onboarding':
        return { kind: 'fatal', name: c.state, message: ONBOARDING };
      default:
        return { kind: c.state, name: c.pattern };
    }
  },

  dialogKeys: (dialog, screen) => dialogKeys(dialog as DialogState, screen),
  inputText: inputBoxText,
  signalsFailures: true,
  failure({ event, failed, screen, now }) {
    // A plain Stop is a turn that went through; StopFailure says why it did not.
    if (event) return failed === false ? null : classifyTurnFailure({ error: event.error, message: event.last_message ?? event.error_details, now });
    const text = screen ? turnFailureText(screen) : null;
    return text ? classifyTurnFailure({ message: text, now }) : null;
  },
  screenAfterSignal: () => false,
  preflight: claudePreflight,
  model: (args, env) => flagValue(args, ['--model']) ?? env.ANTHROPIC_MODEL ?? null,
};

