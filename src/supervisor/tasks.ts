// The task plan: a list ordered by priority (higher first, ties keep their order), then "continue" forever.
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { TasksSchema, type TaskSpec } from '../config/config-schema.js';
import { readWith } from '../config/yaml-file.js';
import { typeName } from '../config/sentence.js';
import { InboxLineSchema, parseStateFile } from '../config/state-files.js';
import { UsageError } from '../errors.js';
import { stateDir } from '../paths.js';

/** Higher priority first; equal priorities keep their given order. */
export function orderTasks(tasks: TaskSpec[]): TaskSpec[] {
  return tasks
    .map((t, i) => ({ t, i }))
    .sort((a, b) => b.t.priority - a.t.priority || a.i - b.i)
    .map((x) => x.t);
}

/** Read a `--tasks` file: a YAML list of strings or {text, priority}, or a mapping with a `tasks:` list. */
export function loadTasksFile(file: string): TaskSpec[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`the tasks file ${file} cannot be read: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (e as Error).message}.`);
  }
  let value: unknown;
  try {
    value = YAML.parse(text);
  } catch (e) {
    throw new UsageError(`the tasks file ${file} is not valid YAML: ${(e as Error).message.split('\n')[0]}.`);
  }
  if (value && typeof value === 'object' && !Array.isArray(value) && 'tasks' in value) value = (value as { tasks: unknown }).tasks;
  if (value === null || value === undefined) return [];
  return readWith(TasksSchema, value, { file, got: typeName });
}

/**
 * The plan for this session: the `--tasks` file replaces config `tasks:`; each `--task` comes first
 * (above the highest priority, in the order given). File and config tasks already sent by an earlier
 * supervisor of this session are dropped; a `--task` given again is sent again.
 */
export function buildPlan(o: { config: TaskSpec[]; file?: TaskSpec[] | null; cli?: string[]; done?: string[] }): TaskSpec[] {
  const done = new Set(o.done ?? []);
  const base = (o.file ?? o.config).filter((t) => !done.has(t.text));
  const top = base.reduce((m, t) => Math.max(m, t.priority), 0) + 1;
  const cli = (o.cli ?? []).filter((t) => t.trim() !== '').map((text) => ({ text, priority: top }));
  return orderTasks([...cli, ...base]);
}

/** The queue the loop takes tasks from. */
export class TaskQueue {
  private items: TaskSpec[];
  constructor(tasks: TaskSpec[]) {
    this.items = orderTasks(tasks);
  }
  peek(): TaskSpec | null {
    return this.items[0] ?? null;
  }
  /** A task added while running: before the tasks of lower priority, after those of its own. */
  add(t: TaskSpec): void {
    const i = this.items.findIndex((x) => x.priority < t.priority);
    if (i < 0) this.items.push(t);
    else this.items.splice(i, 0, t);
  }
  shift(): TaskSpec | null {
    return this.items.shift() ?? null;
  }
  /** Put a task back at the front (its turn failed). */
  unshift(t: TaskSpec): void {
    this.items.unshift(t);
  }
  remaining(): TaskSpec[] {
    return [...this.items];
  }
  get size(): number {
    return this.items.length;
  }
}

/** Tasks added while a session runs (the dashboard's "add a task"): one JSON line each, read after every turn. */
export function inboxPath(repo: string, tag: string): string {
  return path.join(stateDir(repo, tag), 'tasks.inbox.jsonl');
}

/** Append a task to a session's inbox (O_APPEND: writers never tear each other's lines). */
export function addToInbox(repo: string, tag: string, task: TaskSpec): void {
  mkdirSync(stateDir(repo, tag), { recursive: true, mode: 0o700 });
  appendFileSync(inboxPath(repo, tag), JSON.stringify({ text: task.text, priority: task.priority, added: new Date().toISOString() }) + '\n', { mode: 0o600 });
}

/** Reads the tasks appended to an inbox since the last call (complete lines only; bad lines skipped). */
export class Inbox {
  private offset = 0;
  constructor(private readonly file: string) {}

  take(): TaskSpec[] {
    let buf: Buffer;
    try {
      buf = readFileSync(this.file);
    } catch {
      return [];
    }
    if (buf.length < this.offset) this.offset = 0; // replaced: read it again (done tasks are skipped by the caller)
    const end = buf.lastIndexOf(10) + 1;
    if (end <= this.offset) return [];
    const text = buf.subarray(this.offset, end).toString('utf8');
    this.offset = end;
    const out: TaskSpec[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      const r = parseStateFile(line, InboxLineSchema);
      if (r.ok) out.push({ text: r.value.text, priority: r.value.priority }); // a damaged line is not a task
    }
    return out;
  }
}
