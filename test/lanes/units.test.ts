// Lanes: names and refusals, the "Other lanes" section of CLAUDE.md, status with a lane column, the merged
// report's markdown, and the throughput bench (a short run).
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { laneCount, laneTag, parseGpus, parseLaneRef, validateLaneNames } from '../../src/lanes/names.js';
import type { LaneEntry, LaneManifest } from '../../src/lanes/manifest.js';
import { otherLanesSection } from '../../src/lanes/peers.js';
import { lanesModel, renderLanesMarkdown } from '../../src/lanes/report.js';
import { startLanes } from '../../src/lanes/start.js';
import { benchLanes } from '../../src/lanes/bench.js';
import type { SessionStatus } from '../../src/supervisor/status.js';
import { formatStatusWithLanes as formatStatus } from '../../src/lanes/status.js';
import { setClaudeMdExtra, writeClaudeMd } from '../../src/supervisor/claudemd.js';
import { defaultConfig } from '../../src/config.js';
import type { RunRecord } from '../../src/engine/types.js';
import { cleanupRepos, git, jobRepo } from '../helpers/repo.js';

afterAll(() => cleanupRepos());

function rec(id: number, o: Partial<RunRecord>): RunRecord {
  return {
    v: 1,
    id,
    tag: 't',
    start: `2025-01-01T00:0${id}:00.000Z`,
    end: `2025-01-01T00:0${id}:30.000Z`,
    durationMs: 30000,
    commit: `${id}`.repeat(40).slice(0, 40),
    parent: '0'.repeat(40),
    description: `idea ${id}`,
    status: 'discard',
    metric: 'val_bpb',
    value: 1,
    bestBefore: 1,
    memoryGb: 1,
    metrics: {},
    exitCode: 0,
    signal: null,
    timedOut: false,
    linesAdded: 1,
    linesRemoved: 0,
    log: 'x.log',
    ...o,
  };
}

describe('lane names', () => {
  it('parses refs, --gpus and --lanes, and refuses bad ones in one sentence', () => {
    expect(parseLaneRef('apr5')).toEqual({ session: 'apr5', lane: null });
    expect(parseLaneRef('apr5:gpu1')).toEqual({ session: 'apr5', lane: 'gpu1' });
    expect(() => parseLaneRef('apr5:')).toThrow('"apr5:" is not a lane; write <session>:<lane>, for example apr5:gpu1.');
    expect(laneTag('apr5', 'gpu1')).toBe('apr5-gpu1');
    expect(parseGpus('0, 1,3')).toEqual([
      { name: 'gpu0', gpu: '0', env: { CUDA_VISIBLE_DEVICES: '0' } },
      { name: 'gpu1', gpu: '1', env: { CUDA_VISIBLE_DEVICES: '1' } },
      { name: 'gpu3', gpu: '3', env: { CUDA_VISIBLE_DEVICES: '3' } },
    ]);
    expect(() => parseGpus('0,a')).toThrow(/--gpus must be a comma-separated list of GPU numbers/);
    expect(() => parseGpus('1,01')).toThrow('--gpus names GPU 1 twice; give each GPU once (one lane per GPU).');
    expect(laneCount(2)).toEqual([
      { name: 'lane0', gpu: null, env: {} },
      { name: 'lane1', gpu: null, env: {} },
    ]);
    expect(() => laneCount(0)).toThrow(/--lanes must be a whole number >= 1/);
    expect(() => validateLaneNames('a'.repeat(60), [{ name: 'gpu0' }])).toThrow(/pick a shorter session name/);
  });

  it('refuses --gpus with --lanes, --foreground, a name taken by a plain session, and uncommitted changes', async () => {
    const repo = jobRepo('summary.py', { agent: { command: 'node', args: ['x.mjs'] } });
    const o = { name: 'ls', repo, baseline: false };
    await expect(startLanes({ ...o, gpus: '0', lanes: 2 })).rejects.toThrow('give --gpus or --lanes, not both.');
    await expect(startLanes({ ...o, lanes: 2, foreground: true })).rejects.toThrow(/lanes run detached, one supervisor per lane/);
    await expect(startLanes({ ...o })).rejects.toThrow('session ls has no lanes; start them with --gpus 0,1,... or --lanes N.');
    git(repo, ['branch', 'autoresearch/plain']);
    await expect(startLanes({ ...o, name: 'plain', lanes: 2 }, { out: () => {} })).rejects.toThrow(/plain is already a single-agent session/);
    writeFileSync(path.join(repo, 'train.py'), '# changed\n');
    await expect(startLanes({ ...o, lanes: 2 }, { out: () => {} })).rejects.toThrow(/uncommitted changes to tracked files \(train\.py\) would not reach the lanes/);
  });
});

