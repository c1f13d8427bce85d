// Claude Code's turn-end signal: our hooks in <repo>/.claude/settings.local.json (merged, never clobbered).
import path from 'node:path';
import { installJsonHooks, removeJsonHooks } from '../json-hooks.js';
import { hookArgv } from '../hook-path.js';

/** Stop ends a normal turn; StopFailure a turn that ended in an API error (Stop does not fire then). */
export const HOOK_EVENTS = ['UserPromptSubmit', 'Stop', 'StopFailure', 'SessionEnd'] as const;
export { HOOK_MARK } from '../json-hooks.js';

export function settingsPath(repo: string): string {
  return path.join(repo, '.claude', 'settings.local.json');
}

/** Add our Stop/StopFailure/UserPromptSubmit/SessionEnd hooks, keeping everything else in the file. */
export function installHooks(repo: string, eventsFile: string, hook: readonly string[] = hookArgv(eventsFile)): string {
  return installJsonHooks(settingsPath(repo), hook, HOOK_EVENTS, { timeout: 10 });
}

/** Take our hooks out again; a file left empty is removed. */
export function removeHooks(repo: string): void {
  removeJsonHooks(settingsPath(repo));
}
