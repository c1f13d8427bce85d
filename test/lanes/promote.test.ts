// promote (onto a lane as an honest experiment, or onto a branch), the merged report, and kill --clean's safety,
// on real git worktrees made by the lanes code (no tmux, no agent: runs go through the engine directly).
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Tmux } from '../../src/adapters/tmux.js';
import { loadConfig } from '../../src/config.js';
import { initTag } from '../../src/engine/init.js';
import { runExperiment } from '../../src/engine/step.js';
import { readRecords } from '../../src/engine/records.js';
import { UsageError } from '../../src/errors.js';
import { readManifest } from '../../src/lanes/manifest.js';
import { laneCount } from '../../src/lanes/names.js';
import { promote } from '../../src/lanes/promote.js';
import { buildLanesReport } from '../../src/lanes/report.js';
import { prepareLanes } from '../../src/lanes/start.js';
import { killSessionsAndLanes as killSessions } from '../../src/lanes/control.js';
import { cleanupRepos, cli, git, makeRepo } from '../helpers/repo.js';

afterAll(() => cleanupRepos());

// The metric follows LR in the file: a higher LR is better, so an edit can win or lose deterministically.
const TRAIN = 'LR = 0.001\nprint("---")\nprint(f"val_bpb:          {1.0 - LR:.6f}")\nprint("training_seconds: 0.1")\n';
const tmux = new Tmux(`artest-${process.pid}-promote`);

function setLr(wt: string, lr: string): void {
  const f = path.join(wt, 'train.py');
  writeFileSync(f, readFileSync(f, 'utf8').replace(/^LR = .*$/m, `LR = ${lr}`));
}

