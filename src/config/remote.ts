import { UsageError } from '../errors.js';

/** A remote git can be given as an argument: a name, a URL or a path, never something read as an option. */
export function isRemote(v: string): boolean {
  const r = v.trim();
  return r !== '' && !r.startsWith('-') && !/[\s\0]/.test(r);
}

/** The remote, trimmed; `where` names the flag or variable it came from in the sentence. */
export function checkRemote(v: string, where: string): string {
  if (!isRemote(v)) throw new UsageError(`${where} must be a git remote (a name such as origin, a URL or a path), not ${JSON.stringify(v)}.`);
  return v.trim();
}
