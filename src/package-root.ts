import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The package's top folder, found by walking up to its package.json: the same answer from src/ (vitest),
// dist/ (tsc output) and dist/bundle/ (the esbuild bundle the CLI runs).
let root: string | null = null;
export function packageRoot(): string {
  if (root) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'CLAUDE.md.template'))) return (root = dir);
    const up = path.dirname(dir);
    if (up === dir) return (root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'));
    dir = up;
  }
}
