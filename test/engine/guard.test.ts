import { describe, it, expect } from 'vitest';
import { guard, matchesAny } from '../../src/engine/guard.js';
import { DEFAULT_DEPENDENCY_FILES } from '../../src/config.js';

const base = { untracked: [], readonlyTampered: [], editable: ['train.py'], readonly: ['prepare.py'], dependencyFiles: DEFAULT_DEPENDENCY_FILES };

describe('guard', () => {
  it('lets the editable file through', () => {
    expect(guard({ ...base, changed: ['train.py'] })).toEqual({ edits: ['train.py'], violations: [], violationFiles: [], foreign: [] });
  });
  it('a read-only file or a dependency manifest is a violation', () => {
    const g = guard({ ...base, changed: ['train.py', 'prepare.py', 'pyproject.toml'], untracked: ['requirements-extra.txt'] });
    expect(g.violations).toEqual(['read-only prepare.py changed', 'dependency manifest pyproject.toml, requirements-extra.txt changed']);
    expect(g.violationFiles).toEqual(['prepare.py', 'pyproject.toml', 'requirements-extra.txt']);
  });
  it('a checksum change of a read-only file counts even when git does not see it', () => {
    expect(guard({ ...base, changed: [], readonlyTampered: ['prepare.py'] }).violations).toEqual(['read-only prepare.py changed']);
  });
  it('anything else is foreign and refused', () => {
    expect(guard({ ...base, changed: ['README.md', 'train.py'] }).foreign).toEqual(['README.md']);
  });
  it('untracked files that are neither editable nor manifests are left alone', () => {
    expect(guard({ ...base, changed: [], untracked: ['notes.txt'] })).toEqual({ edits: [], violations: [], violationFiles: [], foreign: [] });
  });
  it('globs', () => {
    expect(matchesAny('sub/requirements-dev.txt', ['requirements*.txt'])).toBe(true);
    expect(matchesAny('src/model/a.py', ['src/**/*.py'])).toBe(true);
    expect(matchesAny('src/a.py', ['src/*.py'])).toBe(true);
    expect(matchesAny('srcXa.py', ['src/*.py'])).toBe(false);
  });
});
