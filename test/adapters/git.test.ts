import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Git, runGit } from '../../src/adapters/git.js';
import { ToolError } from '../../src/errors.js';
import { cleanupRepos, git, makeRepo } from '../helpers/repo.js';

afterAll(cleanupRepos);

describe('git adapter (real git)', () => {
  it('where(): top folder, HEAD and branch in one call; null branch when detached; null on an unborn HEAD', async () => {
    const repo = makeRepo({ 'a.txt': 'a\n', 'sub/b.txt': 'b\n' });
    const head = git(repo, ['rev-parse', 'HEAD']);
    expect(await new Git(path.join(repo, 'sub')).where()).toEqual({ top: repo, head, branch: 'main' });
    git(repo, ['checkout', '-q', '-b', 'autoresearch/x']);
    expect((await new Git(repo).where())?.branch).toBe('autoresearch/x');
    git(repo, ['checkout', '-q', '--detach']);
    expect(await new Git(repo).where()).toEqual({ top: repo, head, branch: null });

    git(repo, ['checkout', '-q', '--orphan', 'fresh']);
    expect(await new Git(repo).where()).toBeNull();
    expect(await new Git(repo).currentBranch()).toBe('fresh');
  });

  it('try() reports a non-zero exit with nothing on stderr as a failure; raw() throws a ToolError naming the command', async () => {
    const repo = makeRepo({ 'a.txt': 'a\n' });
    const g = new Git(repo);
    expect((await g.try(['show-ref', '--verify', '--quiet', 'refs/heads/nope'])).ok).toBe(false);
    expect((await g.try(['show-ref', '--verify', '--quiet', 'refs/heads/main'])).ok).toBe(true);
    const err = await g.raw(['checkout', '-q', 'no-such-branch']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolError);
    expect((err as Error).message).toMatch(/^git checkout exited with 1: error: pathspec 'no-such-branch'/);
  });

  it('keeps output untrimmed, commits and counts lines', async () => {
    const repo = makeRepo({ 'a.txt': 'a\n' });
    const g = new Git(repo);
    expect(await g.raw(['rev-parse', '--abbrev-ref', 'HEAD'])).toBe('main\n');
    writeFileSync(path.join(repo, 'a.txt'), 'a\nb\nc\n');
    await g.add(['a.txt']);
    const parent = (await g.head())!;
    const c = await g.commit('two lines');
    expect(c).not.toBe(parent);
    expect(await g.numstat(parent, c)).toEqual({ added: 2, removed: 0 });
    expect(git(repo, ['log', '-1', '--format=%an %s'])).toBe('Test two lines');
  });

  it('runGit rejects with one sentence when the folder is gone', async () => {
    await expect(runGit('/nonexistent/ar-test-folder', ['status'])).rejects.toThrow(/git could not be started in \/nonexistent\/ar-test-folder/);
  });
});
