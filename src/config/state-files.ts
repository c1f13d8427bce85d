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
