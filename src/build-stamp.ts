import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Which build of the tool is running (the mtime of this module's file, new with every build): a cache
 * written by another build may hold what this one would read differently, so it starts over.
 */
export function buildStamp(): string {
  try {
    return String(statSync(fileURLToPath(import.meta.url)).mtimeMs);
  } catch {
    return 'unknown';
  }
}
