// Where the supervisor's files live: in the package (templates, scripts) and in the research repo's state folder.
import path from 'node:path';
import { packageRoot } from '../package-root.js';
import { UsageError } from '../errors.js';
import { stateDir } from '../paths.js';

export { packageRoot };

export function templatePath(): string {
  return path.join(packageRoot(), 'CLAUDE.md.template');
}
export function promptPath(name: string): string {
  return path.join(packageRoot(), 'prompts', name);
}
/** `bin/ar-supervise.js` of this package, run with `node`. */
export function cliScript(): string {
  return path.join(packageRoot(), 'bin', 'ar-supervise.js');
}
export { hookScript } from '../agents/hook-path.js';

export function supervisorStatePath(repo: string, tag: string): string {
  return path.join(stateDir(repo, tag), 'supervisor.json');
}
export function eventsPath(repo: string, tag: string): string {
  return path.join(stateDir(repo, tag), 'events.jsonl');
}
/** Holds the `ar-supervise` shim put first on the agent's PATH. */
export function shimDir(repo: string, tag: string): string {
  return path.join(stateDir(repo, tag), 'bin');
}
export function screenDumpPath(repo: string, tag: string, what: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return path.join(stateDir(repo, tag), `screen-${what}-${stamp}.txt`);
}

export const SESSION_PREFIX = 'ar-';
export const SUP_SUFFIX = '-sup';
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** A session name must be a tag tmux keeps as is (no `.` or `:`) and must not look like our supervisor's. */
export function validateSessionName(name: string): void {
  if (!NAME_RE.test(name)) {
    throw new UsageError(`"${name}" is not a usable session name; use letters, digits, "_" or "-" (for example apr5).`);
  }
  if (name.endsWith(SUP_SUFFIX)) throw new UsageError(`a session name cannot end in "${SUP_SUFFIX}" (that suffix is the supervisor's).`);
}
export function agentSession(tag: string): string {
  return SESSION_PREFIX + tag;
}
export function supervisorSession(tag: string): string {
  return SESSION_PREFIX + tag + SUP_SUFFIX;
}
/** The tag and role of one of our tmux sessions, or null for a name that is not ours. */
export function parseSessionName(name: string): { tag: string; role: 'agent' | 'supervisor' } | null {
  if (!name.startsWith(SESSION_PREFIX)) return null;
  const rest = name.slice(SESSION_PREFIX.length);
  if (rest.endsWith(SUP_SUFFIX)) {
    const tag = rest.slice(0, -SUP_SUFFIX.length);
    return NAME_RE.test(tag) ? { tag, role: 'supervisor' } : null;
  }
  return NAME_RE.test(rest) ? { tag: rest, role: 'agent' } : null;
}
