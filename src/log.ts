import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { stateDir } from './paths.js';

/**
 * JSON lines to .autoresearch/<tag>/ar.log; synchronous so nothing is lost when a run is killed.
 * `now` stamps each line (a deferred logger passes the time a line was logged, not written).
 */
export function createLogger(repo: string, tag: string, name = 'ar', now: () => number = Date.now): pino.Logger {
  const dir = stateDir(repo, tag);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const dest = pino.destination({ dest: path.join(dir, 'ar.log'), sync: true, append: true, mkdir: true });
  return pino(
    {
      name,
      base: { pid: process.pid },
      timestamp: () => `,"time":${now()}`,
      redact: { paths: ['env', '*.env', 'apiKey', '*.apiKey'], remove: true },
    },
    dest,
  );
}
