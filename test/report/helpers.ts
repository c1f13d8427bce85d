// Build throwaway research repos from the fixture ledgers (runs.jsonl lives under .autoresearch/,
// which git ignores, so the fixtures keep it flat and tests put it in place).
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import type { RunRecord } from '../../src/engine/types.js';

const made: string[] = [];
// Registered in whichever test file imports this module.
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export const LEDGERS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'ledgers');

export function fixture(rel: string): string {
  return path.join(LEDGERS, rel);
}

export function fixtureText(rel: string): string {
  return readFileSync(fixture(rel), 'utf8');
}

export function normalRecords(): RunRecord[] {
  return fixtureText('normal/runs.jsonl')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RunRecord);
}

/** A temp repo with `.autoresearch/<tag>/runs.jsonl` and/or `results.tsv` copied from fixtures. */
export function makeRepo(opts: { tag?: string; jsonl?: string; tsv?: string; yaml?: string } = {}): string {
  const repo = mkdtempSync(path.join(os.tmpdir(), 'ar-report-'));
  made.push(repo);
  const tag = opts.tag ?? 'mar5';
  if (opts.jsonl) {
    mkdirSync(path.join(repo, '.autoresearch', tag), { recursive: true });
    copyFileSync(fixture(opts.jsonl), path.join(repo, '.autoresearch', tag, 'runs.jsonl'));
  }
  if (opts.tsv) copyFileSync(fixture(opts.tsv), path.join(repo, 'results.tsv'));
  if (opts.yaml) writeFileSync(path.join(repo, 'autoresearch.yaml'), opts.yaml);
  return repo;
}

/** A minimal valid record, for building small cases inline. */
export function rec(id: number, status: RunRecord['status'], value: number | null, extra: Partial<RunRecord> = {}): RunRecord {
  const t = Date.parse('2025-01-01T00:00:00Z') + id * 600_000;
  return {
    v: 1,
    id,
    tag: 't',
    start: new Date(t).toISOString(),
    end: new Date(t + 300_000).toISOString(),
    durationMs: 300_000,
    commit: id.toString(16).padStart(7, '0') + 'f'.repeat(33),
    parent: '',
    description: `run ${id}`,
    status,
    metric: 'loss',
    value: status === 'crash' ? null : value,
    bestBefore: null,
    memoryGb: 10,
    metrics: value === null ? {} : { loss: value },
    exitCode: status === 'crash' ? 1 : 0,
    signal: null,
    timedOut: false,
    linesAdded: 1,
    linesRemoved: 1,
    log: '',
    ...extra,
  };
}
