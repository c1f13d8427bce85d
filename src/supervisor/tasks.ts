// The task plan: a list ordered by priority (higher first, ties keep their order), then "continue" forever.
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { parseTasks, type TaskSpec } from '../config.js';
import { UsageError } from '../errors.js';

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
  return parseTasks(value, file);
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
