// Which changes an experiment may carry: pure logic over file lists.

/** A tiny glob: `*` within a path segment, `**` across segments; a pattern without `/` matches basenames. */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        re += '.*';
        i++;
        if (pattern[i + 1] === '/') i++;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp('^' + re + '$');
}

export function matchesAny(file: string, patterns: string[]): boolean {
  const base = file.split('/').pop()!;
  return patterns.some((p) => {
    const re = globToRegExp(p.replace(/^\.\//, ''));
    return re.test(file) || (!p.includes('/') && re.test(base));
  });
}

export interface GuardInput {
  /** Tracked files that differ from the last kept commit. */
  changed: string[];
  /** Untracked, not ignored files. */
  untracked: string[];
  /** Read-only files whose checksum differs from init. */
  readonlyTampered: string[];
  editable: string[];
  readonly: string[];
  dependencyFiles: string[];
}

export interface GuardResult {
  /** Editable files that changed: what the experiment commits. */
  edits: string[];
  /** Changes outside the rules that make the run a violation (recorded, reverted). */
  violations: string[];
  /** Files involved in the violation, to commit with the attempt so reverting removes them. */
  violationFiles: string[];
  /** Other changes: refused before anything runs, left untouched (they may be the user's). */
  foreign: string[];
}

export function guard(g: GuardInput): GuardResult {
  const edits: string[] = [];
  const foreign: string[] = [];
  const ro = new Set<string>(g.readonlyTampered);
  const deps = new Set<string>();
  for (const f of g.changed) {
    if (g.readonly.includes(f)) ro.add(f);
    else if (matchesAny(f, g.dependencyFiles)) deps.add(f);
    else if (matchesAny(f, g.editable)) edits.push(f);
    else foreign.push(f);
  }
  for (const f of g.untracked) {
    if (matchesAny(f, g.dependencyFiles)) deps.add(f);
    else if (matchesAny(f, g.editable)) edits.push(f);
  }
  const violations: string[] = [];
  if (ro.size) violations.push(`read-only ${[...ro].join(', ')} changed`);
  if (deps.size) violations.push(`dependency manifest ${[...deps].join(', ')} changed`);
  return { edits, violations, violationFiles: [...ro, ...deps], foreign };
}
