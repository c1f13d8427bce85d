// The JSON state files we write and read back, described once: each reader validates against its schema, and
// the TypeScript types are derived from the schemas (no second description to forget a key in).
import * as v from 'valibot';

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
