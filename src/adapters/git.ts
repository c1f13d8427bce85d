import { execFile, execFileSync } from 'node:child_process';
import { ToolError } from '../errors.js';

// Thin adapter over git: one command per function, explicit cwd, argv arrays only.
// node:child_process rather than simple-git: simple-git waits 50 ms after every command that prints
// nothing (update-ref, add, commit -q, reset -q), which alone doubled the engine's per-run overhead.

export interface GitResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

const MAX_BUFFER = 512 * 1024 * 1024;

export interface RunGitOptions {
  /** Written to git's stdin (then closed). */
  input?: string;
  /** Added to the environment. */
  env?: Record<string, string>;
  /** Killed after this long (the result says so). */
  timeoutMs?: number;
}

/** Run `git <args>` in `cwd`; resolves for any exit status, rejects only when git cannot be run at all. */
export function runGit(cwd: string, args: string[], o: RunGitOptions = {}): Promise<GitResult & { code: number | null }> {
  return new Promise((resolve, reject) => {
    const opts = {
      cwd,
      encoding: 'utf8' as const,
      maxBuffer: MAX_BUFFER,
      windowsHide: true,
      ...(o.env ? { env: { ...process.env, ...o.env } } : {}),
      ...(o.timeoutMs ? { timeout: o.timeoutMs, killSignal: 'SIGKILL' as const } : {}),
    };
    const child = execFile('git', args, opts, (err, stdout, stderr) => {
      if (!err) return resolve({ ok: true, code: 0, stdout, stderr });
      const code = (err as NodeJS.ErrnoException).code;
      if (o.timeoutMs && err.killed) {
        return resolve({ ok: false, code: null, stdout, stderr: `git ${args[0] ?? ''} did not finish within ${Math.round(o.timeoutMs / 1000)} s and was stopped` });
      }
      if (typeof code === 'number' || (code === undefined && err.signal)) {
        return resolve({ ok: false, code: typeof code === 'number' ? code : null, stdout, stderr: stderr || `git was killed by ${err.signal}` });
      }
      if (code === 'ENOENT' && !stderr) {
        return reject(new ToolError(`git could not be started in ${cwd} (the folder is gone or git is not installed).`));
      }
      reject(new ToolError(`git ${args[0] ?? ''} failed: ${err.message}`));
    });
    child.stdin?.on('error', () => {}); // git may exit before reading its input; its exit status says what happened
    child.stdin?.end(o.input ?? '');
  });
}

/** `git <args>` in `cwd`, waited for (for the few callers that must stay synchronous); never throws. */
export function gitSync(cwd: string, args: string[]): GitResult {
  try {
    const stdout = execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: MAX_BUFFER, windowsHide: true, stdio: ['ignore', 'pipe', 'pipe'] });
    return { ok: true, stdout, stderr: '' };
  } catch (e) {
    const err = e as { stderr?: string | Buffer; message: string };
    return { ok: false, stdout: '', stderr: String(err.stderr ?? '').trim() || err.message };
  }
}

/** The work tree's top folder around `dir`; null outside git. */
export function topLevelSync(dir: string): string | null {
  const r = gitSync(dir, ['rev-parse', '--show-toplevel']);
  return r.ok ? r.stdout.trim() : null;
}

/** The git dir shared by all worktrees of the repo around `dir` (absolute); null outside git. */
export function commonDirSync(dir: string): string | null {
  const r = gitSync(dir, ['rev-parse', '--path-format=absolute', '--git-common-dir']);
  return r.ok ? r.stdout.trim() : null;
}

export class Git {
  /** `env`: added to every command's environment (GIT_INDEX_FILE for a scratch index). */
  constructor(
    readonly cwd: string,
    private readonly env?: Record<string, string>,
  ) {}

  /** Run one git command; never throws for a non-zero exit. */
  async try(args: string[]): Promise<GitResult> {
    const r = await runGit(this.cwd, args, this.env ? { env: this.env } : {});
    return { ok: r.ok, stdout: r.ok ? r.stdout : '', stderr: r.ok ? r.stderr : r.stderr.trim() || `git exited with ${r.code}` };
  }

  /** Run one git command; throws on failure (a fault of the tool or the repo). */
  async raw(args: string[]): Promise<string> {
    const r = await runGit(this.cwd, args, this.env ? { env: this.env } : {});
    if (r.ok) return r.stdout;
    const why = r.stderr.trim() || r.stdout.trim();
    const sub = args.find((a, i) => !a.startsWith('-') && args[i - 1] !== '-c') ?? '';
    throw new ToolError(`git ${sub} exited with ${r.code ?? 'a signal'}${why ? `: ${why.split('\n')[0]}` : ''}`, why || undefined);
  }

