import { describe, it, expect, afterAll } from 'vitest';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { jobRepo, cli, git, cleanupRepos } from '../helpers/repo.js';

// Pushing every finding, against a bare repository on disk as the remote.

const dirs: string[] = [];
afterAll(() => {
  cleanupRepos();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const SOCKET = `ar-push-test-${process.pid}`; // status looks at tmux: a private socket with nothing on it
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function bareRemote(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'ar-remote-'));
  dirs.push(d);
  const bare = path.join(d, 'remote.git');
  git(d, ['init', '-q', '--bare', bare]);
  return bare;
}
const refuse = (bare: string) => {
  writeFileSync(path.join(bare, 'hooks', 'pre-receive'), '#!/bin/sh\necho "this remote is read-only" >&2\nexit 1\n');
  chmodSync(path.join(bare, 'hooks', 'pre-receive'), 0o755);
};
const remoteRef = (bare: string, ref = 'refs/heads/autoresearch/t1') => {
  try {
    return git(bare, ['rev-parse', '--verify', '-q', ref]);
  } catch {
    return null;
  }
};
const pushState = (repo: string) => {
  const f = path.join(repo, '.autoresearch', 't1', 'push.json');
  return existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : null;
};
const setX = (repo: string, x: string) => {
  const f = path.join(repo, 'train.py');
  writeFileSync(f, readFileSync(f, 'utf8').replace(/^X = .*$/m, `X = ${x}`));
};

/** A keep's push runs in a process of its own: wait until one newer than `after` has ended. */
async function pushed(repo: string, after: string | null): Promise<{ ok: boolean; error: string | null; pushed: string | null }> {
  for (let i = 0; i < 600; i++) {
    const s = pushState(repo);
    if (s && s.at !== after && !existsSync(path.join(repo, '.autoresearch', 't1', 'push.lock'))) return s;
    await sleep(50);
  }
  throw new Error('no push happened');
}

async function run(repo: string, x: string, status: string) {
  setX(repo, x);
  const before = pushState(repo)?.at ?? null;
  const r = await cli(['run', '-m', `X=${x}`], { cwd: repo });
  expect(r.exitCode, r.all).toBe(0);
  expect(r.stdout).toMatch(new RegExp(`^status: +${status}`, 'm'));
  return { r, before };
}

async function setUp(cfg: Record<string, unknown> = {}, remote: (bare: string) => void = () => {}) {
  const bare = bareRemote();
  remote(bare);
  const repo = jobRepo('summary.py', { budget_seconds: 15, git: { push: bare, ...cfg } });
  const init = await cli(['init', '--tag', 't1'], { cwd: repo });
  expect(init.exitCode, init.all).toBe(0);
  return { repo, bare, init };
}

