// What the queue and batch tests read and set in a fixture repo: the ledger, a parameter of train.py, the queue's
// state, and a rendezvous folder for test/fixtures/jobs/rendezvous.py (runs that must meet: overlap without timing).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from './repo.js';

/** results.tsv's rows after the header, as columns. */
export const rows = (repo: string) => readFileSync(path.join(repo, 'results.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));

/** The tag's records in runs.jsonl. */
export const records = (repo: string, tag: string) =>
  readFileSync(path.join(repo, `.autoresearch/${tag}/runs.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

/** Set `NAME = value` in train.py. */
export function set(repo: string, name: 'X' | 'Y', v: string): void {
  const f = path.join(repo, 'train.py');
  writeFileSync(f, readFileSync(f, 'utf8').replace(new RegExp(`^${name} = .*$`, 'm'), `${name} = ${v}`));
}

/** No experiment of the tag is waiting or running. */
export const queueEmpty = (repo: string, tag: string) => {
  const dir = path.join(repo, `.autoresearch/${tag}/queue`);
  return !existsSync(dir) || !readdirSync(dir).some((f) => /^\d+\.json$/.test(f));
};

/** The tag's runner has let go of its lock. */
export const runnerGone = (repo: string, tag: string) => !existsSync(path.join(repo, `.autoresearch/${tag}/runner.lock`));

/** The environment for runs that meet in a fresh folder: n of them, `alone` naming a SEED that runs by itself. */
export function rendezvous(n: number, alone?: string): Record<string, string> {
  return { RENDEZVOUS: tempDir('ar-rv-'), RENDEZVOUS_N: String(n), ...(alone !== undefined ? { RENDEZVOUS_ALONE: alone } : {}) };
}
