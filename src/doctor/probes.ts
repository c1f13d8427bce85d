// What the doctor's checks ask of the machine, as one injectable object: tests pass a fake, the command
// passes realProbes(). Each probe is one question (a program on PATH, one command's output, a file, free space).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statfsSync } from 'node:fs';
import { homedir } from 'node:os';
import { findProgram } from '../engine/prereq.js';

export interface ProgramResult {
  /** false when the program could not be started at all (not found, not executable). */
  started: boolean;
  /** null when it was killed (by the timeout or a signal). */
  code: number | null;
  timedOut: boolean;
  /** stdout and stderr together, as printed. */
  output: string;
}

export interface Probes {
  env: NodeJS.ProcessEnv;
  home: string;
  platform: NodeJS.Platform;
  /** Where `cmd` would be found (a path with a slash is taken relative to cwd), or null. */
  which(cmd: string, cwd: string): string | null;
  /** Run one program (argv, never a shell) and wait for it, at most timeoutMs. */
  run(cmd: string, args: string[], o: { cwd: string; timeoutMs: number }): Promise<ProgramResult>;
  exists(p: string): boolean;
  /** A file's text, or null when it cannot be read. */
  readText(p: string): string | null;
  /** A folder's entries, or null when it cannot be read. */
  list(p: string): string[] | null;
  /** Bytes free for this user on the file system holding p, or null when unknown. */
  freeBytes(p: string): number | null;
}

export function realProbes(env: NodeJS.ProcessEnv = process.env): Probes {
  return {
    env,
    home: env.HOME || homedir(),
    platform: process.platform,
    which: (cmd, cwd) => findProgram(cmd, cwd, env.PATH ?? ''),
    run: (cmd, args, o) =>
      new Promise((resolve) => {
        execFile(cmd, args, { cwd: o.cwd, env, timeout: o.timeoutMs, killSignal: 'SIGKILL', maxBuffer: 4 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
          const output = `${stdout ?? ''}${stderr ?? ''}`;
          if (!err) return resolve({ started: true, code: 0, timedOut: false, output });
          const e = err as NodeJS.ErrnoException & { code?: number | string; killed?: boolean; signal?: string | null };
          // ENOENT, EACCES...: it never ran (ERR_* codes are Node's own, e.g. too much output).
          if (typeof e.code === 'string' && !e.code.startsWith('ERR_')) return resolve({ started: false, code: null, timedOut: false, output: e.message });
          resolve({ started: true, code: typeof e.code === 'number' ? e.code : null, timedOut: Boolean(e.killed && e.signal === 'SIGKILL'), output });
        });
      }),
    exists: (p) => existsSync(p),
    readText: (p) => {
      try {
        return readFileSync(p, 'utf8');
      } catch {
        return null;
      }
    },
    list: (p) => {
      try {
        return readdirSync(p);
      } catch {
        return null;
      }
    },
    freeBytes: (p) => {
      try {
        const s = statfsSync(p);
        return Number(s.bavail) * Number(s.bsize);
      } catch {
        return null;
      }
    },
  };
}
