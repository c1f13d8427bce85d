import { mkdirSync } from 'node:fs';
import { Git } from '../adapters/git.js';
import { loadConfig, type Config } from '../config.js';
import { UsageError } from '../errors.js';
import { branchFor, stateDir, LEDGER_FILE, RUN_LOG_FILE, STATE_ROOT } from '../paths.js';
import { addToExclude } from './exclude.js';
import { writeLedgerHeader } from './ledger.js';
import { checkPrerequisites } from './prereq.js';
import { checksums, readState, writeState, type TagState } from './state.js';
import { runExperiment, type StepOptions, type StepResult } from './step.js';
import { createLogger } from '../log.js';
import { sideBySide, slotsFor } from './slots.js';
import { maskRemote, pushKept, pushRemote } from './push.js';

import { TAG_RE } from '../paths.js';

export { TAG_RE };

export interface InitOptions {
  baseline: boolean;
  out?: (line: string) => void;
  config?: Config;
  lane?: string;
  /** Extra environment for the baseline run. */
  env?: Record<string, string>;
  onTick?: StepOptions['onTick'];
  onPlace?: StepOptions['onPlace'];
  signal?: AbortSignal;
  /** Noise reruns side by side (default: engine/slots.ts sideBySide). */
  parallel?: number;
}

export { repoRoot } from './repo.js';
import { repoRoot } from './repo.js';

export async function validateTag(git: Git, tag: string): Promise<void> {
  if (!TAG_RE.test(tag) || !(await git.validBranchName(branchFor(tag)))) {
    throw new UsageError(`"${tag}" is not a usable tag; use letters, digits, ".", "_" or "-" (for example apr5).`);
  }
}

/** Start a tag: branch autoresearch/<tag> from HEAD, an empty ledger, the state folder, the baseline. */
export async function initTag(repoDir: string, tag: string, opts: InitOptions): Promise<StepResult | null> {
  const repo = await repoRoot(repoDir);
  const git = new Git(repo);
  await validateTag(git, tag);
  const head = await git.head();
  if (!head) throw new UsageError('the repository has no commits yet; commit your training code first.');
  const dirty = await git.dirtyTracked();
  if (dirty.length) {
    throw new UsageError(`uncommitted changes to tracked files (${dirty.slice(0, 5).join(', ')}${dirty.length > 5 ? ', ...' : ''}); commit or stash them first.`);
  }
  const branch = branchFor(tag);
  if (await git.branchExists(branch)) {
    throw new UsageError(`branch ${branch} already exists; continue it with "ar-supervise --session ${tag}" or pick another tag.`);
  }
  const prior = readState(repo, tag);
  if (prior?.imported) {
    const at = prior.imported.lastKeep?.slice(0, 7) ?? prior.base.slice(0, 7);
    throw new UsageError(`tag "${tag}" has an imported history but no branch ${branch}; create it where the night left off ("git branch ${branch} ${at}", fetching ${at} first if this repository lacks it), or import into a new tag.`);
  }
  const config = opts.config ?? loadConfig(repo);
  // Where keeps go (git.push, or a session's --push): checked before anything is made; the baseline goes first.
  const remote = opts.baseline ? pushRemote(undefined, config) : null;
  const problems = await checkPrerequisites(repo, config);
  if (problems.length) {
    throw new UsageError(problems[0]!, problems.slice(1).join('\n') || undefined);
  }

  // A cluster's nodes must see this folder (their output lands here): check before anything is made.
  if (config.executor.kind !== 'local') {
    const { executorFor } = await import('../executors/index.js');
    const ex = await executorFor(config);
    ex.check();
    const why = await ex.probe?.(repo, { signal: opts.signal, out: opts.out });
    if (why) throw new UsageError(why);
    if (opts.signal?.aborted) return null;
  }

  await git.checkoutNewBranch(branch, head);
  mkdirSync(stateDir(repo, tag), { recursive: true, mode: 0o700 });
  addToExclude(repo, [LEDGER_FILE, RUN_LOG_FILE, `/${STATE_ROOT}/`]);
  const state: TagState = {
    v: 1,
    tag,
    branch,
    base: head,
    created: new Date().toISOString(),
    metric: config.metric,
    goal: config.goal,
    readonly: await checksums(repo, config.readonly),
    ...(config.ledger_columns?.length ? { ledgerColumns: config.ledger_columns } : {}),
    ...(opts.lane ? { lane: opts.lane } : {}),
    ...(opts.env && Object.keys(opts.env).length ? { env: opts.env } : {}),
  };
  writeState(repo, state);
  const archived = writeLedgerHeader(repo, tag, config.metric, config.ledger_columns);
  const log = createLogger(repo, tag);
  log.info({ tag, branch, base: head }, 'init');
  opts.out?.(`Created branch ${branch} from ${head.slice(0, 7)}; ledger ${LEDGER_FILE}; state in ${STATE_ROOT}/${tag}/.`);
  if (archived) opts.out?.(`The previous ${LEDGER_FILE} was moved to ${archived}.`);
  if (!opts.baseline) return null;
  opts.out?.(`Running the baseline (${config.budget_seconds} s budget)...`);
  const common = { repo, tag, config, log, env: opts.env, onTick: opts.onTick, onPlace: opts.onPlace, signal: opts.signal };
  const first = await runExperiment({ ...common, description: 'baseline', ...(config.noise ? { seed: 0 } : {}) });
  if (config.noise && config.noise.reruns > 1 && first.record.value !== null) {
    await estimateNoise(repo, tag, config, first.record.value, common, opts.out, opts.parallel);
  }
  // The branch is on the remote from the start of the night, not only after its first improvement.
  if (remote && first.record.status === 'keep' && !opts.signal?.aborted) {
    const p = await pushKept(repo, tag, { remote, refs: config.git.push_refs, log });
    opts.out?.(p.ok ? `Pushed ${branch} (the baseline) to ${maskRemote(remote)}.` : `The push to ${maskRemote(remote)} failed: ${p.error}; the next keep pushes again.`);
  }
  return first;
}

