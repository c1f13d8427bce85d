import { existsSync, statSync, accessSync, constants } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';

/** Find a program the way execvp would: a path with a slash, or a search of PATH. */
export function findProgram(cmd: string, cwd: string, envPath = process.env.PATH ?? ''): string | null {
  const isExec = (p: string) => {
    try {
      accessSync(p, constants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (cmd.includes('/')) {
    const p = path.resolve(cwd, cmd);
    return isExec(p) ? p : null;
  }
  for (const dir of envPath.split(':')) {
    if (!dir) continue;
    const p = path.join(dir, cmd);
    if (isExec(p)) return p;
  }
  return null;
}

/** Everything missing, each as a sentence saying what to do; empty when ready. */
export async function checkPrerequisites(repo: string, config: Config): Promise<string[]> {
  const problems: string[] = [];
  for (const f of config.readonly) {
    if (!existsSync(path.join(repo, f))) problems.push(`the read-only file ${f} is missing; add it or remove it from "readonly" in autoresearch.yaml.`);
  }
  for (const f of config.editable) {
    if (!/[*?]/.test(f) && !existsSync(path.join(repo, f))) problems.push(`the editable file ${f} is missing; add it or set "editable" in autoresearch.yaml.`);
  }
  const prog = config.command[0]!;
  if (!findProgram(prog, repo)) {
    const hint = prog === 'uv' ? ' Install uv (https://docs.astral.sh/uv/) or set "command" in autoresearch.yaml.' : ' Install it or set "command" in autoresearch.yaml.';
    problems.push(`the training command's program "${prog}" was not found.${hint}`);
  }
  if (config.check) {
    const { execa } = await import('execa'); // only init needs it; `run` must start fast
    const r = await execa(config.check[0]!, config.check.slice(1), { cwd: repo, reject: false, timeout: 120_000, all: true });
    if (r.exitCode !== 0) {
      const said = (r.all ?? '').trim().split('\n').slice(-3).join(' ').trim();
      problems.push(`the check "${config.check.join(' ')}" failed${said ? `: ${said}` : ''}.`);
    }
  }
  return problems;
}
