// The JSON state files we write and read back, described once: each reader validates against its schema, and
// the TypeScript types are derived from the schemas (no second description to forget a key in).
import * as v from 'valibot';
import type { RunRecord } from '../engine/types.js';

const env = v.record(v.string(), v.string());
const goal = v.picklist(['min', 'max']);

/** `.autoresearch/<tag>/state.json`: what init fixes for a tag; everything that changes is derived from the records. */
export const TagStateSchema = v.looseObject({
  v: v.literal(1),
  tag: v.string(),
  branch: v.string(),
  /** The commit the branch started from: the last kept commit until the first keep. */
  base: v.string(),
  created: v.string(),
  metric: v.string(),
  goal,
  /** sha256 of each read-only file at init (null when it did not exist). */
  readonly: v.record(v.string(), v.nullable(v.string())),
  lane: v.optional(v.string()),
  /** Environment every run of this tag gets (a lane's CUDA_VISIBLE_DEVICES). */
  env: v.optional(env),
  /** The ledger_columns results.tsv is kept with (absent: karpathy's five); a run brings it in line with the config. */
  ledgerColumns: v.optional(v.array(v.string())),
  /** A history made by `import`: where from, and whether its last keep (where the branch goes on) is in git. */
  imported: v.optional(
    v.object({ from: v.string(), at: v.string(), runs: v.number(), lastKeep: v.nullable(v.string()), lastKeepInGit: v.boolean() }),
  ),
  /** Noise-aware keeping: sigma estimated from the baseline's reruns; keeps need > threshold. */
  noise: v.optional(v.object({ sigma: v.number(), threshold: v.number(), values: v.array(v.number()) })),
});
export type TagState = v.InferOutput<typeof TagStateSchema>;

/** One lane of a lane set, in its manifest. */
export const LaneEntrySchema = v.looseObject({
  /** `gpu0` or `lane0`. */
  name: v.string(),
  /** `<session>-<name>`: the lane's tag and tmux session. */
  tag: v.string(),
  branch: v.string(),
  /** Absolute path of the lane's worktree. */
  worktree: v.string(),
  gpu: v.nullable(v.string()),
  env,
  /** The agent profile the lane last started with (absent in manifests written before it was kept). */
  agent: v.optional(v.string()),
  created: v.string(),
  /** Set by `kill --clean`: the worktree is gone, its ledger and state were archived here (a tag folder of main). */
  removed: v.optional(v.string()),
  archive: v.optional(v.string()),
});
export type LaneEntry = v.InferOutput<typeof LaneEntrySchema>;

/** `.autoresearch/.lanes/<session>.json`: every lane of a lane set. */
export const LaneManifestSchema = v.looseObject({
  v: v.literal(1),
  session: v.string(),
  /** The main repository (absolute). */
  repo: v.string(),
  /** The commit the lanes started from. */
  base: v.string(),
  created: v.string(),
  lanes: v.array(LaneEntrySchema),
});
export type LaneManifest = v.InferOutput<typeof LaneManifestSchema>;

/** `<worktree>/.autoresearch/<tag>/lane.json`: this checkout is a lane, of which set, and where main is. */
export const LaneMarkerSchema = v.looseObject({
  v: v.literal(1),
  session: v.string(),
  lane: v.string(),
  /** The main repository (absolute), where the manifest is. */
  main: v.string(),
  env,
});
export type LaneMarker = v.InferOutput<typeof LaneMarkerSchema>;

export const SUPERVISOR_PHASES = [
  'starting', // setting up: branch, baseline, CLAUDE.md
  'dialog', // passing the agent's startup dialogs
  'busy', // the agent is working on a turn
  'ready', // between turns
  'waiting', // the agent's API failed: backing off, or waiting for a usage limit to reset
  'restarting',
  'stopping',
  'stopped',
  'failed',
] as const;

