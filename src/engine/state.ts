import { existsSync, readFileSync, createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { statePath } from '../paths.js';
import { writeAtomic } from './ledger.js';
import { ToolError } from '../errors.js';
import type { RunRecord } from './types.js';

/** What init fixes for a tag; everything that changes is derived from the records. */
export interface TagState {
  v: 1;
  tag: string;
  branch: string;
  /** The commit the branch started from: the last kept commit until the first keep. */
  base: string;
  created: string;
  metric: string;
  goal: 'min' | 'max';
  /** sha256 of each read-only file at init (null when it did not exist). */
  readonly: Record<string, string | null>;
  lane?: string;
  /** Environment every run of this tag gets (a lane's CUDA_VISIBLE_DEVICES). */
  env?: Record<string, string>;
  /** The ledger_columns results.tsv is kept with (absent: karpathy's five); a run brings it in line with the config. */
  ledgerColumns?: string[];
  /** A history made by `import`: where from, and whether its last keep (where the branch goes on) is in git. */
  imported?: { from: string; at: string; runs: number; lastKeep: string | null; lastKeepInGit: boolean };
  /** Noise-aware keeping: sigma estimated from the baseline's reruns; keeps need > threshold. */
  noise?: { sigma: number; threshold: number; values: number[] };
}

export function readState(repo: string, tag: string): TagState | null {
  const file = statePath(repo, tag);
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as TagState;
  } catch (e) {
    throw new ToolError(`the state file ${path.relative(repo, file)} is unreadable: ${(e as Error).message}.`);
  }
}

export function writeState(repo: string, s: TagState): void {
  writeAtomic(statePath(repo, s.tag), JSON.stringify(s, null, 2) + '\n', 0o600);
}

export function sha256File(file: string): Promise<string | null> {
  return new Promise((resolve) => {
    if (!existsSync(file)) return resolve(null);
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (d) => h.update(d))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', () => resolve(null));
  });
}

export async function checksums(repo: string, files: string[]): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const f of files) out[f] = await sha256File(path.join(repo, f));
  return out;
}

/** The last kept run (the branch tip), or null before the first keep. */
export function lastKeep(records: RunRecord[]): RunRecord | null {
  for (let i = records.length - 1; i >= 0; i--) {
    const r = records[i]!;
    if (r.status === 'keep' && !r.violation) return r;
  }
  return null;
}
