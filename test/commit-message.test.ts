import { describe, it, expect } from 'vitest';
import { keptMessage, DEFAULT_KEEP_MESSAGE } from '../src/commit-message.js';
import { pushError, maskRemote } from '../src/engine/push.js';

const f = { id: 7, tag: 'apr5', description: 'raise LR to 0.04', metric: 'val_bpb', value: 0.94991, bestBefore: 0.95721, memoryGb: 44.04 };

describe('kept commit messages', () => {
  it('say the finding and its numbers', () => {
    expect(keptMessage(DEFAULT_KEEP_MESSAGE, f)).toBe('keep: raise LR to 0.04 (val_bpb 0.9499, -0.0073)');
    expect(keptMessage(DEFAULT_KEEP_MESSAGE, { ...f, bestBefore: null })).toBe('keep: raise LR to 0.04 (val_bpb 0.9499)');
    expect(keptMessage('{tag}#{id} {description} [{metric}={value} {delta}, {memory_gb} GB]', { ...f, value: 0.9500004, bestBefore: 0.95 })).toBe(
      'apr5#7 raise LR to 0.04 [val_bpb=0.9500 +4.00e-7, 44.0 GB]',
    );
  });
});

describe('push failures in one line', () => {
  it('tells a moved remote from a refusing one and a missing one, with credentials masked', () => {
    expect(pushError('To /r.git\n!\tabc:refs/heads/autoresearch/t\t[rejected] (fetch first)\nDone\n', '')).toMatch(/^rejected: the remote's branch has commits this one lacks \(\(fetch first\)\); pushes are never forced$/);
    expect(pushError('!\tabc:refs/heads/x\t[remote rejected] (pre-receive hook declined)\n', 'remote: closed\n')).toBe('the remote refused: (pre-receive hook declined)');
    expect(pushError('', "fatal: unable to access 'https://me:s3cretpass@example.com/r.git/': Could not resolve host: example.com\n")).toBe(
      "unable to access 'https://***@example.com/r.git/': Could not resolve host: example.com",
    );
    expect(maskRemote('https://user:tok@host/x.git')).toBe('https://***@host/x.git');
  });
});