/** `.autoresearch/<tag>/supervisor.json`: what the supervisor is doing, read by `status`, `kill` and the dashboard. */
export const SupervisorStateSchema = v.looseObject({
  v: v.literal(1),
  tag: v.string(),
  repo: v.string(),
  pid: v.number(),
  socket: v.string(),
  started: v.string(),
  updated: v.string(),
  state: v.picklist(SUPERVISOR_PHASES),
  iterations: v.number(),
  restarts: v.number(),
  currentTask: v.nullable(v.string()),
  /** Texts of the tasks already sent (so a resumed session skips them). */
  doneTasks: v.array(v.string()),
  /** The agent profile (claude, codex, gemini) and the model its launch line names (null: the CLI's default). */
  agent: v.optional(v.string()),
  model: v.optional(v.nullable(v.string())),
  agentSession: v.string(),
  agentPane: v.nullable(v.string()),
  agentPid: v.nullable(v.number()),
  /** The tmux session the supervisor itself runs in (detached mode), or null in the foreground. */
  supervisorSession: v.nullable(v.string()),
  /** The address of a dashboard started beside this session (`--dashboard`). */
  dashboard: v.optional(v.string()),
  stopReason: v.optional(v.string()),
  error: v.optional(v.string()),
  exitCode: v.optional(v.number()),
  /** While waiting: until when (ISO) and why ("rate limited", "usage limit"). */
  waitUntil: v.optional(v.nullable(v.string())),
  waitReason: v.optional(v.nullable(v.string())),
  /** When the supervisor stopped or failed (ISO). */
  endedAt: v.optional(v.string()),
});
export type SupervisorState = v.InferOutput<typeof SupervisorStateSchema>;
export type SupervisorPhase = SupervisorState['state'];

/** `.autoresearch/<tag>/push.json`: how the last push went. */
export const PushStateSchema = v.looseObject({
  /** The remote, credentials in a URL masked. */
  remote: v.string(),
  /** The last kept commit the remote is known to have on the branch (null: none yet). */
  pushed: v.nullable(v.string()),
  /** The commit the last attempt tried to push. */
  target: v.nullable(v.string()),
  /** When the last attempt ended. */
  at: v.string(),
  ok: v.boolean(),
  /** Why the last attempt failed, in one line. */
  error: v.nullable(v.string()),
  /** The first failure since the last success. */
  failingSince: v.nullable(v.string()),
});
export type PushState = v.InferOutput<typeof PushStateSchema>;

/** `.autoresearch/<tag>/ledger.meta.json`: the ledger files' sizes as the last append left them, and its tip. */
export const LedgerMetaSchema = v.looseObject({
  tsv: v.number(),
  records: v.number(),
  /** How many runs, and the last keep (what `run` needs, without parsing every record). */
  tip: v.fallback(
    v.optional(
      v.object({
        count: v.pipe(v.number(), v.integer(), v.minValue(0)),
        lastKeep: v.nullable(v.object({ value: v.nullable(v.number()), commit: v.string() })),
      }),
    ),
    undefined, // a damaged tip alone: the records are read instead
  ),
  /** The ledger_columns results.tsv was written with (absent: none). */
  columns: v.optional(v.array(v.string())),
});
export type LedgerMeta = v.InferOutput<typeof LedgerMetaSchema>;

/** One line of `.autoresearch/<tag>/unavailable.jsonl`: a stretch when the agent could not work (ISO times). */
export const UnavailableSchema = v.object({
  from: v.pipe(v.string(), v.check((s) => !Number.isNaN(Date.parse(s)))),
  /** null while it lasts (or when the supervisor vanished during it). */
  to: v.fallback(v.nullable(v.pipe(v.string(), v.check((s) => !Number.isNaN(Date.parse(s))))), null),
  cause: v.string(),
});
export type Unavailable = v.InferOutput<typeof UnavailableSchema>;

/** `.autoresearch/<tag>/sweep-*.json` of a greedy sweep: where its first invocation started and the best then. */
export const GreedySweepStateSchema = v.looseObject({
  start: v.record(v.string(), v.string()),
  best: v.nullable(v.number()),
});

