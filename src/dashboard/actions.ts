// What the page may change, only with --allow-actions: add a task to a session, stop a lane, promote a lane's
// best into another lane. Each takes a checked JSON body and answers one sentence.
import { UsageError } from '../errors.js';
import { addToInbox } from '../supervisor/tasks.js';
import { readSupervisorState } from '../supervisor/state.js';
import type { SupervisorCheck } from './lanes.js';
import type { Place } from './places.js';

export interface ActionContext {
  repo: string;
  place: (tag: string) => Place | null;
  sup: SupervisorCheck;
  /** Promotion runs an experiment (minutes): started here, its result lands in the target's ledger. */
  promote: (o: { cwd: string; source: string; to: string }) => Promise<unknown>;
}

export type ActionName = 'task' | 'stop' | 'promote';

function str(body: Record<string, unknown>, key: string, max = 200): string {
  const v = body[key];
  if (typeof v !== 'string' || v.trim() === '') throw new UsageError(`"${key}" is missing.`);
  if (v.length > max) throw new UsageError(`"${key}" is longer than ${max} characters.`);
  return v;
}

function placeOf(ctx: ActionContext, tag: string): Place {
  const p = ctx.place(tag);
  if (!p) throw new UsageError(`there is no session or lane "${tag}".`);
  return p;
}

export async function runAction(ctx: ActionContext, name: ActionName, body: Record<string, unknown>): Promise<{ status: number; message: string }> {
  if (name === 'task') {
    const p = placeOf(ctx, str(body, 'tag'));
    const text = str(body, 'text', 4000);
    const priority = body.priority === undefined ? 0 : Number(body.priority);
    if (!Number.isInteger(priority) || Math.abs(priority) > 1000) throw new UsageError('"priority" must be a whole number from -1000 to 1000.');
    addToInbox(p.home, p.tag, { text, priority });
    return { status: 200, message: `Task added to ${label(p)} at priority ${priority}; the agent gets it after its current turn.` };
  }
  if (name === 'stop') {
    const p = placeOf(ctx, str(body, 'tag'));
    const st = readSupervisorState(p.home, p.tag);
    if (!st || !ctx.sup.alive(st.pid, p.tag)) throw new UsageError(`${label(p)} has no running supervisor.`);
    process.kill(st.pid, 'SIGTERM');
    return { status: 200, message: `Stopping ${label(p)}: its supervisor ends the agent and settles the ledger.` };
  }
  const from = placeOf(ctx, str(body, 'from'));
  const to = placeOf(ctx, str(body, 'to'));
  if (!from.lane || !to.lane || from.session !== to.session) throw new UsageError('promote takes two lanes of one lane set.');
  if (from.tag === to.tag) throw new UsageError('promote needs two different lanes.');
  const source = `${from.session}:${from.lane}`;
  const target = `${to.session}:${to.lane}`;
  // Not awaited: the run takes its budget; its record appears in the target's ledger like any other.
  ctx.promote({ cwd: ctx.repo, source, to: target }).catch(() => {});
  return { status: 202, message: `Promoting the best of ${source} onto ${target}: it runs as an experiment there.` };
}

function label(p: Place): string {
  return p.lane ? `${p.session}:${p.lane}` : p.tag;
}
