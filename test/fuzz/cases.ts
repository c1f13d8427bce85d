// Generated malformed inputs: each must get one clear sentence and exit 2, never a stack trace.

/** Broken autoresearch.yaml files: every key with wrong types, broken YAML, binary, odd encodings. */
export function badConfigs(): Array<[string, string | Buffer]> {
  const cases: Array<[string, string | Buffer]> = [];
  const wrong: Record<string, unknown[]> = {
    command: [42, [], [1, 2], '', { a: 1 }, true],
    budget_seconds: ['soon', -1, 0, [], '5m', null, true],
    metric: [3, '', [], null],
    goal: ['lowest', 1, [], 'MIN', null],
    editable: ['train.py', [], [1], null, 5],
    readonly: ['prepare.py', [3], { a: 1 }],
    memory_metric: [1, []],
    check: [5, [], [1]],
    timeout_factor: [0, -2, 'x'],
    kill_grace_seconds: ['x', -1],
    dependency_files: ['a', [1]],
    objective: [1, ''],
    agent: ['claude', [], { command: 3 }, { args: 'x' }, { cmd: 'x' }, { profile: 'gpt' }, { profile: 3 }],
    tasks: ['do it', [1], [{ text: '' }], [{ text: 'a', priority: 'high' }], [{ txt: 'a' }], { text: 'a' }],
    noise: [{ reruns: 3 }, { reruns: -1, sigma: 2 }, { reruns: 3, sigma: 'x' }, 5],
    notify: [{ webhook: 'not a url' }, { bell: 'yes' }, 'x'],
    supervisor: [{ restart_after_turns: -1 }, { unknown_screen_timeout: 'x' }, { foo: 1 }],
    git: [{ push: '--force' }, { push: 'a b' }, { push: 3 }, { push_refs: 'yes' }, { message: '' }, { message: 'keep {what}' }, 'origin'],
    ledger_columns: ['artifact_mb', ['tok per sec'], ['val_bpb']],
    pipeline: [2, { depth: 0 }, { depth: 'two' }, { depth: 1.5 }, { stale: 'keep' }, { slots: 2 }],
    executor: ['slurm', { kind: 'k8s' }, { kind: 'slurm', partitions: 'gpu' }, { gres: 4 }, { partition: 'a b' }, { args: '--constraint=h100' }, { args: [1] }, { retries: -1 }, { time_padding: 'x' }],
  };
  for (const [k, vals] of Object.entries(wrong)) {
    for (const v of vals) cases.push([`${k}: ${JSON.stringify(v)}`, `${k}: ${JSON.stringify(v)}\n`]);
  }
  cases.push(
    ['unknown key', 'budget: 5\n'],
    ['unknown nested key', 'agent:\n  commnd: claude\n'],
    ['unclosed flow list', 'editable: [train.py\n'],
    ['bad indentation', 'command: python3 train.py\n  budget_seconds: 5\n'],
    ['tab indentation', 'agent:\n\tcommand: x\n'],
    ['duplicate key', 'metric: a\nmetric: b\n'],
    ['top-level list', '- a\n- b\n'],
    ['top-level scalar', 'just words\n'],
    ['unterminated string', 'objective: "never ends\n'],
    ['editable and readonly overlap', 'editable: [train.py]\nreadonly: [train.py]\n'],
    ['binary', Buffer.from([0x00, 0xff, 0xfe, 0x01, 0x02, 0x00, 0x10])],
    ['CRLF with a bad value', 'budget_seconds: x\r\nmetric: val_bpb\r\n'],
  );
  return cases;
}

