// The agent profiles by name: `agent: {profile: ...}` in autoresearch.yaml and `--agent` pick one.
import { UsageError } from '../errors.js';
import { claude } from './claude/index.js';
import { codex } from './codex/index.js';
import { gemini } from './gemini/index.js';
import type { AgentProfile } from './profile.js';

export type { AgentProfile } from './profile.js';

export const PROFILES: readonly AgentProfile[] = [claude, codex, gemini];
export const DEFAULT_PROFILE = 'claude';

export function profileNames(): string[] {
  return PROFILES.map((p) => p.name);
}

/** The profile of that name; a name we do not know is the user's mistake, said in one sentence. */
export function profileNamed(name: string, where = 'agent profile'): AgentProfile {
  const p = PROFILES.find((x) => x.name === name);
  if (!p) throw new UsageError(`the ${where} "${name}" is not one we know; use one of ${profileNames().join(', ')}.`);
  return p;
}