describe('push after every keep', () => {
  it('pushes the kept commit after keeps only; discards and crashes push nothing', async () => {
    const { repo, bare, init } = await setUp();
    // init pushed the baseline: the branch is on the remote from the start of the night.
    expect(init.stdout).toMatch(/^Pushed autoresearch\/t1 \(the baseline\) to .*remote\.git\.$/m);
    const base = git(repo, ['rev-parse', 'HEAD']);
    expect(remoteRef(bare)).toBe(base);
    expect(pushState(repo)).toMatchObject({ ok: true, pushed: base });
    const atInit = pushState(repo).at;
    await run(repo, '0.5', 'discard');
    await sleep(300);
    expect(pushState(repo).at).toBe(atInit);
    expect(remoteRef(bare)).toBe(base);
    const { r, before } = await run(repo, '2.0', 'keep');
    expect(r.stdout).toMatch(/^push: +to .*remote\.git in the background$/m);
    expect((await pushed(repo, before)).ok).toBe(true);
    const kept = git(repo, ['rev-parse', 'HEAD']);
    expect(remoteRef(bare)).toBe(kept);
    expect(git(bare, ['log', '-1', '--format=%s', 'autoresearch/t1'])).toBe('keep: X=2.0 (val_bpb 1.1000, -0.3000)');
    const at = pushState(repo).at;
    await run(repo, 'oops(', 'crash');
    await run(repo, '1.5', 'discard');
    await sleep(300);
    expect(pushState(repo).at).toBe(at);
    expect(remoteRef(bare)).toBe(kept);
    // Only the branch: the runs' refs stay local unless push_refs.
    expect(git(bare, ['for-each-ref', 'refs/autoresearch/'])).toBe('');
  }, 180_000);

  it('a refusing remote never blocks a run: recorded, logged, in status and the report; the next keep pushes it all', async () => {
    // Refusing from the start: init records the baseline and says the push failed.
    const { repo, bare, init } = await setUp({ push_refs: true }, refuse);
    expect(init.stdout).toMatch(/^The push to .*remote\.git failed: the remote refused: \(pre-receive hook declined\).*; the next keep pushes again\.$/m);
    expect(readFileSync(path.join(repo, 'results.tsv'), 'utf8').trim().split('\n')).toHaveLength(2);
    let { before } = await run(repo, '2.0', 'keep');
    let s = await pushed(repo, before);
    expect(s).toMatchObject({ ok: false, pushed: null });
    expect(s.error).toMatch(/the remote refused: \(pre-receive hook declined\)/);
    ({ before } = await run(repo, '2.5', 'keep'));
    s = await pushed(repo, before);
    expect(s.ok).toBe(false);
    expect(readFileSync(path.join(repo, 'results.tsv'), 'utf8').trim().split('\n')).toHaveLength(4);
    expect(readFileSync(path.join(repo, '.autoresearch', 't1', 'ar.log'), 'utf8')).toMatch(/push failed/);
    const st = await cli(['status'], { cwd: repo, env: { AR_TMUX_SOCKET: SOCKET } });
    expect(st.stdout).toMatch(/^t1: pushing to .*remote\.git fails since \d\d:\d\d \(2 kept runs not on it\): the remote refused/m);
    const rep = await cli(['report'], { cwd: repo });
    expect(rep.exitCode, rep.all).toBe(0);
    const md = readFileSync(path.join(repo, '.autoresearch', 't1', 'report', 'report.md'), 'utf8');
    expect(md).toMatch(/## Pushed to the remote\n\n2 kept runs never reached .*remote\.git:\n\n- #2 `\w{7}` X=2\.0\n- #3 `\w{7}` X=2\.5\n\nThe last push failed/);
    const r = await cli(['run', '-m', 'same again'], { cwd: repo });
    expect(r.stdout).toMatch(/^status: +discard/m); // a rerun of the kept commit pushes nothing

    rmSync(path.join(bare, 'hooks', 'pre-receive'));
    ({ before } = await run(repo, '3.0', 'keep'));
    s = await pushed(repo, before);
    expect(s.ok).toBe(true);
    const head = git(repo, ['rev-parse', 'HEAD']);
    expect(remoteRef(bare)).toBe(head);
    expect(git(bare, ['log', '--format=%s', 'autoresearch/t1']).split('\n').slice(0, 3)).toEqual([
      'keep: X=3.0 (val_bpb 1.0000, -0.0250)',
      'keep: X=2.5 (val_bpb 1.0250, -0.0750)',
      'keep: X=2.0 (val_bpb 1.1000, -0.3000)',
    ]);
    // push_refs: every recorded run's ref, as the ledger names it.
    const recs = readFileSync(path.join(repo, '.autoresearch', 't1', 'runs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    for (const rec of recs) expect(remoteRef(bare, `refs/autoresearch/t1/${rec.id}`)).toBe(rec.commit);
    const st2 = await cli(['status'], { cwd: repo, env: { AR_TMUX_SOCKET: SOCKET } });
    expect(st2.stdout).not.toMatch(/pushing/);
    await cli(['report'], { cwd: repo });
    expect(readFileSync(path.join(repo, '.autoresearch', 't1', 'report', 'report.md'), 'utf8')).toMatch(/Every kept run is on .*remote\.git\./);
  }, 180_000);

  it('a deleted remote, then one that moved: never forced, and the run always recorded', async () => {
    const { repo, bare } = await setUp();
    rmSync(bare, { recursive: true, force: true });
    let { before } = await run(repo, '2.0', 'keep');
    let s = await pushed(repo, before);
    expect(s.ok).toBe(false);
    expect(s.error).toMatch(/does not appear to be a git repository|not a git repository/);
    git(path.dirname(bare), ['init', '-q', '--bare', bare]); // back again, empty
    ({ before } = await run(repo, '2.5', 'keep'));
    expect((await pushed(repo, before)).ok).toBe(true);
    expect(remoteRef(bare)).toBe(git(repo, ['rev-parse', 'HEAD']));

    // Someone else pushes onto the branch: ours is no longer a fast-forward and is never forced over it.
    const other = mkdtempSync(path.join(tmpdir(), 'ar-other-'));
    dirs.push(other);
    git(other, ['clone', '-q', '-b', 'autoresearch/t1', bare, 'c']);
    const c = path.join(other, 'c');
    git(c, ['-c', 'user.name=O', '-c', 'user.email=o@x', 'commit', '-q', '--allow-empty', '-m', 'someone else']);
    git(c, ['push', '-q', 'origin', 'autoresearch/t1']);
    const theirs = git(c, ['rev-parse', 'HEAD']);
    ({ before } = await run(repo, '3.0', 'keep'));
    s = await pushed(repo, before);
    expect(s.ok).toBe(false);
    expect(s.error).toMatch(/^rejected: the remote's branch has commits this one lacks/);
    expect(remoteRef(bare)).toBe(theirs);
    const rows = readFileSync(path.join(repo, 'results.tsv'), 'utf8').trim().split('\n');
    expect(rows.at(-1)).toMatch(/\tkeep\tX=3\.0$/);
    // By hand, now: the same push, the same answer, exit 1.
    const p = await cli(['push'], { cwd: repo });
    expect(p.exitCode).toBe(1);
    expect(p.stdout).toMatch(/The push to .* failed: rejected.*\n1 kept run is not on the remote/);
  }, 180_000);

  it('--push on run; a bad remote is refused before anything runs', async () => {
    const bare = bareRemote();
    const repo = jobRepo('summary.py', { budget_seconds: 15 });
    await cli(['init', '--tag', 't1'], { cwd: repo });
    setX(repo, '2.0');
    const bad = await cli(['run', '-m', 'x', '--push=--upload-pack=touch'], { cwd: repo });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/^ar-supervise: --push must be a git remote/);
    expect(readFileSync(path.join(repo, 'results.tsv'), 'utf8').trim().split('\n')).toHaveLength(2);
    const r = await cli(['run', '-m', 'X=2', '--push', bare], { cwd: repo });
    expect(r.stdout).toMatch(/^status: +keep/m);
    expect((await pushed(repo, null)).ok).toBe(true);
    expect(remoteRef(bare)).toBe(git(repo, ['rev-parse', 'HEAD']));
  }, 180_000);

  it('a sweep pushes alongside its runs and waits for the last push before it ends', async () => {
    const bare = bareRemote();
    const repo = jobRepo('summary.py', { budget_seconds: 15 }, { 'grid.yaml': 'strategy: grid\nparameters:\n  X: [2.0, 3.0, 0.0]\n' });
    expect((await cli(['init', '--tag', 't1'], { cwd: repo })).exitCode).toBe(0);
    const r = await cli(['sweep', 'grid.yaml', '--push', bare], { cwd: repo });
    expect(r.exitCode, r.all).toBe(0);
    const head = git(repo, ['rev-parse', 'HEAD']);
    expect(r.stdout).toContain(`Pushed ${head.slice(0, 7)} to ${bare}.`);
    expect(remoteRef(bare)).toBe(head);
    expect(git(bare, ['log', '-1', '--format=%s', 'autoresearch/t1'])).toBe('keep: X=3.0 (val_bpb 1.0000, -0.1000)');
  }, 180_000);
});
