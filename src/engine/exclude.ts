import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { commonDirSync, gitSync } from '../adapters/git.js';
import { ToolError } from '../errors.js';

/** The repo's common git dir (shared by worktrees). */
export function gitCommonDir(repo: string): string {
  const dir = commonDirSync(repo);
  if (!dir) throw new ToolError(`${repo} is not inside a git repository (git rev-parse --git-common-dir failed).`);
  return dir;
}

/** Append patterns to .git/info/exclude unless already there: our files never show in a diff. */
export function addToExclude(repo: string, patterns: string[]): void {
  const file = path.join(gitCommonDir(repo), 'info', 'exclude');
  mkdirSync(path.dirname(file), { recursive: true });
  const have = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const lines = new Set(have.split('\n').map((l) => l.trim()));
  const missing = patterns.filter((p) => !lines.has(p));
  if (missing.length === 0) return;
  const sep = have === '' || have.endsWith('\n') ? '' : '\n';
  appendFileSync(file, sep + missing.join('\n') + '\n');
}

/** Does git track this path (relative to the repo)? */
export function isTracked(repo: string, rel: string): boolean {
  return gitSync(repo, ['ls-files', '--error-unmatch', '--', rel]).ok;
}
