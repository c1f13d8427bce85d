import { afterAll, describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { addToInbox, Inbox, inboxPath, TaskQueue } from '../../src/supervisor/tasks.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ar-inbox-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('task inbox', () => {
  it('hands each task added while running over once, complete lines only', () => {
    const inbox = new Inbox(inboxPath(dir, 't'));
    expect(inbox.take()).toEqual([]);
    addToInbox(dir, 't', { text: 'first', priority: 1 });
    addToInbox(dir, 't', { text: 'second', priority: 5 });
    appendFileSync(inboxPath(dir, 't'), 'not json\n{"text":"half');
    expect(inbox.take()).toEqual([
      { text: 'first', priority: 1 },
      { text: 'second', priority: 5 },
    ]);
    expect(inbox.take()).toEqual([]);
    appendFileSync(inboxPath(dir, 't'), ' done","priority":2}\n');
    expect(inbox.take()).toEqual([{ text: 'half done', priority: 2 }]);
  });

  it('puts an added task after those of its priority and before lower ones', () => {
    const q = new TaskQueue([
      { text: 'a', priority: 9 },
      { text: 'b', priority: 5 },
      { text: 'c', priority: 1 },
    ]);
    q.add({ text: 'new', priority: 5 });
    q.add({ text: 'last', priority: 0 });
    expect(q.remaining().map((t) => t.text)).toEqual(['a', 'b', 'new', 'c', 'last']);
  });
});
