// `--session` on a tag made by `import`: the supervisor resumes it and the agent's runs go on from the night's last keep.
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Tmux } from '../../src/adapters/tmux.js';
import { runForeground } from '../../src/supervisor/session.js';
import { cleanupRepos, cli, git, jobRepo, ROOT } from '../helpers/repo.js';

const FAKE = path.join(ROOT, 'test', 'fixtures', 'fake-agent.mjs');
const tmux = new Tmux(`artest-${process.pid}-imported`);
const FAST = { pollMs: 20, screenMs: 50, submitPauseMs: 20, readyStableMs: 300, killGraceMs: 1000, dialogRepeatMs: 500 };

afterAll(async () => {
  await tmux.killServer();
  cleanupRepos();
});

describe('--session on an imported night (real git, real tmux, fake agent)', () => {
  it('resumes the tag, rebuilds results.tsv from the records, and the first run is measured against the imported best', async () => {
    const repo = jobRepo('summary.py', { agent: { command: 'node', args: [FAKE] }, budget_seconds: 10 });
    git(repo, ['checkout', '-q', '-b', 'autoresearch/mar5']);
    const base = git(repo, ['rev-parse', '--short=7', 'HEAD']);
    const f = path.join(repo, 'train.py');
    writeFileSync(f, readFileSync(f, 'utf8').replace(/^X = .*$/m, 'X = 2.0'));
    git(repo, ['commit', '-qam', 'X=2']);
    const kept = git(repo, ['rev-parse', '--short=7', 'HEAD']);
    git(repo, ['checkout', '-q', 'main']);
    const night = ['commit\tval_bpb\tmemory_gb\tmfu\tstatus\tdescription', `${base}\t1.400000\t2.0\t40.1\tkeep\tbaseline`, `${kept}\t1.100000\t2.0\t41.0\tkeep\tX=2`, '0000abc\t0.000000\t0.0\t0.0\tcrash\tOOM'];
    writeFileSync(path.join(repo, 'results.tsv'), night.join('\n') + '\n');
    expect((await cli(['import', 'results.tsv', '--tag', 'mar5'], { cwd: repo })).exitCode).toBe(0);

    const lines: string[] = [];
    const env: NodeJS.ProcessEnv = { ...process.env, FAKE_AGENT_RUN: `sed -i 's/^X = .*/X = 3.0/' train.py; ar-supervise run -m "X=3"` };
    delete env.AR_SUPERVISOR_SESSION;
    const code = await runForeground({ name: 'mar5', repo, foreground: true, baseline: false, maxIterations: 1 }, { tmux, env, out: (l) => lines.push(l), timing: FAST });
    expect(code, lines.join('\n')).toBe(0);
    expect(lines.join('\n')).toContain('results.tsv did not match the records; the old file is kept as');
    const recs = readFileSync(path.join(repo, '.autoresearch', 'mar5', 'runs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(recs.map((r) => [r.id, r.status, r.imported ? 'imported' : 'run'])).toEqual([
      [1, 'keep', 'imported'],
      [2, 'keep', 'imported'],
      [3, 'crash', 'imported'],
      [4, 'keep', 'run'],
    ]);
    expect(recs[3]).toMatchObject({ description: 'X=3', value: 1, bestBefore: 1.1, parent: git(repo, ['rev-parse', kept]) });
    expect(git(repo, ['branch', '--show-current'])).toBe('autoresearch/mar5');
    expect(readFileSync(path.join(repo, 'CLAUDE.md'), 'utf8')).toMatch(/\| 2 \| [0-9a-f]{7} \| 1\.100000 \| keep \| X=2 \|/);
    expect(readFileSync(path.join(repo, 'results.tsv'), 'utf8').trim().split('\n')).toHaveLength(5);
  }, 90_000);
});
