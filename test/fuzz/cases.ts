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
    agent: ['claude', [], { command: 3 }, { args: 'x' }, { cmd: 'x' }],
    tasks: ['do it', [1], [{ text: '' }], [{ text: 'a', priority: 'high' }], [{ txt: 'a' }], { text: 'a' }],
    noise: [{ reruns: 3 }, { reruns: -1, sigma: 2 }, { reruns: 3, sigma: 'x' }, 5],
    notify: [{ webhook: 'not a url' }, { bell: 'yes' }, 'x'],
    supervisor: [{ restart_after_turns: -1 }, { unknown_screen_timeout: 'x' }, { foo: 1 }],
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
  ];
}
