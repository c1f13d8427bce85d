// The supervisor's small parts: task order, CLAUDE.md, prompts, hooks in settings.local.json, the hook script,
// the agent's environment, names.
import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { defaultConfig } from '../../src/config.js';
import { eventLine, runHook } from '../../src/agents/hook.js';
import type { RunRecord } from '../../src/engine/types.js';
import { buildPlan, loadTasksFile, orderTasks, TaskQueue } from '../../src/supervisor/tasks.js';
import { bestText, renderClaudeMd, renderPrompt, resultsTable, runCommand, shellQuote, type ClaudeMdInput } from '../../src/supervisor/claudemd.js';
import { placeholders, renderTemplate } from '../../src/supervisor/template.js';
import { HOOK_MARK, installHooks, removeHooks, settingsPath } from '../../src/agents/claude/hooks.js';
import { EventReader } from '../../src/agents/events.js';
import { claude } from '../../src/agents/claude/index.js';
import { agentArgv, agentEnv, redact, writeShim } from '../../src/supervisor/launch.js';
import { parseSessionName, templatePath, promptPath, validateSessionName, hookScript } from '../../src/supervisor/files.js';
import { fmtDuration, formatStatus } from '../../src/supervisor/status.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'ar-parts-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function rec(id: number, value: number | null, status: RunRecord['status'], extra: Partial<RunRecord> = {}): RunRecord {
  return {
    v: 1,
    id,
    tag: 't',
    start: '',
    end: '',
    durationMs: 1,
    commit: `c${id}`.padEnd(40, '0'),
    parent: '',
    description: `idea | ${id}`,
    status,
    metric: 'val_bpb',
    value,
    bestBefore: null,
    memoryGb: 1,
    metrics: {},
    exitCode: 0,
    signal: null,
    timedOut: false,
    linesAdded: 0,
    linesRemoved: 0,
    log: '',
    ...extra,
  };
}

describe('tasks', () => {
  it('orders by priority, higher first, ties in file order; --task goes on top; done tasks are dropped', () => {
    const file = [
      { text: 'a', priority: 1 },
      { text: 'b', priority: 3 },
      { text: 'c', priority: 1 },
      { text: 'd', priority: 3 },
    ];
    expect(orderTasks(file).map((t) => t.text)).toEqual(['b', 'd', 'a', 'c']);
    const plan = buildPlan({ config: [{ text: 'cfg', priority: 99 }], file, cli: ['x', 'y'], done: ['d'] });
    expect(plan.map((t) => t.text)).toEqual(['x', 'y', 'b', 'a', 'c']);
    expect(buildPlan({ config: [{ text: 'cfg', priority: 0 }] }).map((t) => t.text)).toEqual(['cfg']);
    const q = new TaskQueue(file);
    expect(q.shift()?.text).toBe('b');
    expect(q.size).toBe(3);
  });

  it('reads a YAML list, or a mapping with tasks:, and says what is wrong with a bad one', () => {
    const d = tmp();
    const f = path.join(d, 't.yaml');
    writeFileSync(f, '- just text\n- text: with priority\n  priority: 2\n');
    expect(loadTasksFile(f)).toEqual([
      { text: 'just text', priority: 0 },
      { text: 'with priority', priority: 2 },
    ]);
    writeFileSync(f, 'tasks:\n  - one\n');
    expect(loadTasksFile(f)).toEqual([{ text: 'one', priority: 0 }]);
    writeFileSync(f, '- text: x\n  prio: 1\n');
    expect(() => loadTasksFile(f)).toThrow(/unknown key "prio"/);
    writeFileSync(f, '- [unclosed\n');
    expect(() => loadTasksFile(f)).toThrow(/not valid YAML/);
  });
});

