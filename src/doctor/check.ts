// One line of `ar-supervise doctor`: what was checked, how it stands, and what to do about it.

export type Mark = 'pass' | 'warn' | 'fail';

export interface Check {
  /** Short name of what was checked (git, tmux, agent, ...). */
  name: string;
  /** fail: it would stop the night; warn: the night can go on, but look at it. */
  mark: Mark;
  /** What was found, e.g. "git 2.43.0" or "tmux not found on PATH". */
  detail: string;
  /** What to do; only for warn and fail. */
  fix?: string;
}

export const pass = (name: string, detail: string): Check => ({ name, mark: 'pass', detail });
export const warn = (name: string, detail: string, fix: string): Check => ({ name, mark: 'warn', detail, fix });
export const fail = (name: string, detail: string, fix: string): Check => ({ name, mark: 'fail', detail, fix });

const LABEL: Record<Mark, string> = { pass: 'ok  ', warn: 'warn', fail: 'FAIL' };

/** One line per check (`ok   git       git 2.43.0`, with `: what to do` after a warning or failure), then the verdict. */
export function formatChecks(checks: readonly Check[]): string {
  const width = Math.max(...checks.map((c) => c.name.length), 4);
  const lines = checks.map((c) => `${LABEL[c.mark]}  ${c.name.padEnd(width)}  ${c.detail}${c.fix ? `: ${c.fix}` : ''}`);
  const fails = checks.filter((c) => c.mark === 'fail').length;
  const warns = checks.filter((c) => c.mark === 'warn').length;
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  lines.push('');
  if (fails) lines.push(`${plural(fails, 'problem')} would stop the night${warns ? `, and ${plural(warns, 'warning')}` : ''}.`);
  else if (warns) lines.push(`Ready for a night, with ${plural(warns, 'warning')}.`);
  else lines.push('Ready for a night.');
  return lines.join('\n') + '\n';
}

/** 1 when anything would stop the night, else 0 (warnings alone do not). */
export function exitCodeFor(checks: readonly Check[]): number {
  return checks.some((c) => c.mark === 'fail') ? 1 : 0;
}

/** The first version number in a program's --version text ("tmux 3.3a" -> [3, 3]). */
export function parseVersion(text: string): number[] | null {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  return m ? m.slice(1).filter((x) => x !== undefined).map(Number) : null;
}

export function atLeast(v: readonly number[], min: readonly number[]): boolean {
  for (let i = 0; i < min.length; i++) {
    const a = v[i] ?? 0;
    if (a !== min[i]) return a > min[i]!;
  }
  return true;
}
