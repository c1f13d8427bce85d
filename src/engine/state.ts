import { existsSync, readFileSync, createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { statePath } from '../paths.js';
import { writeAtomic } from '../fs/atomic.js';
import { ToolError } from '../errors.js';
import { parseStateFile, TagStateSchema, type TagState } from '../config/state-files.js';

export type { TagState } from '../config/state-files.js';

export function readState(repo: string, tag: string): TagState | null {
  const file = statePath(repo, tag);
  if (!existsSync(file)) return null;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ToolError(`the state file ${path.relative(repo, file)} is unreadable: ${(e as Error).message}.`);
  }
  const r = parseStateFile(text, TagStateSchema);
  if (!r.ok) throw new ToolError(`the state file ${path.relative(repo, file)} is unreadable: ${r.why}.`);
  return r.value;
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
