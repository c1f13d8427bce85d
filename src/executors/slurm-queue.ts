import { squeueJobs, type QueueEntry } from '../adapters/slurm.js';

// One `squeue` for every job this process waits on: each call asks about all of them, and a question about a job
// that a call in flight already covers shares its answer, so K runs side by side cost the controller what one does.

/** How long a question waits for others to join it. */
const GATHER_MS = 10;

type Answer = QueueEntry | null | { error: string };
type Reply = Map<string, QueueEntry> | { error: string };

const watched = new Set<string>();
let inflight: { ids: Set<string>; reply: Promise<Reply> } | null = null;
let gathering: Promise<Reply> | null = null;

const pick = (r: Reply, id: string): Answer => (r instanceof Map ? (r.get(id) ?? null) : r);

/** After GATHER_MS, one call about every job watched then (those asked about meanwhile included). */
async function gather(cwd: string): Promise<Reply> {
  await new Promise((r) => setTimeout(r, GATHER_MS));
  const c = { ids: new Set(watched), reply: squeueJobs([...watched], cwd) };
  gathering = null;
  inflight = c;
  try {
    return await c.reply;
  } finally {
    if (inflight === c) inflight = null;
  }
}

/** The job as a shared `squeue` sees it, asked at most a few milliseconds ago; null once it has left the queue. */
export async function queueState(id: string, cwd: string): Promise<Answer> {
  watched.add(id);
  if (inflight?.ids.has(id)) return pick(await inflight.reply, id);
  gathering ??= gather(cwd);
  return pick(await gathering, id);
}

/** Stop asking about a job (it ended, or nobody waits for it any more). */
export function unwatch(id: string): void {
  watched.delete(id);
}
