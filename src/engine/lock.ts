import { openSync, closeSync, writeSync, readFileSync, unlinkSync, statSync } from 'node:fs';
import { isAlive as pidAlive } from '../adapters/pid.js';

// A lock file created with O_EXCL; a lock whose owner is dead is taken over.

const sleepBuf = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(sleepBuf, 0, 0, ms);
}

/** Owner pid of a lock file, or null when there is none or it cannot be read. */
export function lockOwner(path: string): number | null {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

/** Try once; returns a release function, or null when a live process holds it. */
export function tryLock(path: string): (() => void) | null {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          if (lockOwner(path) === process.pid) unlinkSync(path);
        } catch {
          /* gone already */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = lockOwner(path);
      if (owner !== null && pidAlive(owner)) return null;
      if (owner === null) {
        // Created but not yet written by its owner: only stale if old.
        try {
          if (Date.now() - statSync(path).mtimeMs < 2000) return null;
        } catch {
          continue;
        }
      }
      try {
        unlinkSync(path);
      } catch {
        /* someone else took it over first */
      }
    }
  }
  return null;
}

/** Hold the lock for a short critical section, waiting for other holders. */
export function withLockSync<T>(path: string, fn: () => T, timeoutMs = 30_000): T {
  const deadline = Date.now() + timeoutMs;
  let wait = 1;
  for (;;) {
    const release = tryLock(path);
    if (release) {
      try {
        return fn();
      } finally {
        release();
      }
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for the lock ${path}`);
    sleepSync(wait);
    wait = Math.min(wait * 2, 20);
  }
}

/** Hold the lock around async work (git commands), waiting for other holders without blocking the event loop. */
export async function withLock<T>(path: string, fn: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let wait = 2;
  for (;;) {
    const release = tryLock(path);
    if (release) {
      try {
        return await fn();
      } finally {
        release();
      }
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for the lock ${path}`);
    await new Promise((r) => setTimeout(r, wait));
    wait = Math.min(wait * 2, 50);
  }
}