  async topLevel(): Promise<string | null> {
    const r = await this.try(['rev-parse', '--show-toplevel']);
    return r.ok ? r.stdout.trim() : null;
  }
  async commonDir(): Promise<string> {
    return (await this.raw(['rev-parse', '--path-format=absolute', '--git-common-dir'])).trim();
  }
  async head(): Promise<string | null> {
    const r = await this.try(['rev-parse', '--verify', '-q', 'HEAD']);
    return r.ok ? r.stdout.trim() : null;
  }
  async resolve(rev: string): Promise<string | null> {
    const r = await this.try(['rev-parse', '--verify', '-q', rev + '^{commit}']);
    return r.ok ? r.stdout.trim() : null;
  }
  /**
   * The work tree's top folder, HEAD's commit and its branch (null when detached) in one spawn; null on an
   * unborn HEAD. `--symbolic-full-name` applies to the revisions after it, so HEAD is named twice.
   */
  async where(): Promise<{ top: string; head: string; branch: string | null } | null> {
    const r = await this.try(['rev-parse', '--show-toplevel', 'HEAD', '--symbolic-full-name', 'HEAD']);
    const [top, head, ref] = r.stdout.split('\n');
    if (!r.ok || !top || !head || ref === undefined) return null;
    return { top, head, branch: ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : null };
  }
  async currentBranch(): Promise<string | null> {
    const r = await this.try(['symbolic-ref', '--short', '-q', 'HEAD']);
    return r.ok ? r.stdout.trim() : null;
  }
  async branchExists(name: string): Promise<boolean> {
    return (await this.try(['show-ref', '--verify', '--quiet', 'refs/heads/' + name])).ok;
  }
  async validBranchName(name: string): Promise<boolean> {
    return (await this.try(['check-ref-format', '--branch', name])).ok;
  }
  async checkoutNewBranch(name: string, from: string): Promise<void> {
    await this.raw(['checkout', '-q', '-b', name, from]);
  }
  async checkout(name: string): Promise<void> {
    await this.raw(['checkout', '-q', name]);
  }
  /** Tracked files changed in the index or work tree (untracked excluded). */
  async dirtyTracked(): Promise<string[]> {
    const out = await this.raw(['status', '--porcelain=v1', '-z', '--untracked-files=no']);
    return parsePorcelainZ(out);
  }
  /** Files that differ between `commit` and the work tree (tracked, staged or not). */
  async changedSince(commit: string): Promise<string[]> {
    const out = await this.raw(['diff', '--name-only', '-z', '--no-renames', commit, '--']);
    return out.split('\0').filter(Boolean);
  }
  async untracked(): Promise<string[]> {
    const out = await this.raw(['ls-files', '--others', '--exclude-standard', '-z']);
    return out.split('\0').filter(Boolean);
  }
  async add(paths: string[]): Promise<void> {
    if (paths.length) await this.raw(['add', '-A', '--', ...paths]);
  }
  async commit(message: string): Promise<string> {
    const ident = await this.identityArgs();
    await this.raw([...ident, 'commit', '-q', '--no-verify', '--allow-empty-message', '-m', message]);
    return (await this.head())!;
  }
  /**
   * Commit tracked `paths` as they are in the working tree (no `add`, nothing else staged goes in), without the
   * auto maintenance a commit starts: for a scratch checkout of one run, where every spawn is time waited.
   */
  async commitPaths(paths: string[], message: string): Promise<string> {
    const ident = await this.identityArgs();
    await this.raw([...ident, '-c', 'maintenance.auto=false', 'commit', '-q', '--no-verify', '--allow-empty-message', '-m', message, '--', ...paths]);
    return (await this.head())!;
  }
  async resetHard(commit: string): Promise<void> {
    await this.raw(['reset', '-q', '--hard', commit]);
  }
  async resetSoft(commit: string): Promise<void> {
    await this.raw(['reset', '-q', '--soft', commit]);
  }
  /** Branch and index to `commit`, the working tree untouched (what was committed or staged becomes an unstaged edit). */
  async resetMixed(commit: string): Promise<void> {
    await this.raw(['reset', '-q', '--mixed', commit]);
  }
  async isAncestor(a: string, b: string): Promise<boolean> {
    return (await this.try(['merge-base', '--is-ancestor', a, b])).ok;
  }
  async numstat(a: string, b: string): Promise<{ added: number; removed: number }> {
    const out = await this.raw(['diff', '--numstat', '--no-renames', a, b, '--']);
    let added = 0;
    let removed = 0;
    for (const line of out.split('\n')) {
      const [x, y] = line.split('\t');
      if (x && x !== '-') added += Number(x) || 0;
      if (y && y !== '-') removed += Number(y) || 0;
    }
    return { added, removed };
  }
  async updateRef(ref: string, sha: string): Promise<void> {
    await this.raw(['update-ref', ref, sha]);
  }
  /** A new commit object with the tree of `commit` (or a tree itself) on `parents` (no ref moves, no work tree or index touched). */
  async commitTree(commit: string, parents: string[], message: string): Promise<string> {
    const ident = await this.identityArgs();
    const p = parents.flatMap((x) => ['-p', x]);
    return (await this.raw([...ident, 'commit-tree', `${commit}^{tree}`, ...p, '-m', message])).trim();
  }
  /**
   * Move refs in one transaction: all or none. `old` is what each must hold now ('' = must not exist,
   * undefined = anything), so a ref someone else moved meanwhile fails the whole update.
   */
  async updateRefs(updates: { ref: string; sha: string; old?: string }[], reason: string): Promise<GitResult> {
    const lines = updates.map((u) => `update ${u.ref} ${u.sha}${u.old !== undefined ? ` ${u.old || '0'.repeat(40)}` : ''}`);
    const r = await runGit(this.cwd, ['update-ref', '-m', reason, '--stdin'], { input: [...lines, ''].join('\n') });
    return { ok: r.ok, stdout: r.stdout, stderr: r.stderr.trim() };
  }
  /** `git push <remote> <refspecs>`, never forced, no prompts; a failure is returned, not thrown. */
  async push(remote: string, refspecs: string[], timeoutMs: number): Promise<GitResult> {
    const r = await runGit(this.cwd, ['push', '--porcelain', '--no-verify', remote, ...refspecs], {
      env: { GIT_TERMINAL_PROMPT: '0', GCM_INTERACTIVE: 'never' },
      timeoutMs,
    });
    return { ok: r.ok, stdout: r.stdout, stderr: r.stderr.trim() };
  }
  /** `git merge-tree --write-tree ours theirs`: the merged tree, or null when the two conflict (their merge base is the cherry-pick's base on a linear branch). */
  async mergeTree(ours: string, theirs: string): Promise<string | null> {
    const r = await runGit(this.cwd, ['merge-tree', '--write-tree', '--no-messages', ours, theirs]);
    if (r.ok) return r.stdout.split('\n')[0]!.trim();
    if (r.code === 1) return null;
    throw new ToolError(`git merge-tree exited with ${r.code ?? 'a signal'}: ${r.stderr.trim().split('\n')[0] ?? ''}`);
  }
  /** `git rev-parse <commit>^{tree}`. */
  async treeOf(commit: string): Promise<string> {
    return (await this.raw(['rev-parse', `${commit}^{tree}`])).trim();
  }
  /** `git read-tree <commit>` into the index (a scratch one, with GIT_INDEX_FILE in env). */
  async readTree(commit: string): Promise<void> {
    await this.raw(['read-tree', commit]);
  }
  async writeTree(): Promise<string> {
    return (await this.raw(['write-tree'])).trim();
  }
  /** Files `b` adds that `a` lacks. */
  async addedFiles(a: string, b: string): Promise<string[]> {
    const out = await this.raw(['diff', '--name-only', '-z', '--no-renames', '--diff-filter=A', a, b, '--']);
    return out.split('\0').filter(Boolean);
  }
  /** `git checkout --detach --force <commit>` (a slot's own worktree: nothing of anyone's is in it). */
  async checkoutDetached(commit: string): Promise<void> {
    await this.raw(['checkout', '-q', '--detach', '--force', commit]);
  }
  async deleteRef(ref: string): Promise<void> {
    await this.try(['update-ref', '-d', ref]);
  }
  /** Subject and body of a commit. */
  async message(commit: string): Promise<string> {
    return (await this.raw(['log', '-1', '--format=%B', commit])).replace(/\n+$/, '');
  }
  async restore(commit: string, paths: string[]): Promise<void> {
    if (paths.length) await this.raw(['checkout', '-q', commit, '--', ...paths]);
  }
  /** A branch at `at`, without checking it out. */
  async createBranch(name: string, at: string): Promise<void> {
    await this.raw(['branch', '--no-track', name, at]);
  }
  /** The bytes of `file` as `commit` has it; null when it has no such file. */
  blob(commit: string, file: string): Promise<Buffer | null> {
    return new Promise((resolve) => {
      execFile('git', ['cat-file', 'blob', `${commit}:${file}`], { cwd: this.cwd, encoding: 'buffer', maxBuffer: MAX_BUFFER, windowsHide: true }, (err, stdout) =>
        resolve(err ? null : stdout),
      );
    });
  }
  async lsTree(commit: string, paths: string[]): Promise<string[]> {
    const out = await this.raw(['ls-tree', '-z', '--name-only', commit, '--', ...paths]);
    return out.split('\0').filter(Boolean);
  }

  private identity: string[] | null = null;
  /** A repo without user.name/email still gets commits, signed as the tool. */
  private async identityArgs(): Promise<string[]> {
    if (this.identity) return this.identity;
    const [name, email] = await Promise.all([this.try(['config', 'user.name']), this.try(['config', 'user.email'])]);
    this.identity = [];
    if (!name.ok || !name.stdout.trim()) this.identity.push('-c', 'user.name=autoresearch');
    if (!email.ok || !email.stdout.trim()) this.identity.push('-c', 'user.email=autoresearch@localhost');
    return this.identity;
  }
}

function parsePorcelainZ(out: string): string[] {
  const parts = out.split('\0');
  const files: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.length < 4) continue;
    files.push(p.slice(3));
    if (p[0] === 'R' || p[0] === 'C') i++; // the next field is the rename source
  }
  return files;
}
