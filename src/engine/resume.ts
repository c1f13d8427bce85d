import { Git } from '../adapters/git.js';
import { UsageError } from '../errors.js';
import { branchFor } from '../paths.js';
import { cannotContinue } from './import.js';
import { repairLedger } from './ledger.js';
import { readState } from './state.js';
import { acquireRunLock, reconcile } from './step.js';
import { repoRoot } from './repo.js';
import type { RunRecord } from './types.js';

export interface ResumeResult {
  /** A run that was cut off and is now recorded as an interrupted crash. */
  interrupted: RunRecord | null;
  /** Where an altered results.tsv was archived when it was rebuilt from the records. */
  ledgerRepaired: string | null;
}

/** Continue a tag: check out its branch, settle an interrupted run, rebuild results.tsv if needed. */
export async function resumeTag(repoDir: string, tag: string): Promise<ResumeResult> {
  const repo = await repoRoot(repoDir);
  const git = new Git(repo);
  const branch = branchFor(tag);
  if (!(await git.branchExists(branch))) throw new UsageError(`there is no branch ${branch}; start it with "ar-supervise init --tag ${tag}".`);
  const state = readState(repo, tag);
  if (!state) throw new UsageError(`branch ${branch} has no autoresearch state in this folder (.autoresearch/${tag}/state.json).`);
  const lacking = await cannotContinue(git, state);
  if (lacking) throw new UsageError(lacking);
  if ((await git.currentBranch()) !== branch) {
    const dirty = await git.dirtyTracked();
    if (dirty.length) throw new UsageError(`uncommitted changes to tracked files (${dirty.slice(0, 5).join(', ')}); commit or stash them before switching to ${branch}.`);
    await git.checkout(branch);
  }
  const release = acquireRunLock(repo, tag);
  try {
    const interrupted = await reconcile(repo, tag);
    const ledgerRepaired = repairLedger(repo, tag, state.metric, state.ledgerColumns);
    return { interrupted, ledgerRepaired };
  } finally {
    release();
  }
}