/** Rerun the baseline with other seeds; sigma x S becomes the margin a keep must beat. */
async function estimateNoise(
  repo: string,
  tag: string,
  config: Config,
  firstValue: number,
  common: Omit<StepOptions, 'description'>,
  out?: (line: string) => void,
  parallel?: number,
): Promise<void> {
  const values = [firstValue];
  const seeds = Array.from({ length: config.noise!.reruns - 1 }, (_, i) => i + 1);
  const k = sideBySide(config, seeds.length, { parallel });
  if (k > 1) {
    // Reruns of one commit are independent measurements: side by side, each on a slot (its own job on Slurm).
    out?.(`Noise estimate: ${seeds.length} baseline reruns, ${k} side by side...`);
    const { runBatch, dropSlots } = await import('./batch.js');
    try {
      const r = await runBatch({ repo, tag, config, items: seeds.map((seed) => ({ description: `baseline rerun seed=${seed}`, seed, files: {} })), slots: slotsFor(null, k), signal: common.signal, log: common.log });
      for (const rec of r.records) if (rec && rec.value !== null) values.push(rec.value);
    } finally {
      await dropSlots(repo, tag);
    }
  } else {
    for (const seed of seeds) {
      if (common.signal?.aborted) return;
      out?.(`Noise estimate: baseline rerun ${seed + 1}/${config.noise!.reruns}...`);
      const r = await runExperiment({ ...common, description: `baseline rerun seed=${seed}`, seed });
      if (r.record.value !== null) values.push(r.record.value);
    }
  }
  if (common.signal?.aborted) return;
  if (values.length < 2) return;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sigma = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
  const state = readState(repo, tag)!;
  state.noise = { sigma, threshold: sigma * config.noise!.sigma, values };
  writeState(repo, state);
  out?.(`Noise: sigma ${sigma.toFixed(6)} over ${values.length} baseline runs; a keep must beat the best by more than ${state.noise.threshold.toFixed(6)}.`);
}
