import { existsSync } from 'node:fs';
import { Git } from '../adapters/git.js';
import { UsageError } from '../errors.js';

/** The repo root of `dir`, or a UsageError. Kept light: `run` loads this on every experiment. */
export async function repoRoot(dir: string): Promise<string> {
  if (!existsSync(dir)) throw new UsageError(`${dir} does not exist.`);
  const top = await new Git(dir).topLevel();
  if (!top) throw new UsageError(`${dir} is not inside a git repository; run "git init" and commit your code first.`);
  return top;
}
