// Where our hook program is, and the argv that runs it for one events file.
import path from 'node:path';
import { packageRoot } from '../package-root.js';

/** The hook program, bundled into one file (dist/bundle/hook.js) so the installed package ships only dist/bundle/. */
export function hookScript(): string {
  return path.join(packageRoot(), 'dist', 'bundle', 'hook.js');
}

/** node, the hook program and the events file: a profile appends the event name. */
export function hookArgv(eventsFile: string, script = hookScript(), node = process.execPath): string[] {
  return [node, script, eventsFile];
}
