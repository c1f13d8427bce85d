// A lane's checkout: a git worktree under the main repo's state folder, with the repo's ignored data folders
// (prepared data, caches, virtual environments) linked in; and, at `kill --clean`, its archive and removal.
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Git } from '../adapters/git.js';
import { worktreeList, worktreePrune, worktreeRemove } from '../adapters/worktree.js';
import { addToExclude } from '../engine/exclude.js';
import { linkIgnoredDirs } from '../engine/link-ignored.js';
import { readRecords } from '../engine/records.js';
import { isKept } from '../engine/kept.js';
import { UsageError } from '../errors.js';
import { LEDGER_FILE, RUN_LOG_FILE, STATE_ROOT, stateDir } from '../paths.js';
import { archivePath, type LaneEntry } from './manifest.js';
import { PROFILES } from '../agents/index.js';

/** Every agent's files in a checkout (memory files, hook settings): any lane may run any agent. */
export function agentFiles(): string[] {
  const files = PROFILES.flatMap((p) => [...p.memoryFiles, ...p.excludes.map((e) => e.replace(/^\//, ''))]);
  return [...new Set(files)];
}

/** The memory files a lane's agent may have written, to archive beside its ledger. */
function memoryFiles(): string[] {
  return [...new Set(PROFILES.flatMap((p) => p.memoryFiles))];
}

// Ignored folders that are per-checkout build products, not data: never shared between checkouts.
const LINKS_FILE = 'links.txt';

function linksFile(wt: string): string {
  return path.join(wt, STATE_ROOT, LINKS_FILE);
}

/** Is `dir` a worktree git knows of? */
async function isWorktree(main: string, dir: string): Promise<boolean> {
  try {
    return (await worktreeList(main)).some((e) => path.resolve(e.path) === path.resolve(dir));
  } catch {
    return false;
  }
}

/**
 * Make (or find) the lane's worktree: detached at `base` when new (init then creates the lane's branch in it),
 * or on the lane's branch when the branch exists already (a lane made again after `kill --clean`).
 */
export async function ensureWorktree(main: string, l: LaneEntry, base: string): Promise<'made' | 'found'> {
  if (existsSync(l.worktree) && (await isWorktree(main, l.worktree))) return 'found';
  if (existsSync(l.worktree)) {
    throw new UsageError(`${l.worktree} exists but is not a git worktree of this repo; move it away and start again.`);
  }
  mkdirSync(path.dirname(l.worktree), { recursive: true, mode: 0o700 });
  const git = new Git(main);
  await worktreePrune(main);
  if (await git.branchExists(l.branch)) {
    await git.raw(['worktree', 'add', '-q', l.worktree, l.branch]);
    restoreArchive(main, l);
  } else await git.raw(['worktree', 'add', '--detach', '-q', l.worktree, base]);
  await linkIgnored(main, l.worktree);
  return 'made';
}

/** A lane made again after `kill --clean`: its archived ledger and state go back into the new checkout. */
function restoreArchive(main: string, l: LaneEntry): void {
  const from = archivePath(main, l.tag);
  if (!existsSync(path.join(from, 'state.json'))) return;
  const to = stateDir(l.worktree, l.tag);
  mkdirSync(to, { recursive: true, mode: 0o700 });
  const memories = new Set(memoryFiles().map((m) => path.basename(m)));
  cpSync(from, to, {
    recursive: true,
    filter: (f) => !/(^|\/)(results\.tsv|run\.log|ARCHIVED|supervisor\.json)$/.test(f.slice(from.length)) && !memories.has(path.basename(f)),
  });
  if (existsSync(path.join(from, LEDGER_FILE))) cpSync(path.join(from, LEDGER_FILE), path.join(l.worktree, LEDGER_FILE));
}

/**
 * Link the main repo's ignored folders into a fresh worktree where its commit has nothing at that path, so a
 * run finds the data it finds in the repo. The links are excluded from git (anchored paths: in the main repo
 * these are ignored folders already) and listed for removal.
 */
export async function linkIgnored(main: string, wt: string): Promise<string[]> {
  const links = await linkIgnoredDirs(main, wt);
  if (links.length) addToExclude(main, links.map((r) => '/' + r));
  mkdirSync(path.join(wt, STATE_ROOT), { recursive: true, mode: 0o700 });
  writeFileSync(linksFile(wt), links.join('\n') + (links.length ? '\n' : ''));
  return links;
}

/** Kept commits of the lane that no branch or tag holds (they would be reachable only through our own refs). */
export async function unsafeKeeps(main: string, l: LaneEntry): Promise<string[]> {
  const { records } = readRecords(l.worktree, l.tag);
  const git = new Git(main);
  const out: string[] = [];
  for (const r of records) {
    if (!isKept(r)) continue;
    const held = await git.try(['for-each-ref', '--count=1', '--contains', r.commit, '--format=%(refname)', 'refs/heads/', 'refs/tags/']);
    if (!held.ok || held.stdout.trim() === '') out.push(r.commit.slice(0, 7));
  }
  return out;
}

/** Why the lane's worktree must not be removed without --force, or null when it may. */
export async function removalRisk(main: string, l: LaneEntry): Promise<string | null> {
  if (!existsSync(l.worktree)) return null;
  const lost = await unsafeKeeps(main, l);
  if (lost.length) return `kept commit${lost.length > 1 ? 's' : ''} ${lost.join(', ')} ${lost.length > 1 ? 'are' : 'is'} on no branch or tag`;
  return null;
}

/**
 * Archive the lane's ledger and state into the main repo's state folder (`.autoresearch/<tag>/`, with results.tsv,
 * run.log and the agent's memory file beside the records, and uncommitted edits as uncommitted.diff), then remove the worktree.
 * The branch stays. Returns the archive.
 */
export async function archiveAndRemove(main: string, l: LaneEntry): Promise<string> {
  const dest = archivePath(main, l.tag);
  const src = stateDir(l.worktree, l.tag);
  if (existsSync(src)) {
    mkdirSync(dest, { recursive: true, mode: 0o700 });
    // Logs, records, state, reports: everything; the shim and lock files are only useful in a live checkout.
    cpSync(src, dest, { recursive: true, filter: (f) => !/(^|\/)(bin|run\.lock|ledger\.lock|lane\.json)$/.test(f.slice(src.length)) });
    for (const f of [LEDGER_FILE, RUN_LOG_FILE, ...memoryFiles()]) {
      const from = path.join(l.worktree, f);
      if (existsSync(from) && lstatSync(from).isFile()) cpSync(from, path.join(dest, path.basename(f)));
    }
    // An idea the agent was editing when the lane was ended (not a run yet): kept as a patch.
    const diff = await new Git(l.worktree).try(['diff', '--binary', 'HEAD', '--']);
    if (diff.ok && diff.stdout.trim()) writeFileSync(path.join(dest, 'uncommitted.diff'), diff.stdout);
    // Each record names its log relative to the checkout (.autoresearch/<tag>/logs/<n>.log): the same path in main.
    writeFileSync(path.join(dest, 'ARCHIVED'), `Archived from the lane worktree ${l.worktree} on ${new Date().toISOString()}; branch ${l.branch} is kept.\n`);
  }
  // Our data links first, so nothing follows them into the main repo's folders.
  const lf = linksFile(l.worktree);
  if (existsSync(lf)) {
    for (const rel of readFileSync(lf, 'utf8').split('\n').filter(Boolean)) {
      const p = path.join(l.worktree, rel);
      try {
        if (lstatSync(p).isSymbolicLink()) unlinkSync(p);
      } catch {
        /* already gone */
      }
    }
  }
  if (existsSync(l.worktree) && !(await worktreeRemove(main, l.worktree))) rmSync(l.worktree, { recursive: true, force: true });
  await worktreePrune(main);
  return dest;
}
