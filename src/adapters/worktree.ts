import { Git } from './git.js';

// Thin adapter over `git worktree` and the few other git commands `compare` needs:
// one function per git command, explicit cwd, argv arrays only.

/** The full sha of `rev` as a commit, or null when it names none. */
export async function resolveCommit(repo: string, rev: string): Promise<string | null> {
  if (rev.startsWith('-')) return null; // never let a rev be read as an option
  const r = await new Git(repo).try(['rev-parse', '--verify', '-q', '--end-of-options', rev + '^{commit}']);
  return r.ok ? r.stdout.trim() : null;
}

/** `git worktree add --detach <dir> <sha>`: a checkout of `sha` that moves no branch. */
export async function worktreeAdd(repo: string, dir: string, sha: string): Promise<void> {
  await new Git(repo).raw(['worktree', 'add', '--detach', '-q', dir, sha]);
}

/** `git worktree remove --force <dir>`; false when git refused (the caller may fall back to prune). */
export async function worktreeRemove(repo: string, dir: string): Promise<boolean> {
  return (await new Git(repo).try(['worktree', 'remove', '--force', '--force', dir])).ok;
}

/** `git worktree prune`: forget worktrees whose folder is gone. */
export async function worktreePrune(repo: string): Promise<void> {
  await new Git(repo).try(['worktree', 'prune']);
}

export interface WorktreeEntry {
  path: string;
  head: string | null;
  branch: string | null;
  detached: boolean;
}

/** `git worktree list --porcelain`, parsed. */
export async function worktreeList(repo: string): Promise<WorktreeEntry[]> {
  const out = await new Git(repo).raw(['worktree', 'list', '--porcelain', '-z']);
  const entries: WorktreeEntry[] = [];
  let cur: WorktreeEntry | null = null;
  for (const field of out.split('\0')) {
    if (field === '') {
      if (cur) entries.push(cur);
      cur = null;
      continue;
    }
    const sp = field.indexOf(' ');
    const key = sp < 0 ? field : field.slice(0, sp);
    const val = sp < 0 ? '' : field.slice(sp + 1);
    if (key === 'worktree') {
      if (cur) entries.push(cur);
      cur = { path: val, head: null, branch: null, detached: false };
    } else if (cur && key === 'HEAD') cur.head = val;
    else if (cur && key === 'branch') cur.branch = val;
    else if (cur && key === 'detached') cur.detached = true;
  }
  if (cur) entries.push(cur);
  return entries;
}

/**
 * Ignored folders of the work tree (`git ls-files --others --ignored --exclude-standard --directory`),
 * relative to the repo root, without the trailing slash: prepared data, caches, virtual environments.
 */
export async function ignoredDirs(repo: string): Promise<string[]> {
  const r = await new Git(repo).try(['ls-files', '--others', '--ignored', '--exclude-standard', '--directory', '-z']);
  if (!r.ok) return [];
  return r.stdout
    .split('\0')
    .filter((p) => p.endsWith('/'))
    .map((p) => p.slice(0, -1));
}

/** The short form of a sha (`git rev-parse --short`). */
export async function shortSha(repo: string, sha: string): Promise<string> {
  const r = await new Git(repo).try(['rev-parse', '--short', sha]);
  return r.ok ? r.stdout.trim() : sha.slice(0, 7);
}
