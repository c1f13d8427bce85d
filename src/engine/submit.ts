import { existsSync, mkdirSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { Git } from '../adapters/git.js';
import type { Config } from '../config-defaults.js';
import { UsageError } from '../errors.js';
import { executorFor } from '../executors/index.js';
import { branchFor, stateDir } from '../paths.js';
import { redactSecrets } from '../secrets.js';
import { guard } from './guard.js';
import { readTip, tipOf } from './ledger.js';
import { readRecords } from './records.js';
import { withLock } from './lock.js';
import { nextNumber, queueLockPath, queueRef, readBase, readQueue, writeBase, writeEntry, type QueueEntry } from './queue.js';
import { checksums, readState } from './state.js';
import type { MadeBy } from './settle.js';

// `submit`: the edit in the working tree becomes an experiment commit on the queue, and the working tree goes
// back to the best at once, so the agent can start on its next idea while this one trains.

/** The best kept commit and value now (the ledger's tip). */
export function bestNow(repo: string, tag: string): { value: number | null; commit: string } {
  const state = readState(repo, tag)!;
  const tip = readTip(repo, tag) ?? tipOf(readRecords(repo, tag).records);
  return tip.lastKeep ? { value: tip.lastKeep.value, commit: tip.lastKeep.commit } : { value: null, commit: state.base };
}

export async function submitExperiment(o: { repo: string; tag: string; config: Config; description: string; seed?: number; by?: MadeBy }): Promise<{ entry: QueueEntry; ahead: number }> {
  const { repo, tag, config } = o;
  const state = readState(repo, tag);
  if (!state) throw new UsageError(`tag "${tag}" has no state; run "ar-supervise init --tag ${tag}" first.`);
  // Where it will train; an engine that cannot be used at all refuses here, before anything is committed.
  (await executorFor(config)).check();
  return withLock(queueLockPath(repo, tag), async () => {
    const git = new Git(repo);
    const where = await git.where();
    if (!where || where.branch !== branchFor(tag)) throw new UsageError(`check out ${branchFor(tag)} before submitting (current: ${where?.branch ?? 'detached HEAD'}).`);
    const best = bestNow(repo, tag);
    // The working tree's edit is against the commit it sits on: the best, or an older best the runner moved past.
    const base = (await validBase(git, repo, tag, best.commit)) ?? best.commit;
    if (where.head !== base && where.head !== best.commit && !(await git.isAncestor(base, where.head))) {
      throw new UsageError(`the branch moved off the last kept commit ${best.commit.slice(0, 7)}; reset it there ("git reset --hard ${best.commit.slice(0, 7)}") or start a new tag.`);
    }
    const [changed, untracked, sums] = await Promise.all([git.changedSince(base), git.untracked(), checksums(repo, config.readonly)]);
    const tampered = Object.keys(sums).filter((f) => f in state.readonly && sums[f] !== state.readonly[f]);
    const g = guard({ changed, untracked, readonlyTampered: tampered, editable: config.editable, readonly: config.readonly, dependencyFiles: config.dependency_files });
    if (g.foreign.length) {
      throw new UsageError(
        `only ${config.editable.join(', ')} may change in an experiment, but ${g.foreign.join(', ')} changed; nothing was submitted or reverted. Commit or undo those changes first.`,
      );
    }
    const toCommit = [...g.edits, ...g.violationFiles];
    const description = redactSecrets(o.description.trim()) || (toCommit.length ? 'experiment' : 'rerun');
    // The commit is built in a scratch index: the user's own index and HEAD are not touched until it exists.
    let commit = base;
    if (toCommit.length) {
      mkdirSync(stateDir(repo, tag), { recursive: true, mode: 0o700 });
      const index = path.join(stateDir(repo, tag), `submit-${process.pid}.index`);
      const scratch = new Git(repo, { GIT_INDEX_FILE: index });
      try {
        await scratch.readTree(base);
        await scratch.add(toCommit);
        const tree = await scratch.writeTree();
        if (tree !== (await git.treeOf(base))) commit = await git.commitTree(tree, [base], description);
      } finally {
        if (existsSync(index)) unlinkSync(index);
      }
    }
    const n = nextNumber(repo, tag, readRecords(repo, tag).records.length);
    const entry: QueueEntry = {
      n,
      commit,
      parent: base,
      description,
      queued: new Date().toISOString(),
      state: 'queued',
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      ...(o.by && (o.by.agent || o.by.model) ? { by: o.by } : {}),
      ...(g.violations.length ? { violation: g.violations.join('; ') } : {}),
    };
    await git.updateRef(queueRef(tag, n), commit);
    writeEntry(repo, tag, entry);
    // Back to the best: the edit is safe in its commit. Files it added are removed (they are in the commit too).
    const added = commit !== base ? await git.addedFiles(base, commit) : [];
    await git.resetHard(best.commit);
    for (const f of added) {
      const file = path.join(repo, f);
      if (existsSync(file) && (await git.lsTree(best.commit, [f])).length === 0) unlinkSync(file);
    }
    writeBase(repo, tag, null);
    const ahead = readQueue(repo, tag).filter((e) => e.n !== n).length;
    return { entry, ahead };
  });
}

/**
 * The runner moved the branch past the commit the working tree sits on: when nothing was edited since, the
 * tree follows the branch (for the agent's own commands, never while it may be typing). Returns whether the
 * tree is on the branch's commit now.
 */
export async function syncWorkTree(repo: string, tag: string): Promise<boolean> {
  if (!readBase(repo, tag)) return true;
  return withLock(queueLockPath(repo, tag), async () => {
    const git = new Git(repo);
    const where = await git.where();
    if (!where || where.branch !== branchFor(tag)) return false;
    const base = await validBase(git, repo, tag, where.head);
    if (!base) return true;
    if ((await git.changedSince(base)).length) return false;
    await git.resetHard(where.head);
    writeBase(repo, tag, null);
    return true;
  });
}

/**
 * The older best the working tree sits on, when the runner moved the branch past it: only while the index still
 * holds that commit's tree (a checkout since, or a tree on another branch, forgets it). Null: the tree follows the branch.
 */
async function validBase(git: Git, repo: string, tag: string, best: string): Promise<string | null> {
  const base = readBase(repo, tag);
  if (!base) return null;
  if (base === best || !(await git.isAncestor(base, best)) || (await git.writeTree()) !== (await git.treeOf(base))) {
    writeBase(repo, tag, null);
    return null;
  }
  return base;
}
