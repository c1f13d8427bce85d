// Bench: runs per hour with N lanes of a sleeping job against one lane, measured in one call (target >= 0.95 N).
// Each run is what an agent does: edit train.py, then `ar-supervise run -m ...` (a fresh CLI process) in its lane.
import { execFile } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Git } from '../adapters/git.js';
import { initTag } from '../engine/init.js';
import { runExperiment } from '../engine/step.js';
import { loadConfig } from '../config.js';
import { cliScript } from '../supervisor/files.js';
import { laneCount } from './names.js';
import { prepareLanes } from './start.js';
import type { LaneEntry } from './manifest.js';

const run = promisify(execFile);

export interface BenchLanesOptions {
  /** Lanes run at once (default 2). */
  lanes?: number;
  /** How long each phase (one lane, then N lanes) keeps starting runs (default 20). */
  seconds?: number;
  /** How long the job sleeps (default 3 s). */
  jobSeconds?: number;
  /** 'cli' (default): each run is an `ar-supervise run` process, as an agent does; 'engine': runExperiment in this process. */
  via?: 'cli' | 'engine';
}

export interface BenchLanesResult {
  lanes: number;
  seconds: number;
  jobSeconds: number;
  via: 'cli' | 'engine';
  single: { runs: number; runsPerHour: number };
  parallel: { runs: number; runsPerHour: number; perLane: number[] };
  /** parallel / single: ideally N. */
  speedup: number;
  target: number;
  met: boolean;
}

const JOB = `import os, time
time.sleep(float(os.environ.get("BENCH_SLEEP", "1")))
print("---")
print("val_bpb:          1.000000")
print("training_seconds: 0.1")
`;

async function git(cwd: string, args: string[]): Promise<void> {
  await new Git(cwd).raw(args);
}

/** Keep starting runs in this lane until the deadline; returns how many finished and when the last did. */
async function loop(l: LaneEntry, deadline: number, o: Required<BenchLanesOptions>, env: NodeJS.ProcessEnv): Promise<{ runs: number; ms: number }> {
  const t0 = Date.now();
  let runs = 0;
  const config = loadConfig(l.worktree, env);
  while (Date.now() < deadline) {
    appendFileSync(path.join(l.worktree, 'train.py'), `# idea ${runs + 1}\n`);
    if (o.via === 'cli') {
      await run(process.execPath, [cliScript(), 'run', '-m', `idea ${runs + 1}`], { cwd: l.worktree, env });
    } else {
      await runExperiment({ repo: l.worktree, tag: l.tag, config, description: `idea ${runs + 1}`, env: { BENCH_SLEEP: String(o.jobSeconds) } });
    }
    runs++;
  }
  return { runs, ms: Date.now() - t0 };
}

export async function benchLanes(opts: BenchLanesOptions = {}): Promise<BenchLanesResult> {
  const o: Required<BenchLanesOptions> = { lanes: opts.lanes ?? 2, seconds: opts.seconds ?? 20, jobSeconds: opts.jobSeconds ?? 3, via: opts.via ?? 'cli' };
  const dir = mkdtempSync(path.join(tmpdir(), 'ar-bench-lanes-'));
  try {
    await git(dir, ['init', '-q', '-b', 'main']);
    await git(dir, ['config', 'user.name', 'bench']);
    await git(dir, ['config', 'user.email', 'bench@localhost']);
    writeFileSync(path.join(dir, 'train.py'), JOB);
    writeFileSync(path.join(dir, 'prepare.py'), '# read-only\n');
    writeFileSync(path.join(dir, 'autoresearch.yaml'), `command: python3 train.py\nbudget_seconds: ${Math.ceil(o.jobSeconds * 4) + 5}\n`);
    await git(dir, ['add', '-A']);
    await git(dir, ['commit', '-q', '-m', 'bench job']);
    const { lanes } = await prepareLanes(dir, 'bench', laneCount(o.lanes));
    for (const l of lanes) await initTag(l.worktree, l.tag, { baseline: false, lane: l.name, env: l.env });
    const env = { ...process.env, BENCH_SLEEP: String(o.jobSeconds), NO_COLOR: '1' };

    const single = await loop(lanes[0]!, Date.now() + o.seconds * 1000, o, env);
    const deadline = Date.now() + o.seconds * 1000;
    const par = await Promise.all(lanes.map((l) => loop(l, deadline, o, env)));
    const rate = (x: { runs: number; ms: number }) => (x.ms > 0 ? (x.runs / x.ms) * 3.6e6 : 0);
    const singleRate = rate(single);
    const perLane = par.map(rate);
    const parRate = perLane.reduce((a, b) => a + b, 0);
    const speedup = singleRate > 0 ? parRate / singleRate : 0;
    const round = (x: number) => Math.round(x * 10) / 10;
    return {
      lanes: o.lanes,
      seconds: o.seconds,
      jobSeconds: o.jobSeconds,
      via: o.via,
      single: { runs: single.runs, runsPerHour: round(singleRate) },
      parallel: { runs: par.reduce((a, x) => a + x.runs, 0), runsPerHour: round(parRate), perLane: perLane.map(round) },
      speedup: Math.round(speedup * 100) / 100,
      target: Math.round(0.95 * o.lanes * 100) / 100,
      met: speedup >= 0.95 * o.lanes,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
