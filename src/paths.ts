import path from 'node:path';

// Where things live inside a research repo (or a lane's worktree).
export const STATE_ROOT = '.autoresearch';
export const BRANCH_PREFIX = 'autoresearch/';
export const LEDGER_FILE = 'results.tsv';
export const RUN_LOG_FILE = 'run.log';
export const CONFIG_FILE = 'autoresearch.yaml';
/** What a tag may be: it names a branch, a folder and a tmux session. */
export const TAG_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function stateDir(repo: string, tag: string): string {
  return path.join(repo, STATE_ROOT, tag);
}
export function recordsPath(repo: string, tag: string): string {
  return path.join(stateDir(repo, tag), 'runs.jsonl');
}
export function statePath(repo: string, tag: string): string {
  return path.join(stateDir(repo, tag), 'state.json');
}
export function logsDir(repo: string, tag: string): string {
  return path.join(stateDir(repo, tag), 'logs');
}
export function ledgerPath(repo: string): string {
  return path.join(repo, LEDGER_FILE);
}
export function branchFor(tag: string): string {
  return BRANCH_PREFIX + tag;
}
export function tagFromBranch(branch: string): string | null {
  return branch.startsWith(BRANCH_PREFIX) ? branch.slice(BRANCH_PREFIX.length) : null;
}
