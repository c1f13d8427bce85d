// Every file the tool finds through packageRoot() is on package.json's `files` list, so the installed
// package has it too (test/package.test.ts installs the real tarball; this catches a new asset in a second).
import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './helpers/repo.js';

const FILES = [...(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { files: string[] }).files, 'package.json'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

/** `path.join(packageRoot(), 'dist', 'bundle', name)` -> dist/bundle (the literal segments before the first variable). */
function packagePaths(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/path\.join\(\s*packageRoot\(\)\s*((?:,\s*'[^']*'\s*)*)/g)) {
    const parts = [...m[1]!.matchAll(/'([^']*)'/g)].map((x) => x[1]!);
    if (parts.length) out.push(parts.join('/'));
  }
  return out;
}

const covered = (rel: string) => FILES.some((f) => (f.endsWith('/') ? rel === f.slice(0, -1) || rel.startsWith(f) : rel === f || rel.startsWith(f + '/')));

describe('package files', () => {
  it('lists every path the tool reads relative to the package', () => {
    const used = sources(path.join(ROOT, 'src')).flatMap((f) => packagePaths(readFileSync(f, 'utf8')).map((rel) => ({ rel, in: path.relative(ROOT, f) })));
    expect(used.map((u) => u.rel)).toEqual(expect.arrayContaining(['CLAUDE.md.template', 'prompts', 'bin/ar-supervise.js', 'dist/bundle/hook.js', 'package.json', 'examples/tiny-lm']));
    expect(used.filter((u) => !covered(u.rel))).toEqual([]);
  });

  it('reads the literal part of a path', () => {
    expect(packagePaths("path.join(packageRoot(), 'dist', 'dashboard'); path.join(packageRoot(), 'prompts', name)")).toEqual(['dist/dashboard', 'prompts']);
    expect(covered('dist/dashboard')).toBe(false);
    expect(covered('dist/bundle/hook.js')).toBe(true);
  });
});