/** One line of `.autoresearch/<tag>/events.jsonl`, as the hook program writes it (agents/hook.ts). */
export const HookEventSchema = v.looseObject({
  event: v.string(),
  /** Unix ms when the hook ran. */
  time: v.number(),
  session_id: v.optional(v.string()),
  /** The submitted prompt (UserPromptSubmit), cut to 2000 characters. */
  prompt: v.optional(v.string()),
  /** The agent's last message (Stop), cut to 2000 characters. */
  last_message: v.optional(v.string()),
  reason: v.optional(v.string()),
  /** Why a turn failed (StopFailure): the agent's error type, e.g. rate_limit, authentication_failed. */
  error: v.optional(v.string()),
  /** More on that error (StopFailure), cut and redacted like the message. */
  error_details: v.optional(v.string()),
  /** Codex's notify: the thread the turn belongs to. */
  thread: v.optional(v.string()),
});
export type HookEvent = v.InferOutput<typeof HookEventSchema>;

/** How an executor finds a job again (executors/types.ts): process group id (local) or job id (slurm), null until given. */
export const JobHandleSchema = v.looseObject({
  engine: v.string(),
  id: v.nullable(v.string()),
  /** A unique name, where the engine knows jobs by name (so a job whose id was never seen can be found). */
  name: v.optional(v.string()),
});
export type JobHandle = v.InferOutput<typeof JobHandleSchema>;

/** Where a job is while it has not ended: for the live line and `status`. */
export const JobPlaceSchema = v.object({
  state: v.picklist(['queued', 'running']),
  /** ms spent queued so far (or in all, once running). */
  queuedMs: v.number(),
  node: v.optional(v.string()),
  /** Why it waits, in the engine's words (e.g. Resources). */
  reason: v.optional(v.string()),
});
export type JobPlace = v.InferOutput<typeof JobPlaceSchema>;

/** A job and where it is (queued, running on a node): a pending run's, a running queue entry's. */
const JobWhereSchema = v.looseObject({ ...JobHandleSchema.entries, place: v.optional(JobPlaceSchema) });
export type JobWhere = v.InferOutput<typeof JobWhereSchema>;

/** Who made a run: the agent profile and model, when an agent did. */
const madeBy = v.object({ agent: v.optional(v.string()), model: v.optional(v.string()) });

/** `.autoresearch/<tag>/pending.json` (and a batch's `pending-<n>.json`): the run in progress, written before it trains. */
export const PendingSchema = v.looseObject({
  id: v.number(),
  /** The local process group (older markers; kept for them). */
  pid: v.nullable(v.number()),
  /** How the executor finds the run again, and where it is (queued, running on a node). */
  job: v.optional(JobWhereSchema),
  runner: v.number(),
  commit: v.string(),
  parent: v.string(),
  description: v.string(),
  start: v.string(),
  seed: v.optional(v.number()),
  log: v.string(),
  /** The kept commit renamed to say what was found (same tree and parent); set just before the branch moves to it. */
  kept: v.optional(v.string()),
  by: v.optional(madeBy),
  /** A batch run's slot as `queue` names it (`gpu 4`, `slot 0`; engine/slots.ts), so `status` shows its GPU. */
  slot: v.optional(v.string()),
});
export type Pending = v.InferOutput<typeof PendingSchema>;

