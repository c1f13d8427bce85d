import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { cli, git, JOBS } from '../helpers/repo.js';

// A real small file system (tmpfs, needs root as in CI), filled up or remounted read-only under a live repo.
let mnt = '';
beforeAll(() => {
  mnt = mkdtempSync(path.join(tmpdir(), 'ar-fs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mnt]);
});
afterAll(() => {
  try {
    execFileSync('umount', ['-l', mnt]);
  } catch {
    /* not mounted */
  }
  rmSync(mnt, { recursive: true, force: true });
});

async function repoOnTmpfs(name: string): Promise<string> {
  const repo = path.join(mnt, name);
  execFileSync('mkdir', ['-p', repo]);
  git(repo, ['init', '-q', '-b', 'main']);
  copyFileSync(path.join(JOBS, 'summary.py'), path.join(repo, 'train.py'));
  writeFileSync(path.join(repo, 'prepare.py'), '# ro\n');
  writeFileSync(path.join(repo, 'autoresearch.yaml'), 'command: python3 train.py\nbudget_seconds: 2\n');
  git(repo, ['add', '-A']);
  git(repo, ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'init']);
  const r = await cli(['init', '--tag', 't'], { cwd: repo });
  expect(r.exitCode, r.all).toBe(0);
  return repo;
}

describe('a full disk or a read-only state folder', () => {
  it('full disk: one clear sentence, exit 1, nothing half-written', async () => {
    const repo = await repoOnTmpfs('full');
    const before = readFileSync(path.join(repo, 'results.tsv'), 'utf8');
    const recsBefore = readFileSync(path.join(repo, '.autoresearch/t/runs.jsonl'), 'utf8');
    const filler = path.join(mnt, 'filler');
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k'], { stdio: 'ignore' });
    } catch {
      /* dd stops when the disk is full */
    }
    const r = await cli(['run', '-m', 'x'], { cwd: repo });
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/the disk holding .* is full .*Nothing was run\./);
    expect(readFileSync(path.join(repo, 'results.tsv'), 'utf8')).toBe(before);
    expect(readFileSync(path.join(repo, '.autoresearch/t/runs.jsonl'), 'utf8')).toBe(recsBefore);
    rmSync(filler);
  });

  it('read-only: one clear sentence, exit 1, nothing changed', async () => {
    const repo = await repoOnTmpfs('ro');
    const before = readFileSync(path.join(repo, 'results.tsv'), 'utf8');
    execFileSync('mount', ['-o', 'remount,ro', mnt]);
    try {
      const r = await cli(['run', '-m', 'x'], { cwd: repo });
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/cannot write .*read-only file system\./);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      execFileSync('mount', ['-o', 'remount,rw', mnt]);
    }
    expect(readFileSync(path.join(repo, 'results.tsv'), 'utf8')).toBe(before);
  });
});
