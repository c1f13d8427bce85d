import { squeueJobs, type QueueEntry } from '../adapters/slurm.js';

// One `squeue` for every job this process waits on: each call asks about all of them, and a question about a job
// that a call in flight already covers shares its answer, so K runs side by side cost the controller what one does.

/** How long a question waits for others to join it. */
const GATHER_MS = 10;

type Answer = QueueEntry | null | { error: string };
type Reply = Map<string, QueueEntry> | { error: string };

const watched = new Set<string>();
let inflight: { ids: Set<string>; reply: Promise<Reply> } | null = null;
let next: { ids: Set<string>; reply: Promise<Reply> } | null = null;

const pick = (r: Reply, id: string): Answer => (r instanceof Map ? (r.get(id) ?? null) : r);

function call(cwd: string): { ids: Set<string>; reply: Promise<Reply> } {
  const ids = new Set(watched);
  const reply = (async () => {
    await new Promise((r) => setTimeout(r, GATHER_MS));
    // those asked about while this one gathered are in it too
    for (const id of watched) ids.add(id);
    next = null;
    const c = { ids, reply: squeueJobs([...ids], cwd) };
    inflight = c;
    try {
      return await c.reply;
    } finally {
      if (inflight === c) inflight = null;
    }
  })();
  return { ids, reply };
}

/** The job as a shared `squeue` sees it, asked at most a few milliseconds ago; null once it has left the queue. */
export async function queueState(id: string, cwd: string): Promise<Answer> {
  watched.add(id);
  if (inflight?.ids.has(id)) return pick(await inflight.reply, id);
  next ??= call(cwd);
  next.ids.add(id);
  return pick(await next.reply, id);
}

/** Stop asking about a job (it ended, or nobody waits for it any more). */
export function unwatch(id: string): void {
  watched.delete(id);
}
