import { Git } from '../adapters/git.js';
import { ToolError, UsageError } from '../errors.js';
import { isKept } from './kept.js';
import { readRecords } from './records.js';
import { keptMessage } from '../commit-message.js';
import { fmtShort, MISSING } from '../format.js';
import { readState } from './state.js';
import type { RunRecord } from './types.js';

// `finalize`: what was learned, as a branch to open a pull request from. Plumbing only (commit-tree with the
// kept commits' trees, one ref created): the tag's branch, the index and the working tree are never touched.

export interface FinalizeResult {
  branch: string;
  base: string;
  /** The new commits, oldest first (one with --squash). */
  commits: { sha: string; message: string }[];
  kept: RunRecord[];
}

export async function finalize(repo: string, tag: string, o: { branch: string; squash: boolean; template: string }): Promise<FinalizeResult> {
  const git = new Git(repo);
  if (!(await git.validBranchName(o.branch))) throw new UsageError(`"${o.branch}" is not a valid branch name.`);
  if (await git.branchExists(o.branch)) throw new UsageError(`branch ${o.branch} exists already; finalize only makes new branches, so pick another name.`);
  const state = readState(repo, tag);
  if (!state) throw new UsageError(`there is no tag "${tag}" in this repo (no .autoresearch/${tag}/state.json).`);
  const kept = readRecords(repo, tag).records.filter((r) => isKept(r) && r.commit !== state.base);
  if (kept.length === 0) throw new UsageError(`no run of ${tag} was kept beyond its starting point ${state.base.slice(0, 7)}; there is nothing to put on a branch.`);
  for (const k of kept) {
    if (!(await git.resolve(k.commit))) throw new ToolError(`the kept commit ${k.commit.slice(0, 7)} of run #${k.id} is missing from this repository.`);
  }
  const messages = kept.map((k) => keptMessage(o.template, k));
  const commits: FinalizeResult['commits'] = [];
  if (o.squash) {
    const last = kept.at(-1)!;
    const from = kept[0]!.bestBefore;
    const change = from !== null && last.value !== null ? `${fmtShort(from)} -> ${fmtShort(last.value)}` : last.value !== null ? fmtShort(last.value) : MISSING;
    const message = `${tag}: ${last.metric} ${change} in ${kept.length} kept run${kept.length === 1 ? '' : 's'}\n\n${messages.map((m) => `- ${m}`).join('\n')}`;
    commits.push({ sha: await git.commitTree(last.commit, [state.base], message), message });
  } else {
    let parent = state.base;
    for (const message of messages) {
      parent = await git.commitTree(kept[commits.length]!.commit, [parent], message);
      commits.push({ sha: parent, message });
    }
  }
  const made = await git.updateRefs([{ ref: `refs/heads/${o.branch}`, sha: commits.at(-1)!.sha, old: '' }], `autoresearch: finalize ${tag}`);
  if (!made.ok) throw new UsageError(`branch ${o.branch} could not be made: ${made.stderr.split('\n')[0]}.`);
  return { branch: o.branch, base: state.base, commits, kept };
}