describe('promote and kill --clean (real git worktrees)', () => {
  it("carries a lane's best onto another lane as an experiment, or onto a branch; --clean archives, refuses to lose kept commits", async () => {
    const repo = makeRepo({ 'train.py': TRAIN, 'prepare.py': '# read-only\n', 'autoresearch.yaml': 'command: python3 train.py\nbudget_seconds: 5\n' });
    // A data folder the repo ignores: linked into each lane's worktree.
    writeFileSync(path.join(repo, '.gitignore'), '.cache/\n');
    git(repo, ['add', '.gitignore']);
    git(repo, ['commit', '-qm', 'ignore the cache']);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(path.join(repo, '.cache'));
    writeFileSync(path.join(repo, '.cache', 'data.bin'), 'data');

    const { manifest, lanes } = await prepareLanes(repo, 'pr', laneCount(2));
    expect(manifest.lanes.map((l) => l.name)).toEqual(['lane0', 'lane1']);
    const [a, b] = lanes as [(typeof lanes)[0], (typeof lanes)[0]];
    expect(readFileSync(path.join(a.worktree, '.cache', 'data.bin'), 'utf8')).toBe('data');
    for (const l of lanes) await initTag(l.worktree, l.tag, { baseline: true, lane: l.name, env: l.env });
    expect(git(a.worktree, ['status', '--porcelain'])).toBe(''); // the data link and our files stay out of git
    const config = loadConfig(b.worktree);

    // lane1 finds a better LR; lane0 has only its baseline.
    setLr(b.worktree, '0.004');
    const win = await runExperiment({ repo: b.worktree, tag: b.tag, config, description: 'raise LR to 0.004' });
    expect(win.record).toMatchObject({ status: 'keep', value: 0.996, lane: 'lane1' });
    const short = win.record.commit.slice(0, 7);

    // Refusals: no destination, both, unknown lanes, the source itself, a lane whose agent is mid-edit.
    await expect(promote({ cwd: repo, source: 'pr:lane1' })).rejects.toThrow(/--to <lane>.*--branch <name>/);
    await expect(promote({ cwd: repo, source: 'pr:lane9', to: 'pr:lane0' })).rejects.toThrow('there is no lane pr:lane9 (lanes of pr: lane0, lane1).');
    await expect(promote({ cwd: repo, source: 'pr:lane1', to: 'lane1' })).rejects.toThrow(/is the source itself/);
    await expect(promote({ cwd: repo, source: 'nonsense', to: 'lane0' })).rejects.toThrow(/neither a lane .* nor a commit/);
    setLr(a.worktree, '0.002');
    await expect(promote({ cwd: repo, source: 'pr:lane1', to: 'pr:lane0' })).rejects.toThrow(/pr:lane0 has uncommitted edits \(train\.py\)/);
    expect(readFileSync(path.join(a.worktree, 'train.py'), 'utf8')).toMatch(/^LR = 0\.002$/m); // the agent's edit is untouched
    git(a.worktree, ['checkout', '--', 'train.py']);

    // Onto lane0: an experiment there, on its last kept commit, judged by its own best; run from inside a lane works too.
    const lines: string[] = [];
    const r = await promote({ cwd: b.worktree, source: 'lane1', to: 'pr:lane0', out: (l) => lines.push(l) });
    expect(r.kind).toBe('lane');
    if (r.kind !== 'lane') throw new Error('unreachable');
    expect(r.description).toBe(`promote lane1 best ${short}`);
    expect(r.result.record).toMatchObject({ status: 'keep', value: 0.996, lane: 'lane0', tag: 'pr-lane0', description: `promote lane1 best ${short}` });
    expect(lines.join('\n')).toContain(`Promoting pr:lane1's best (val_bpb 0.996000, ${short}: raise LR to 0.004) onto pr:lane0`);
    expect(readFileSync(path.join(a.worktree, 'train.py'), 'utf8')).toMatch(/^LR = 0\.004$/m);
    expect(git(a.worktree, ['log', '-1', '--format=%s'])).toMatch(new RegExp(`^keep: promote lane1 best ${short} \\(val_bpb 0\\.9960, -`));
    expect(readFileSync(path.join(a.worktree, 'results.tsv'), 'utf8')).toContain(`keep\tpromote lane1 best ${short}`);
    expect(readRecords(b.worktree, b.tag).records).toHaveLength(2); // the source lane is not touched
    // Again: nothing left to carry over.
    await expect(promote({ cwd: repo, source: 'pr:lane1', to: 'pr:lane0' })).rejects.toThrow(/nothing to promote/);

    // A worse commit promoted is discarded and reverted like any idea.
    setLr(b.worktree, '0.0001');
    const lose = await runExperiment({ repo: b.worktree, tag: b.tag, config, description: 'tiny LR' });
    expect(lose.record.status).toBe('discard');
    const bad = await promote({ cwd: repo, source: lose.record.commit, to: 'pr:lane0' });
    expect(bad.kind === 'lane' && bad.result.record).toMatchObject({ status: 'discard', description: `promote ${lose.record.commit.slice(0, 7)}` });
    expect(readFileSync(path.join(a.worktree, 'train.py'), 'utf8')).toMatch(/^LR = 0\.004$/m);

    // Onto a branch.
    const br = await promote({ cwd: repo, source: 'pr:lane1', branch: 'night-best' });
    expect(br).toMatchObject({ kind: 'branch', branch: 'night-best', commit: win.record.commit });
    expect(git(repo, ['rev-parse', 'night-best'])).toBe(win.record.commit);
    await expect(promote({ cwd: repo, source: 'pr:lane1', branch: 'night-best' })).rejects.toThrow(/already exists/);
    await expect(promote({ cwd: repo, source: 'pr:lane1', branch: 'bad..name' })).rejects.toBeInstanceOf(UsageError);

    // The merged report: every lane's runs, the best across lanes.
    const rep = await buildLanesReport({ cwd: repo, session: 'pr', laneReports: false });
    expect(rep.model.counts).toEqual({ runs: 6, keep: 4, discard: 2, crash: 0 });
    expect(rep.model.best).toMatchObject({ value: 0.996 });
    expect(rep.model.lanes.map((l) => [l.name, l.runs, l.baseline, l.best?.value])).toEqual([
      ['lane0', 3, 0.999, 0.996],
      ['lane1', 3, 0.999, 0.996],
    ]);
    expect(rep.markdown).toMatch(/\| lane1 \| - \| 3 \| 2 \| 1 \| 0 \| 0\.999000 \| 0\.996000 \| -0\.003000 \|/);
    expect(readFileSync(rep.paths.tsv, 'utf8').split('\n')[0]).toBe('lane\trun\tstart\tcommit\tval_bpb\tmemory_gb\tstatus\tdescription');
    expect(readFileSync(rep.paths.svg, 'utf8')).toContain('<path class="best"');
    expect(readFileSync(rep.paths.png).subarray(1, 4).toString()).toBe('PNG');
    // The same through the CLI: `report --session` and `report --tag <lane set>` give the merged view.
    for (const args of [['report', '--session', 'pr', '--json'], ['report', '--tag', 'pr', '--json']]) {
      const viaCli = await cli(args, { cwd: repo });
      expect(viaCli.exitCode, viaCli.all).toBe(0);
      expect(JSON.parse(viaCli.stdout).counts).toEqual({ runs: 6, keep: 4, discard: 2, crash: 0 });
    }

    // kill --clean: lane0's kept commits sit on no branch (its branch was moved back by hand): refused without --force.
    git(a.worktree, ['reset', '-q', '--hard', manifest.base]);
    setLr(b.worktree, '0.003'); // lane1 has an idea in progress: archived as a patch, not a reason to refuse
    const first = await killSessions(tmux, { name: 'pr', clean: true, cwd: repo });
    expect(first).toEqual([
      expect.stringMatching(/^Not removed pr:lane0: kept commit [0-9a-f]{7} is on no branch or tag in .*; --force removes it anyway\.$/),
      `Removed pr:lane1's worktree; ledger and state archived in ${path.join(repo, '.autoresearch', 'pr-lane1')}; branch autoresearch/pr-lane1 kept.`,
    ]);
    expect(existsSync(a.worktree)).toBe(true);
    expect(existsSync(b.worktree)).toBe(false);
    const arch = path.join(repo, '.autoresearch', 'pr-lane1');
    expect(readFileSync(path.join(arch, 'runs.jsonl'), 'utf8').trim().split('\n')).toHaveLength(3);
    expect(readFileSync(path.join(arch, 'results.tsv'), 'utf8')).toContain('raise LR to 0.004');
    expect(readFileSync(path.join(arch, 'uncommitted.diff'), 'utf8')).toContain('+LR = 0.003');
    expect(existsSync(path.join(repo, '.cache', 'data.bin'))).toBe(true); // the link went, not the data
    const forced = await killSessions(tmux, { name: 'pr:lane0', clean: true, force: true, cwd: repo });
    expect(forced).toEqual([expect.stringMatching(/^Removed pr:lane0's worktree/)]);
    expect(git(repo, ['worktree', 'list']).split('\n')).toHaveLength(1);
    expect(readManifest(repo, 'pr')!.lanes.every((l) => l.removed && l.archive)).toBe(true);
    expect(git(repo, ['branch', '--list', 'autoresearch/pr-*']).split('\n')).toHaveLength(2);
    // The merged report still reads both lanes, from their archives.
    expect((await buildLanesReport({ cwd: repo, session: 'pr', laneReports: false })).model.counts.runs).toBe(6);
    expect(git(repo, ['status', '--porcelain'])).toBe('');

    // Starting the lanes again brings a cleaned lane back on its branch, with its ledger.
    const again = await prepareLanes(repo, 'pr', laneCount(2));
    expect(readRecords(again.lanes[1]!.worktree, 'pr-lane1').records).toHaveLength(3);
    expect(git(again.lanes[1]!.worktree, ['branch', '--show-current'])).toBe('autoresearch/pr-lane1');
    expect(readManifest(repo, 'pr')!.lanes.some((l) => l.removed)).toBe(false);
  }, 150_000); // many git worktrees and runs: 45 s at load 12 on 2 cores
});