/** Command lines with bad flags or values. */
export function badArgs(): Array<[string, string[]]> {
  return [
    ['unknown command', ['frobnicate']],
    ['unknown option', ['--bogus']],
    ['init without tag', ['init']],
    ['init with empty tag', ['init', '--tag', '']],
    ['init with a slash tag', ['init', '--tag', 'a/b']],
    ['init with a dotdot tag', ['init', '--tag', '..']],
    ['init with a space', ['init', '--tag', 'a b']],
    ['init with a leading dash', ['init', '--tag', '-x']],
    ['init with a very long tag', ['init', '--tag', 'x'.repeat(300)]],
    ['run without message', ['run']],
    ['run with empty message', ['run', '-m', '']],
    ['run with a negative seed', ['run', '-m', 'x', '--seed', '-1']],
    ['run with a word seed', ['run', '-m', 'x', '--seed', 'abc']],
    ['run with a fractional seed', ['run', '-m', 'x', '--seed', '1.5']],
    ['run outside an autoresearch branch', ['run', '-m', 'x']],
    ['run with an unknown option', ['run', '-m', 'x', '--budget', '5']],
    ['doctor with an argument', ['doctor', 'now']],
    ['doctor with an unknown option', ['doctor', '--fix']],
    ['finalize without a branch', ['finalize']],
    ['finalize off an autoresearch branch', ['finalize', '--branch', 'x']],
    ['push off an autoresearch branch', ['push']],
    ['session with a remote that reads as an option', ['--session', 'x', '--push=--force']],
    ['import without a tag', ['import', 'results.tsv']],
    ['import without a file', ['import', '--tag', 'a']],
    ['import of a missing file', ['import', 'no-such.tsv', '--tag', 'a']],
    ['import with a slash tag', ['import', 'no-such.tsv', '--tag', 'a/b']],
    ['submit without message', ['submit']],
    ['submit with a word seed', ['submit', '-m', 'x', '--seed', 'abc']],
    ['submit with bad gpus', ['submit', '-m', 'x', '--gpus', '0,,1']],
    ['submit outside an autoresearch branch', ['submit', '-m', 'x']],
    ['results with a word since', ['results', '--since', 'last']],
    ['queue cancel of no number', ['queue', '--cancel', '0']],
    ['queue with repeated gpus', ['queue', '--gpus', '1,1']],
  ];
}

/** Broken task files for `--tasks`. */
export function badTaskFiles(): Array<[string, string | Buffer]> {
  return [
    ['a mapping without tasks', 'text: do it\n'],
    ['a number', '42\n'],
    ['a task with no text', '- {priority: 3}\n'],
    ['empty text', '- {text: "", priority: 1}\n'],
    ['priority as a word', '- {text: a, priority: high}\n'],
    ['unknown task key', '- {text: a, when: now}\n'],
    ['nested list', '- [a, b]\n'],
    ['broken YAML', '- {text: a\n'],
    ['binary', Buffer.from([0, 1, 2, 255, 254, 0])],
    ['tasks key holding a string', 'tasks: do it\n'],
  ];
}

/** Broken sweep files. */
export function badSweepFiles(): Array<[string, string | Buffer]> {
  return [
    ['unknown strategy', 'strategy: anneal\nparameters: {X: [1, 2]}\n'],
    ['unknown key', 'strategy: grid\nparameters: {X: [1, 2]}\nrepeats: 2\n'],
    ['no parameters', 'strategy: grid\n'],
    ['empty values', 'strategy: grid\nparameters: {X: []}\n'],
    ['values not a list', 'strategy: grid\nparameters: {X: 3}\n'],
    ['parameter missing from the file', 'strategy: grid\nparameters: {NOPE: [1, 2]}\n'],
    ['random without samples', 'strategy: random\nparameters: {X: [1, 2]}\n'],
    ['seeds zero', 'strategy: grid\nparameters: {X: [1, 2]}\nseeds: 0\n'],
    ['seeds a word', 'strategy: grid\nparameters: {X: [1, 2]}\nseeds: many\n'],
    ['broken YAML', 'strategy: grid\nparameters: {X: [1, 2\n'],
    ['a list at the top', '- X\n'],
    ['binary', Buffer.from([0, 159, 146, 150, 0])],
    ['a nested mapping as a value', 'strategy: grid\nparameters: {X: [{a: 1}]}\n'],
  ];
}

