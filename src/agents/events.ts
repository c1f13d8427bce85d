// Reads the events file our hook program appends to (one JSON line per event), as lines complete.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { HookEventSchema, parseStateFile, type HookEvent } from '../config/state-files.js';

/** Reads complete new lines of the events file since the last call. */
export class EventReader {
  private offset = 0;
  private partial: Buffer = Buffer.alloc(0);
  constructor(readonly file: string) {}

  /** Skip what is already there. */
  skipToEnd(): void {
    this.partial = Buffer.alloc(0);
    try {
      const fd = openSync(this.file, 'r');
      try {
        this.offset = fstatSync(fd).size;
      } finally {
        closeSync(fd);
      }
    } catch {
      this.offset = 0;
    }
  }

  read(): HookEvent[] {
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch {
      return [];
    }
    let data: Buffer;
    try {
      const size = fstatSync(fd).size;
      if (size < this.offset) this.offset = 0; // truncated or replaced
      if (size === this.offset) return [];
      const buf = Buffer.alloc(size - this.offset);
      const n = readSync(fd, buf, 0, buf.length, this.offset);
      this.offset += n;
      data = Buffer.concat([this.partial, buf.subarray(0, n)]);
    } finally {
      closeSync(fd);
    }
    const end = data.lastIndexOf(0x0a);
    this.partial = Buffer.from(data.subarray(end + 1));
    const lines = data.subarray(0, end + 1).toString('utf8').split('\n');
    const out: HookEvent[] = [];
    for (const l of lines) {
      if (l.trim() === '') continue;
      const r = parseStateFile(l, HookEventSchema);
      if (r.ok) out.push(r.value); // else a torn or foreign line: skip
    }
    return out;
  }
}
