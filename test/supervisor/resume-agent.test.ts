// A resumed session, or lane set, keeps the agent it started with unless --agent names another.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { BIN, cleanupRepos, jobRepo, requireBuild } from '../helpers/repo.js';
import { writeSupervisor } from '../dashboard/helpers.js';
import { prepareLanes } from '../../src/lanes/start.js';
import { laneCount } from '../../src/lanes/names.js';
import { readManifest } from '../../src/lanes/manifest.js';
import { resumedAgent } from '../../src/supervisor/session.js';

afterAll(cleanupRepos);

// No agent CLI on this PATH: the refusal names the agent the command would start.
const bare = (repo: string, args: string[]) =>
  execa(process.execPath, [BIN, ...args], { cwd: repo, reject: false, env: { PATH: '/usr/bin:/bin', HOME: repo, NO_COLOR: '1' }, extendEnv: false });

describe('resuming keeps the agent', () => {
  it('takes --agent, else the agent it ran with, else none (the configured one)', () => {
    expect(resumedAgent('claude', 'codex')).toBe('claude');
    expect(resumedAgent(undefined, 'codex')).toBe('codex');
    expect(resumedAgent(undefined, 'gpt-cli')).toBeUndefined(); // not a profile we know: the configured one
    expect(resumedAgent(undefined, undefined)).toBeUndefined();
  });

  it('a session that ran Codex resumes with Codex, not the configured Claude Code', async () => {
    requireBuild();
    const repo = jobRepo('summary.py');
    mkdirSync(path.join(repo, '.autoresearch', 'd9'), { recursive: true });
    writeSupervisor(repo, 'd9', 999_999, 'none', { state: 'stopped', agent: 'codex', model: null });
    const r = await bare(repo, ['--session', 'd9', '--no-baseline']);
    expect(r.exitCode, r.all).toBe(2);
    expect(r.stderr).toMatch(/^ar-supervise: the agent command "codex" was not found on PATH/);
    const named = await bare(repo, ['--session', 'd9', '--no-baseline', '--agent', 'gemini']);
    expect(named.stderr).toMatch(/the agent command "gemini" was not found on PATH/);
  });

  it('a lane set keeps each lane its agent in the manifest, and resumes each with it', async () => {
    requireBuild();
    const repo = jobRepo('summary.py');
    await prepareLanes(repo, 'rs', laneCount(2), ['codex', undefined], 'claude');
    expect(readManifest(repo, 'rs')!.lanes.map((l) => [l.name, l.agent])).toEqual([
      ['lane0', 'codex'],
      ['lane1', 'claude'],
    ]);
    const r = await bare(repo, ['--session', 'rs']);
    expect(r.exitCode, r.all).toBe(2);
    expect(r.stderr).toMatch(/the agent command "codex" was not found on PATH/);
    // --agent on a resume names the agent again, and the manifest follows.
    await prepareLanes(repo, 'rs', laneCount(2), ['gemini', 'gemini'], 'claude');
    expect(readManifest(repo, 'rs')!.lanes.map((l) => l.agent)).toEqual(['gemini', 'gemini']);
  });
});