/** Damaged ledgers: read with a warning, never a crash. */
export function damagedLedgers(): Array<[string, string | Buffer]> {
  const rec = (id: number, value: number | null, status: string) =>
    JSON.stringify({ v: 1, id, tag: 't', start: '2026-01-01T00:00:00.000Z', end: '2026-01-01T00:05:00.000Z', durationMs: 300000, commit: `${id}`.padStart(40, 'a'), parent: 'a'.repeat(40), description: `run ${id}`, status, metric: 'val_bpb', value, bestBefore: null, memoryGb: 1, metrics: {}, exitCode: 0, signal: null, timedOut: false, linesAdded: 1, linesRemoved: 1, log: '' });
  const good = [rec(1, 1.0, 'keep'), rec(2, 0.9, 'keep'), rec(3, 1.1, 'discard')].join('\n') + '\n';
  return [
    ['a truncated last line', good + rec(4, 0.8, 'keep').slice(0, 50)],
    ['a garbage line', good.replace('\n', '\n}{not json\n')],
    ['CRLF line ends', good.replace(/\n/g, '\r\n')],
    ['a binary file', Buffer.from([0, 1, 2, 3, 255, 10, 0, 0])],
    ['a JSON array instead of lines', JSON.stringify([1, 2, 3]) + '\n'],
    ['records of the wrong shape', '{"a":1}\n{"commit":5}\n' + good],
    ['an empty file', ''],
    ['only blank lines', '\n\n\n'],
    ['a huge line', good + '"' + 'x'.repeat(200_000) + '"\n'],
    ['NUL bytes inside', good.replace('run 2', 'run\u0000 2')],
  ];
}

/** Files `import` refuses: one sentence, exit 2, nothing written. */
export function badImportFiles(): Array<[string, string | Buffer]> {
  const h = 'commit\tval_bpb\tmemory_gb\tstatus\tdescription\n';
  return [
    ['an empty file', ''],
    ['only a header', h],
    ['only blank lines', '\n\n\r\n'],
    ['binary', Buffer.from([0, 1, 2, 3, 255, 10, 0, 0])],
    ['NUL bytes inside', h + 'abc1234\t1.0\t2.0\tkeep\tx\u0000y\n'],
    ['statuses of another tool only', h + 'abc1234\t1.0\t2.0\ttentative\tx\nabc1235\t1.0\t2.0\toversize\ty\n'],
    ['rows with too few columns', h + 'abc1234\t1.0\tkeep\nabc1235\t0.9\n'],
    ['a truncated only row', h + 'abc1234\t1.0\t2.0'],
    ['another metric', 'commit\tval_loss\tmemory_gb\tstatus\tdescription\nabc1234\t1.0\t2.0\tkeep\tx\n'],
    ['a CSV file', 'commit,val_bpb,memory_gb,status,description\nabc1234,1.0,2.0,keep,x\n'],
    ['a header with extra columns and stray tabs', 'commit\tval_bpb\tstatus\tdescription\tmfu\nabc1234\t1.0\tkeep\ta\tb\t3\n'],
    ['a huge garbage line', 'x'.repeat(200_000) + '\n'],
  ];
}

/** results.tsv alone (karpathy's loop, a fork) damaged: read with a warning, never a crash. */
export function damagedTsvLedgers(): Array<[string, string | Buffer]> {
  const h = 'commit\tval_bpb\tartifact_mb\tmemory_gb\tstatus\tdescription\n';
  const good = h + 'abc1234\t1.000000\t15.1\t2.0\tkeep\tbaseline\nabc1235\t0.900000\t15.2\t2.0\tkeep\tLR 0.04, «warmup» →\n';
  return [
    ['a truncated last line', good + 'abc1236\t0.8'],
    ['a row with too few columns', good + 'abc1236\t0.8\tkeep\n'],
    ['a stray tab before the description', good.replace('\tbaseline', '\tbase\tline')],
    ['an unknown status', good + 'abc1236\t0.8\t15\t2.0\tmaybe\tx\n'],
    ['an unreadable value', good + 'abc1236\tfast\t15\t2.0\tdiscard\tx\n'],
    ['a header without status', 'commit\tval_bpb\tmemory_gb\tstate\tdescription\nabc1234\t1.0\t2.0\tkeep\tx\n'],
    ['a stray tab in a last description', 'commit\tval_bpb\tmemory_gb\tstatus\tdescription\nabc1234\t1.0\t2.0\tkeep\ta\tb\n'],
    ['a binary file', Buffer.from([0, 1, 2, 3, 255, 10, 0, 0])],
    ['a huge line', good + 'x'.repeat(200_000) + '\n'],
    ['CRLF line ends', good.replace(/\n/g, '\r\n')],
    ['no header', 'abc1234\t1.000000\t2.0\tkeep\tbaseline\n'],
    ['a BOM', '\ufeff' + good],
    ['an empty file', ''],
  ];
}
