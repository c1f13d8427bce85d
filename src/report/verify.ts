// The SHA-1 of runs.jsonl's first bytes, on a worker thread: checking that the part a cache covers
// is unchanged means reading and hashing all of it, which the worker does while the report parses
// what was appended and reads results.tsv.
import { Worker } from 'node:worker_threads';

// Plain CommonJS evaluated by the worker: nothing to resolve, so it runs the same from src/, dist/ and the bundle.
const CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const { openSync, readSync, closeSync } = require('node:fs');
const { createHash } = require('node:crypto');
const h = createHash('sha1');
let fd = -1;
let pos = 0;
const buf = Buffer.allocUnsafe(1 << 20);
const upTo = (end) => {
  while (pos < end) {
    const got = readSync(fd, buf, 0, Math.min(buf.length, end - pos), pos);
    if (got === 0) return false;
    h.update(buf.subarray(0, got));
    pos += got;
  }
  return true;
};
try {
  fd = openSync(workerData.file, 'r');
  parentPort.postMessage(upTo(workerData.size) ? h.copy().digest('hex') : null);
} catch {
  parentPort.postMessage(null);
}
parentPort.once('message', (end) => {
  let out = null;
  try {
    if (fd >= 0 && upTo(end)) out = h.digest('hex');
  } catch {}
  parentPort.postMessage(out);
  if (fd >= 0) closeSync(fd);
});
`;

export interface PrefixHash {
  /** SHA-1 of the file's first `size` bytes; null when it is shorter or cannot be read. */
  prefix: Promise<string | null>;
  /** Then the SHA-1 of its first `end` bytes (end >= size), going on from the prefix. */
  through(end: number): Promise<string | null>;
  stop(): void;
}

export function hashPrefix(file: string, size: number): PrefixHash {
  let w: Worker;
  try {
    w = new Worker(CODE, { eval: true, workerData: { file, size } });
  } catch {
    // No worker to be had (a thread limit): the cache goes unused, the file is read whole.
    return { prefix: Promise.resolve(null), through: () => Promise.resolve(null), stop() {} };
  }
  // Held open only while a reply is awaited: a check nobody waits for never keeps the process alive.
  const replies: ((v: string | null) => void)[] = [];
  const next = () =>
    new Promise<string | null>((resolve) => {
      replies.push(resolve);
      w.ref();
    });
  const first = next();
  w.on('message', (m: string | null) => {
    replies.shift()?.(m);
    if (replies.length === 0) w.unref();
  });
  const fail = () => {
    for (const r of replies.splice(0)) r(null);
  };
  w.on('error', fail);
  w.on('exit', fail);
  return {
    prefix: first,
    through(end) {
      const p = next();
      w.postMessage(end);
      return p;
    },
    stop() {
      void w.terminate();
    },
  };
}