const queueEntryEntries = {
  /** The experiment's number (what `submit` printed). */
  n: v.number(),
  /** The commit to measure (after a re-apply: the re-applied one). */
  commit: v.string(),
  /** The commit it sits on: the best when it was made, or the best it was re-applied onto. */
  parent: v.string(),
  description: v.string(),
  /** ISO times: submitted, and started on a slot. */
  queued: v.string(),
  started: v.optional(v.string()),
  seed: v.optional(v.number()),
  by: v.optional(madeBy),
  /** Set by the guard at submit time: recorded as a discard, never trained. */
  violation: v.optional(v.string()),
  /** A second measurement after a stale first one. */
  remeasure: v.optional(v.boolean()),
  state: v.picklist(['queued', 'running']),
  /** While running: the runner's pid, its slot, how to find the job, the best's value when it started, its log. */
  runner: v.optional(v.number()),
  slot: v.optional(v.number()),
  /** How `queue` names the slot: `gpu 4` with --gpus, `slot 0` otherwise (engine/slots.ts). */
  slotLabel: v.optional(v.string()),
  job: v.optional(JobWhereSchema),
  parentValue: v.optional(v.nullable(v.number())),
  log: v.optional(v.string()),
  /** `queue --cancel` on a running experiment: the runner stops it. */
  cancel: v.optional(v.boolean()),
  /** The record, written here before git moves, so a runner cut off between the two is settled from it (a record by engine/records.ts's rule when it is read back into the ledger). */
  record: v.optional(v.custom<RunRecord>((r) => r !== null && typeof r === 'object' && !Array.isArray(r))),
};
/** `.autoresearch/<tag>/queue/<n>.json`: an experiment waiting or running (engine/queue.ts). */
export const QueueEntrySchema = v.looseObject({
  ...queueEntryEntries,
  /** The re-measurement a stale result owes, written with its record: a runner cut off before queueing it leaves it to the next. */
  again: v.optional(v.looseObject(queueEntryEntries)),
});
export type QueueEntry = v.InferOutput<typeof QueueEntrySchema>;

const count = v.pipe(v.number(), v.integer(), v.minValue(0));

/** Where a reader of runs.jsonl is in the file: lines and records so far, and its warnings (a cache carries it on). */
export const ReaderStateSchema = v.object({
  lineNo: count,
  count,
  warnings: v.object({ out: v.array(v.string()), perKind: v.array(v.tuple([v.string(), v.number()])) }),
});
export type ReaderState = v.InferOutput<typeof ReaderStateSchema>;

/**
 * results.tsv as last checked: its first `size` bytes (SHA-1 `sha1`, `lines` lines) held a header and
 * one row per run for the table's first `rows` runs, in order, each agreeing with its run, and no warning.
 */
export const TsvMarkSchema = v.object({ size: count, sha1: v.string(), lines: count, rows: count });
export type TsvMark = v.InferOutput<typeof TsvMarkSchema>;

/** The first line of `.autoresearch/<tag>/report-cache.bin` (report/table-cache.ts), after its magic. */
export const RunsCacheHeaderSchema = v.object({
  /** The build that wrote it: another build starts over. */
  build: v.string(),
  /** Bytes of runs.jsonl covered and their SHA-1. */
  size: count,
  sha1: v.string(),
  /** Runs in the cache. */
  n: count,
  metric: v.nullable(v.string()),
  reader: ReaderStateSchema,
  tsv: v.optional(TsvMarkSchema),
  /** Byte lengths of the blocks after the columns: commits (UTF-8), descriptions (UTF-8), the optional fields (JSON). */
  blocks: v.tuple([count, count, count]),
});
export type RunsCacheHeader = v.InferOutput<typeof RunsCacheHeaderSchema>;

const sparse = v.array(v.tuple([count, v.string()]));
/** The report cache's optional fields, absent from almost every run, as [index, value] pairs: lane, violation, crash reason, agent. */
export const RunsCacheOptionalSchema = v.tuple([sparse, sparse, sparse, v.optional(sparse, () => []), v.optional(sparse, () => [])]);

/** One line of `.autoresearch/<tag>/tasks.inbox.jsonl`: a task added while the session runs (a bad priority reads as 0). */
export const InboxLineSchema = v.looseObject({
  text: v.pipe(v.string(), v.check((s) => s.trim() !== '')),
  priority: v.fallback(v.pipe(v.number(), v.finite()), 0),
  added: v.optional(v.string()),
});

/** The JSON text of a state file checked against its schema: the value, or the first problem in one phrase. */
export function parseStateFile<S extends v.GenericSchema>(text: string, schema: S): { ok: true; value: v.InferOutput<S> } | { ok: false; why: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, why: (e as Error).message.replace(/\.$/, '') };
  }
  const r = v.safeParse(schema, raw);
  if (r.success) return { ok: true, value: r.output };
  const issue = r.issues[0];
  const key = issue.path?.map((p: { key: unknown }) => String(p.key)).join('.') ?? '';
  return { ok: false, why: `${key ? `"${key}" ` : ''}${issue.message}`.replace(/\.$/, '') };
}
