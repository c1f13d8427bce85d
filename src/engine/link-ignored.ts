import { existsSync, lstatSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { ignoredDirs } from '../adapters/worktree.js';
import { STATE_ROOT } from '../paths.js';

// Caches and our own state are never shared into another checkout.
const NOT_LINKED = new Set(['__pycache__', '.pytest_cache', '.mypy_cache', '.ruff_cache', '.git', STATE_ROOT]);

/**
 * Link the repo's ignored folders (prepared data, caches, virtual environments) into a fresh checkout
 * where its commit has nothing at that path, so a run finds what it finds in the repo. Returns the linked
 * paths, relative to the checkout. `skip` leaves out a folder by its absolute path in the repo.
 */
export async function linkIgnoredDirs(repo: string, wt: string, skip?: (src: string) => boolean): Promise<string[]> {
  const links: string[] = [];
  for (const rel of await ignoredDirs(repo)) {
    if (rel.split('/').some((part) => NOT_LINKED.has(part))) continue;
    const src = path.join(repo, rel);
    if (skip?.(src)) continue;
    const dest = path.join(wt, rel);
    if (!existsSync(path.dirname(dest)) || existsSync(dest)) continue;
    try {
      lstatSync(dest);
      continue; // a dangling link of the commit's own
    } catch {
      /* nothing there: link it */
    }
    symlinkSync(src, dest, 'dir');
    links.push(rel);
  }
  return links;
}
