import { describe, it, expect } from 'vitest';
import { parseConfig, defaultConfig, loadConfig } from '../src/config.js';
import { UsageError } from '../src/errors.js';
import { makeRepo, cleanupRepos } from './helpers/repo.js';
import { afterAll } from 'vitest';

afterAll(cleanupRepos);

function err(text: string): string {
  try {
    parseConfig(text);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

describe('config', () => {
  it('defaults fit karpathy/autoresearch', () => {
    const c = defaultConfig();
    expect(c.command).toEqual(['uv', 'run', 'train.py']);
    expect(c).toMatchObject({ budget_seconds: 300, metric: 'val_bpb', goal: 'min', editable: ['train.py'], readonly: ['prepare.py'], memory_metric: 'peak_vram_mb' });
    expect(parseConfig('')).toEqual(c);
  });
  it('overrides what it names and keeps the rest', () => {
    const c = parseConfig('command: python3 train.py\nbudget_seconds: 20\ngoal: max\nagent:\n  args: [--verbose]\n');
    expect(c.command).toEqual(['python3', 'train.py']);
    expect(c.budget_seconds).toBe(20);
    expect(c.goal).toBe('max');
    expect(c.agent).toEqual({ profile: 'claude', command: null, args: ['--verbose'] }); // command: the profile's own
  });
  it('git: a remote to push to, refs or not, and a message template with known placeholders', () => {
    expect(defaultConfig().git).toEqual({ push: null, push_refs: false, message: 'keep: {description} ({result})' });
    const c = parseConfig('git:\n  push: origin\n  push_refs: true\n  message: "{description}: {metric} {value} ({delta})"\n');
    expect(c.git).toEqual({ push: 'origin', push_refs: true, message: '{description}: {metric} {value} ({delta})' });
    expect(err('git:\n  message: "found {finding}"\n')).toMatch(/"git.message" \(line 2\): unknown placeholder \{finding\} \(known: \{description\}/);
    expect(err('git:\n  push: --force\n')).toMatch(/"git.push" \(line 2\) must be a git remote/);
    expect(err('git:\n  push: 3\n')).toMatch(/"git.push" \(line 2\) must be a git remote/);
    expect(err('git:\n  pushh: origin\n')).toMatch(/unknown key "git.pushh"/);
  });
  it('names the unknown key', () => {
    expect(err('budget: 20\n')).toMatch(/unknown key "budget"/);
    expect(err('agent:\n  cmd: x\n')).toMatch(/unknown key "agent.cmd"/);
  });
  it('names the key with a wrong type', () => {
    expect(err('budget_seconds: soon\n')).toMatch(/"budget_seconds" \(line 1\) must be a positive number, not string "soon"/);
    expect(err('goal: lowest\n')).toMatch(/"goal" \(line 1\) must be "min" or "max"/);
    expect(err('editable: train.py\n')).toMatch(/"editable" \(line 1\) must be a list of strings/);
    expect(err('tasks:\n  - {text: a, priority: high}\n')).toMatch(/task 1 has a "priority" that is not a number/);
  });
  it('names the line of broken YAML', () => {
    expect(err('metric: val_bpb\ngoal: [min\n')).toMatch(/broken YAML at line \d/);
    expect(err('- a\n- b\n')).toMatch(/top level must be a mapping/);
  });
  it('ledger_columns: summary-line names, each once, none a column results.tsv has anyway', () => {
    expect(defaultConfig().ledger_columns).toEqual([]);
    expect(parseConfig('ledger_columns: [artifact_mb, tok_per_sec]\n').ledger_columns).toEqual(['artifact_mb', 'tok_per_sec']);
    expect(err('ledger_columns: artifact_mb\n')).toBe('autoresearch.yaml: "ledger_columns" (line 1) must be a list of strings, not string "artifact_mb".');
    expect(err('ledger_columns: ["tok per sec"]\n')).toBe('autoresearch.yaml: "ledger_columns" (line 1) names "tok per sec", which is not a summary-line name (a letter or _, then letters, digits, _ . -).');
    expect(err('ledger_columns: [val_bpb]\n')).toBe('autoresearch.yaml: "ledger_columns" (line 1) names "val_bpb", which results.tsv has as a column already.');
    expect(err('metric: loss\nledger_columns: [loss]\n')).toMatch(/names "loss", which results.tsv has/);
    expect(err('ledger_columns: [Status]\n')).toMatch(/names "Status", which results.tsv has/);
    expect(err('ledger_columns: [mfu, mfu]\n')).toBe('autoresearch.yaml: "ledger_columns" (line 1) names "mfu" twice.');
  });
  it('TIME_BUDGET overrides the budget, and a bad one is refused', () => {
    const repo = makeRepo({ 'autoresearch.yaml': 'budget_seconds: 20\n' });
    expect(loadConfig(repo, { TIME_BUDGET: '7' }).budget_seconds).toBe(7);
    expect(loadConfig(repo, {}).budget_seconds).toBe(20);
    expect(() => loadConfig(repo, { TIME_BUDGET: 'x' })).toThrow(/TIME_BUDGET must be a positive number/);
  });
});

describe('config: executor', () => {
  it('defaults to a local executor; slurm keys are read and checked', () => {
    expect(defaultConfig().executor).toMatchObject({ kind: 'local', gres: 'gpu:1', retries: 1, args: [] });
    const c = parseConfig('executor:\n  kind: slurm\n  partition: gpu\n  args: ["--constraint=h100"]\n  retries: 0\n');
    expect(c.executor).toMatchObject({ kind: 'slurm', partition: 'gpu', gres: 'gpu:1', account: null, args: ['--constraint=h100'], retries: 0 });
    expect(err('executor:\n  kind: k8s\n')).toMatch(/"executor.kind" \(line 2\) must be "local" or "slurm"/);
    expect(err('executor:\n  partitions: gpu\n')).toMatch(/unknown key "executor.partitions"/);
    expect(err('executor:\n  args: --constraint=h100\n')).toMatch(/"executor.args" \(line 2\) must be a list/);
  });
  it('parallel: jobs in flight on a scheduler, a whole number from 1 to 64, refused on the local executor', () => {
    expect(defaultConfig().executor.parallel).toBe(1);
    expect(parseConfig('executor:\n  kind: slurm\n  parallel: 4\n').executor.parallel).toBe(4);
    expect(err('executor:\n  kind: slurm\n  parallel: 0\n')).toBe('autoresearch.yaml: "executor.parallel" (line 3) must be a whole number from 1 to 64, not number 0.');
    expect(err('executor:\n  kind: slurm\n  parallel: two\n')).toMatch(/"executor.parallel" \(line 3\) must be a whole number from 1 to 64, not string "two"/);
    expect(err('executor:\n  parallel: 2\n')).toBe(
      'autoresearch.yaml: "executor.parallel" (line 2) is for a scheduler (executor kind slurm); on this machine give the queue one slot per GPU with --gpus.',
    );
  });
});