describe("a lane's view of the others", () => {
  it('lists each other lane: its best and its last runs; not itself', () => {
    const main = jobRepo('summary.py');
    const lanes: LaneEntry[] = ['gpu0', 'gpu1'].map((n, i) => ({
      name: n,
      tag: `s-${n}`,
      branch: `autoresearch/s-${n}`,
      worktree: path.join(main, 'wt', n),
      gpu: String(i),
      env: { CUDA_VISIBLE_DEVICES: String(i) },
      created: '',
    }));
    const m: LaneManifest = { v: 1, session: 's', repo: main, base: 'b', created: '', lanes };
    const dir = path.join(lanes[1]!.worktree, '.autoresearch', 's-gpu1');
    mkdirSync(dir, { recursive: true });
    const recs = [
      rec(1, { status: 'keep', description: 'baseline', value: 1 }),
      rec(2, { status: 'keep', description: 'raise LR', value: 0.9 }),
      rec(3, { status: 'crash', crashReason: 'oom', value: null, description: 'double width' }),
      ...[4, 5, 6, 7].map((i) => rec(i, { description: `try ${i}` })),
    ];
    writeFileSync(path.join(dir, 'runs.jsonl'), recs.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const text = otherLanesSection(m, 'gpu0');
    expect(text).toMatch(/^## Other lanes\n/);
    expect(text).toContain('(this lane is s:gpu0)');
    expect(text).toContain('Best of the other lanes: gpu1, val_bpb 0.900000 at commit 2222222 (raise LR).');
    expect(text).toContain('### s:gpu1 (GPU 1), branch `autoresearch/s-gpu1`\n7 runs; best val_bpb 0.900000 at commit 2222222 (run 2: raise LR).');
    expect(text).toContain('| 3 | 3333333 | - | crash (oom) | double width |');
    expect(text).not.toContain('| 2 | 2222222'); // only the last five runs
    expect(text).not.toContain('### s:gpu0');
    expect(otherLanesSection(m, 'gpu1')).toContain('### s:gpu0 (GPU 0), branch `autoresearch/s-gpu0`\nNo runs yet.');
    expect(otherLanesSection({ ...m, lanes: [lanes[0]!] }, 'gpu0')).toBe('');

    // The supervisor's CLAUDE.md gets it appended on every rewrite while registered.
    const file = path.join(main, 'CLAUDE.md');
    const input = { tag: 's-gpu0', config: defaultConfig(), goal: 'g', records: [], tasks: [], currentTask: null, run: 'ar run' };
    setClaudeMdExtra(file, () => otherLanesSection(m, 'gpu0'));
    writeClaudeMd(file, input);
    expect(readFileSync(file, 'utf8')).toMatch(/## Plan\n[\s\S]*\n\n## Other lanes\n/);
    setClaudeMdExtra(file, null);
    writeClaudeMd(file, input);
    expect(readFileSync(file, 'utf8')).not.toContain('## Other lanes');
  });
});

describe('merged views', () => {
  const row = (o: Partial<SessionStatus>): SessionStatus => ({
    name: 'x',
    state: 'busy',
    iterations: 1,
    runs: 2,
    best: null,
    task: null,
    uptimeSeconds: 5,
    repo: null,
    supervisorPid: 1,
    agentPid: 2,
    restarts: 0,
    error: null,
    ...o,
  });

  it('status: a LANE column only when there are lanes, and the best across each lane set', () => {
    expect(formatStatus([row({ name: 'd1' })])).toMatch(/^SESSION\s+STATE\s+TURNS/);
    const t = formatStatus([
      row({ name: 'a-gpu0', session: 'a', lane: 'gpu0', goal: 'min', best: { metric: 'val_bpb', value: 0.95, commit: 'a'.repeat(40) } }),
      row({ name: 'a-gpu1', session: 'a', lane: 'gpu1', goal: 'min', state: 'dead', best: { metric: 'val_bpb', value: 0.91, commit: 'b'.repeat(40) } }),
      row({ name: 'd1' }),
    ]);
    expect(t).toMatch(/^SESSION\s+LANE\s+STATE/);
    expect(t).toMatch(/\na\s+gpu1\s+dead\s+/);
    expect(t).toMatch(/\nd1\s+-\s+busy/);
    expect(t).toContain('a: 2 lanes (1 running), 4 runs; best across lanes: val_bpb 0.910000 on gpu1 (bbbbbbb)');
  });

  it('report: lane column, best across lanes, kept improvements of all lanes in time order', () => {
    const l = (name: string): LaneEntry => ({ name, tag: `s-${name}`, branch: `autoresearch/s-${name}`, worktree: '/x', gpu: null, env: {}, created: '' });
    const { model, runs } = lanesModel('s', [
      { entry: l('lane0'), records: [rec(1, { status: 'keep', description: 'baseline' }), rec(3, { status: 'keep', value: 0.97, description: 'wider' })], warnings: [], metric: 'val_bpb', goal: 'min' },
      { entry: l('lane1'), records: [rec(2, { status: 'keep', description: 'baseline', value: 1.01 }), rec(4, { status: 'keep', value: 0.95, bestBefore: 1.01, description: 'lr' })], warnings: [], metric: 'val_bpb', goal: 'min' },
    ]);
    expect(model.best).toMatchObject({ lane: 'lane1', value: 0.95 });
    expect(model.improvements.map((i) => [i.lane, i.description])).toEqual([
      ['lane0', 'wider'],
      ['lane1', 'lr'],
    ]);
    const md = renderLanesMarkdown(model, runs);
    expect(md).toMatch(/^# autoresearch s: 2 lanes, 4 runs, best val_bpb 0\.950000 on lane1\n/);
    expect(md).toContain('ar-supervise promote s:lane1 --branch <name>');
    expect(md).toContain('| lane1 | - | 2 | 2 | 0 | 0 | 1.010000 | 0.950000 | -0.060000 | 4444444 |');
    expect(md).toMatch(/\| 2025-01-01 00:04 \| lane1 \| 4 \| 4444444 \| 0\.950000 \| -0\.060000 \| lr \|/);
  });
});

describe('bench', () => {
  it('benchLanes measures one lane against N lanes of a sleeping job in one call', async () => {
    const r = await benchLanes({ lanes: 2, seconds: 2, jobSeconds: 0.5, via: 'engine' });
    expect(r).toMatchObject({ lanes: 2, target: 1.9, via: 'engine' });
    expect(r.single.runs).toBeGreaterThanOrEqual(1);
    expect(r.parallel.perLane).toHaveLength(2);
    // Both lanes ran; how much faster two lanes are is the bench's number (npm run bench), not a timed test's.
    expect(r.parallel.perLane.every((x) => x > 0)).toBe(true);
    expect(r.speedup).toBeGreaterThan(0);
    expect(typeof r.met).toBe('boolean');
  }, 30_000);
});
