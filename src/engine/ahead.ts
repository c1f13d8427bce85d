// A batch's checkouts, and the next batch's made ahead while this one trains. When a batch keeps nothing, the next
// starts from the same parent, so its checkouts and commits are already there: between batches only the jobs are
// started (every spawn there is a GPU waiting, and with a scheduler that passes once a second, a missed pass).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Git } from '../adapters/git.js';
import { redactSecrets } from '../secrets.js';
import { checkoutSlot } from './slots.js';

export interface BatchItem {
  description: string;
  seed?: number;
  /** Files of the edit (relative to the repo) with their new text; none: a rerun of the parent. */
  files: Record<string, string>;
}

/** An item checked out and committed on its parent, ready to train. */
export interface Prepared {
  /** Which checkout (`slots/<n>`). */
  dir: number;
  wt: string;
  commit: string;
  /** false: a rerun of the parent (nothing to commit). */
  changed: boolean;
  description: string;
}

// One Git per checkout for the process: each asks for the commit identity once, not for every commit.
const gits = new Map<string, Git>();
export const gitOf = (dir: string) => gits.get(dir) ?? gits.set(dir, new Git(dir)).get(dir)!;

/** Check out `parent` in checkout `dir` and commit the item's edit there. */
export async function prepare(repo: string, tag: string, dir: number, parent: string, item: BatchItem): Promise<Prepared> {
  const wt = await checkoutSlot(repo, tag, dir, parent);
  let changed = false;
  for (const [rel, text] of Object.entries(item.files)) {
    const abs = path.join(wt, rel);
    if (readFileSync(abs, 'utf8') !== text) {
      writeFileSync(abs, text);
      changed = true;
    }
  }
  const description = redactSecrets(item.description.trim()) || (changed ? 'experiment' : 'rerun');
  const commit = changed ? await gitOf(wt).commitPaths(Object.keys(item.files), description) : parent;
  return { dir, wt, commit, changed, description };
}

const keyOf = (item: BatchItem) => JSON.stringify([item.description, item.files]);
const made = new Map<string, { parent: string; ready: Promise<Map<string, Prepared>> }>();
const slot = (repo: string, tag: string) => `${repo}\0${tag}`;

/**
 * Start making `items` on `parent` in checkouts `dirs` (one at a time: it runs beside training, not before it). A
 * second call for the same tag (the batch kept one: a new parent) replaces the first once that has finished.
 */
export function prepareAhead(repo: string, tag: string, parent: string, items: BatchItem[], dirs: number[]): void {
  const before = made.get(slot(repo, tag))?.ready;
  const ready = (async () => {
    await before;
    const m = new Map<string, Prepared>();
    for (let i = 0; i < items.length && i < dirs.length; i++) {
      try {
        m.set(keyOf(items[i]!), await prepare(repo, tag, dirs[i]!, parent, items[i]!));
      } catch {
        break; // made when needed instead, where a fault is the batch's
      }
    }
    return m;
  })();
  made.set(slot(repo, tag), { parent, ready });
}

/**
 * What was made ahead for this repo and tag, taken once: usable when it was made on `parent` and its files still hold
 * the item's text. Always waits for it to finish, so that nothing writes into a checkout the caller is about to use.
 */
export async function takeAhead(repo: string, tag: string, parent: string): Promise<{ get: (item: BatchItem) => Prepared | null; dirs: Set<number> }> {
  const a = made.get(slot(repo, tag));
  made.delete(slot(repo, tag));
  const m = a ? await a.ready : new Map<string, Prepared>();
  const usable = a?.parent === parent ? m : new Map<string, Prepared>();
  const taken = new Set<string>();
  return {
    dirs: new Set([...usable.values()].map((p) => p.dir)),
    get(item) {
      const k = keyOf(item);
      const p = usable.get(k);
      if (!p || taken.has(k)) return null;
      taken.add(k);
      const intact = existsSync(p.wt) && Object.entries(item.files).every(([rel, text]) => {
        try {
          return readFileSync(path.join(p.wt, rel), 'utf8') === text;
        } catch {
          return false;
        }
      });
      return intact ? p : null;
    },
  };
}

/** Wait for and forget what is being made ahead (before the checkouts are removed). */
export async function dropAhead(repo: string, tag: string): Promise<void> {
  const a = made.get(slot(repo, tag));
  made.delete(slot(repo, tag));
  await a?.ready;
}
