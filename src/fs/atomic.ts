// Whole-file writes that a reader never sees half done: write a temp file beside it, then rename over it.
import { renameSync, rmSync, writeFileSync } from 'node:fs';

export function writeAtomic(file: string, data: string | Uint8Array, mode = 0o644): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data, { mode });
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true }); // a failed write leaves no half file behind either
    throw e;
  }
}