describe('CLAUDE.md and prompts', () => {
  const config = defaultConfig();
  const input = (records: RunRecord[], over: Partial<ClaudeMdInput> = {}): ClaudeMdInput => ({
    tag: 'apr5',
    config,
    goal: 'Lowest val_bpb in 5 minutes.',
    records,
    tasks: [
      { text: 'second', priority: 1 },
      { text: 'third', priority: 0 },
    ],
    currentTask: 'first',
    ...over,
  });

  it('fills every placeholder of the shipped template and prompts', () => {
    const known = Object.keys({ tag: 1, branch: 1, goal: 1, metric: 1, direction: 1, budget: 1, editable: 1, readonly: 1, run: 1, best: 1, results: 1, plan: 1, memory: 1, howto: 1 });
    const pipeline = ['depth', 'submit', 'results_cmd', 'queue_cmd', 'finished', 'inflight'];
    expect(placeholders(readFileSync(templatePath(), 'utf8')).filter((p) => !known.includes(p))).toEqual([]);
    for (const p of ['howto-run.md', 'howto-pipeline.md', 'task-pipeline.md', 'continue-pipeline.md']) {
      expect(placeholders(readFileSync(promptPath(p), 'utf8')).filter((x) => ![...known, ...pipeline, 'task', 'priority'].includes(x))).toEqual([]);
    }
    for (const p of ['task.md', 'continue.md']) {
      expect(placeholders(readFileSync(promptPath(p), 'utf8')).filter((x) => ![...known, 'task', 'priority'].includes(x))).toEqual([]);
    }
    expect(() => renderTemplate('{{nope}}', {})).toThrow(/nope/);
  });

  it('holds the goal, the rules, how to run and read an experiment, the best, the last results and the plan', () => {
    const records = [rec(1, 1.2, 'keep'), rec(2, null, 'crash', { crashReason: 'oom' }), rec(3, 1.1, 'keep'), rec(4, 1.3, 'discard', { violation: 'edited prepare.py' })];
    const md = renderClaudeMd(input(records));
    expect(md).toContain('# Autoresearch session apr5');
    expect(md).toContain('branch `autoresearch/apr5`');
    expect(md).toContain('Lowest val_bpb in 5 minutes.');
    expect(md).toContain('The metric is `val_bpb`: lower is better');
    expect(md).toContain('Edit only these files: `train.py`');
    expect(md).toContain('Never edit these read-only files: `prepare.py`');
    expect(md).toContain('Do not install or add packages');
    expect(md).toContain('Simpler wins ties');
    expect(md).toMatch(/Never stop/);
    expect(md).toContain('Never edit `results.tsv`');
    expect(md).toContain(`${runCommand()} -m "what you changed"`);
    expect(runCommand()).toMatch(/^\S*node\S* \S*\/bin\/ar-supervise\.js run$/);
    expect(md).toContain('Exit code 0 means the run was recorded');
    expect(md).toContain('## Current best\nval_bpb 1.100000 at commit c300000 (run 3: idea | 3)');
    expect(md).toContain('| 2 | c200000 | - | crash (oom) | idea \\| 2 |');
    expect(md).toContain('| 4 | c400000 | 1.300000 | discard (violation) | idea \\| 4 |');
    expect(md).toContain('Now: first\n\nNext, in order:\n1. second\n2. third');
    expect(md).not.toMatch(/\{\{/);
    // Only the last 10 runs.
    const many = Array.from({ length: 14 }, (_, i) => rec(i + 1, 2 - i / 100, 'keep'));
    const table = resultsTable(many, 'val_bpb');
    expect(table).toContain('Last 10 of 14 runs');
    expect(table).not.toContain('| 4 |');
    expect(table).toContain('| 14 |');
    expect(bestText([], 'val_bpb')).toBe('no runs yet');
    expect(bestText([rec(1, null, 'crash')], 'val_bpb')).toBe('no kept run yet (1 runs so far)');
  });

  it('renders a task prompt (several lines) and the standing continue prompt (one line)', () => {
    const md = input([rec(1, 0.99, 'keep')]);
    const task = renderPrompt(md, { text: 'try RMSNorm', priority: 2 });
    expect(task).toContain('try RMSNorm');
    expect(task).toContain(`${runCommand()} -m`);
    expect(task.split('\n').length).toBeGreaterThan(1);
    const cont = renderPrompt(md, null);
    expect(cont).toContain('Continue the research loop');
    expect(cont).toContain('val_bpb 0.99');
    expect(cont).not.toContain('\n');
  });

  it('with a pipeline (depth > 1): CLAUDE.md and the prompts say submit and results, and hand over what finished', () => {
    const config = { ...defaultConfig(), pipeline: { depth: 2, stale: 'remeasure' as const } };
    const i = { ...input([rec(1, 0.99, 'keep')]), config, pipeline: { finished: ['#2 finished: discard 0.9950 (+0.0050 vs best) wider'], inflight: 1 } };
    const md = renderClaudeMd(i);
    expect(md).toContain(`${runCommand(undefined, 'submit')} -m "what you changed"`);
    expect(md).toContain('2 in flight');
    expect(md).not.toContain(`${runCommand()} -m`);
    const cont = renderPrompt(i, null);
    expect(cont).toMatch(/^#2 finished: discard 0\.9950 \(\+0\.0050 vs best\) wider\n\n1 experiment is queued or running\. Continue/);
    expect(cont).toContain(`${runCommand(undefined, 'submit')} -m`);
    expect(renderPrompt(i, { text: 'try RMSNorm', priority: 1 })).toContain('queue each idea');
    // Depth 1 is today's text.
    expect(renderClaudeMd(input([]))).toContain(`${runCommand()} -m "what you changed"`);
  });

  it('quotes shell words only when needed', () => {
    expect(shellQuote('/usr/bin/node')).toBe('/usr/bin/node');
    expect(shellQuote("/a b/it's")).toBe(`'/a b/it'\\''s'`);
  });
});

describe('hooks', () => {
  it('merges ours into an existing settings.local.json and takes them out again, leaving the rest', () => {
    const repo = tmp();
    mkdirSync(path.join(repo, '.claude'));
    const mine = { permissions: { allow: ['Bash(ls)'] }, hooks: { Stop: [{ hooks: [{ type: 'command', command: 'echo user' }] }] } };
    writeFileSync(settingsPath(repo), JSON.stringify(mine));
    const events = path.join(repo, 'ev.jsonl');
    installHooks(repo, events);
    installHooks(repo, events); // twice: still one of ours per event
    const s = JSON.parse(readFileSync(settingsPath(repo), 'utf8'));
    expect(s.permissions).toEqual(mine.permissions);
    expect(s.hooks.Stop).toHaveLength(2);
    expect(s.hooks.Stop[0].hooks[0].command).toBe('echo user');
    for (const ev of ['Stop', 'StopFailure', 'UserPromptSubmit', 'SessionEnd']) {
      const ours = s.hooks[ev].filter((g: { hooks: { command: string }[] }) => g.hooks[0]!.command.includes(HOOK_MARK));
      expect(ours).toHaveLength(1);
      expect(ours[0].hooks[0].command).toContain(`${hookScript()} ${events} ${ev}`);
    }
    removeHooks(repo);
    expect(JSON.parse(readFileSync(settingsPath(repo), 'utf8'))).toEqual(mine);
  });

  it('creates the file when there is none and removes it when only ours were there; refuses to clobber bad JSON', () => {
    const repo = tmp();
    installHooks(repo, path.join(repo, 'ev.jsonl'));
    expect(existsSync(settingsPath(repo))).toBe(true);
    removeHooks(repo);
    expect(existsSync(settingsPath(repo))).toBe(false);
    mkdirSync(path.join(repo, '.claude'), { recursive: true });
    writeFileSync(settingsPath(repo), '{ not json');
    expect(() => installHooks(repo, 'x')).toThrow(/not a JSON object/);
    expect(readFileSync(settingsPath(repo), 'utf8')).toBe('{ not json');
  });

  it('the hook script appends one JSON line per event, as the installed command runs it', () => {
    const repo = tmp();
    const events = path.join(repo, 'ev.jsonl');
    const line = JSON.parse(eventLine(JSON.stringify({ hook_event_name: 'Stop', session_id: 's1', last_assistant_message: 'x'.repeat(5000) }), undefined, 42));
    expect(line).toMatchObject({ event: 'Stop', time: 42, session_id: 's1' });
    expect(line.last_message.length).toBeLessThan(2100);
    expect(JSON.parse(eventLine('not json', 'SessionEnd'))).toMatchObject({ event: 'SessionEnd' });
    expect(runHook([])).toBe(0);
    if (existsSync(hookScript())) {
      // The command exactly as installed, through a shell, with the payload on stdin.
      installHooks(repo, events);
      const s = JSON.parse(readFileSync(settingsPath(repo), 'utf8'));
      const cmd: string = s.hooks.UserPromptSubmit[0].hooks[0].command;
      execFileSync('/bin/sh', ['-c', cmd], { input: JSON.stringify({ hook_event_name: 'UserPromptSubmit', prompt: 'hi\nthere' }) });
      const got = JSON.parse(readFileSync(events, 'utf8'));
      expect(got).toMatchObject({ event: 'UserPromptSubmit', prompt: 'hi\nthere' });
    }
  });

  it('the event reader returns only complete new lines', () => {
    const f = path.join(tmp(), 'ev.jsonl');
    const r = new EventReader(f);
    expect(r.read()).toEqual([]);
    appendFileSync(f, JSON.stringify({ event: 'Stop', time: 1 }) + '\n' + '{"event":"Sto');
    expect(r.read().map((e) => e.event)).toEqual(['Stop']);
    appendFileSync(f, 'p","time":2}\n');
    expect(r.read()).toEqual([{ event: 'Stop', time: 2 }]);
    appendFileSync(f, JSON.stringify({ event: 'SessionEnd', time: 3 }) + '\n');
    r.skipToEnd();
    expect(r.read()).toEqual([]);
  });
});

describe('launch', () => {
  it("gives the agent the supervisor's environment minus CLAUDECODE, the shim first on PATH, IS_SANDBOX only on request", () => {
    const base = { PATH: '/usr/bin', ANTHROPIC_API_KEY: 'k', CLAUDE_CONFIG_DIR: '/c', CLAUDECODE: '1', TMUX: '/t', 'BASH_FUNC_x%%': 'f' };
    const e = agentEnv(base, { profile: claude, sandbox: false, shimDir: '/s/bin' });
    expect(e).toEqual({ PATH: '/s/bin:/usr/bin', ANTHROPIC_API_KEY: 'k', CLAUDE_CONFIG_DIR: '/c' });
    expect(agentEnv(base, { profile: claude, sandbox: true }).IS_SANDBOX).toBe('1');
    expect(agentArgv(claude, 'claude', ['--dangerously-skip-permissions'], e)).toEqual([
      'env',
      '-u',
      'CLAUDECODE',
      '-u',
      'IS_SANDBOX',
      'PATH=/s/bin:/usr/bin',
      'claude',
      '--dangerously-skip-permissions',
    ]);
    expect(agentArgv(claude, 'claude', [], { IS_SANDBOX: '1' })).toEqual(['env', '-u', 'CLAUDECODE', 'claude']);
  });

  it('writes an executable ar-supervise shim that runs this package', () => {
    const d = tmp();
    const f = writeShim(path.join(d, 'bin'));
    expect(statSync(f).mode & 0o111).toBeTruthy();
    expect(execFileSync(f, ['--version'], { encoding: 'utf8' }).trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('redacts secrets from saved screens', () => {
    expect(redact('key sk-ant-api03-abcdef and SECRETVALUE1', { MY_API_KEY: 'SECRETVALUE1' })).toBe('key sk-ant-[redacted] and [redacted]');
  });
});

describe('names and status', () => {
  it('session names: usable tags only, our prefix, the supervisor suffix', () => {
    expect(() => validateSessionName('apr5')).not.toThrow();
    expect(() => validateSessionName('a.b')).toThrow();
    expect(() => validateSessionName('-x')).toThrow();
    expect(() => validateSessionName('x-sup')).toThrow();
    expect(parseSessionName('ar-apr5')).toEqual({ tag: 'apr5', role: 'agent' });
    expect(parseSessionName('ar-apr5-sup')).toEqual({ tag: 'apr5', role: 'supervisor' });
    expect(parseSessionName('apr5')).toBeNull();
    expect(parseSessionName('ar-')).toBeNull();
  });

  it('formats the status table', () => {
    expect(formatStatus([])).toBe('No autoresearch sessions are running.\n');
    const out = formatStatus([
      {
        name: 'apr5',
        state: 'busy',
        iterations: 3,
        runs: 7,
        best: { metric: 'val_bpb', value: 0.98123456, commit: 'abcdef0123' },
        task: 'raise the learning rate',
        uptimeSeconds: 3725,
        repo: '/r',
        supervisorPid: 1,
        agentPid: 2,
        restarts: 0,
        error: null,
      },
    ]);
    expect(out).toMatch(/^SESSION\s+STATE\s+TURNS\s+RUNS\s+BEST\s+TASK\s+UPTIME\napr5\s+busy\s+3\s+7\s+val_bpb 0.981235 \(abcdef0\)\s+raise the learning rate\s+1h02m\n$/);
    // The agent and its model, once a supervisor says which it drives.
    const row = { name: 'b', state: 'busy' as const, iterations: 1, runs: 2, best: null, task: null, uptimeSeconds: 5, repo: null, supervisorPid: 1, agentPid: 2, restarts: 0, error: null };
    expect(formatStatus([{ ...row, agent: 'codex', model: 'gpt-5' }, { ...row, name: 'c', agent: 'claude', model: null }])).toMatch(
      /^SESSION\s+STATE\s+TURNS\s+RUNS\s+BEST\s+TASK\s+UPTIME\s+AGENT\nb\s+busy\s+1\s+2\s+-\s+-\s+5s\s+codex \(gpt-5\)\nc\s+busy\s+1\s+2\s+-\s+-\s+5s\s+claude\n$/,
    );
    expect(fmtDuration(59)).toBe('59s');
    expect(fmtDuration(61)).toBe('1m01s');
  });
});
