// Lane names: `apr5:gpu1` on the command line, tag (and tmux session) `apr5-gpu1`, branch `autoresearch/apr5-gpu1`.
import { parseGpuList } from '../parallel-flags.js';
import { UsageError } from '../errors.js';
import { TAG_RE } from '../paths.js';
import { validateSessionName } from '../supervisor/files.js';

export interface LaneSpec {
  /** `gpu0` or `lane0`. */
  name: string;
  /** The device for CUDA_VISIBLE_DEVICES, or null (`--lanes N`). */
  gpu: string | null;
  /** Environment of the lane's agent and of every run it starts. */
  env: Record<string, string>;
}

/** A lane reference: `apr5:gpu1` (one lane) or `apr5` (the session, all its lanes). */
export interface LaneRef {
  session: string;
  lane: string | null;
}

const LANE_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;

/** The tag of a lane: the session and the lane joined by `-` (so its branch is autoresearch/apr5-gpu1). */
export function laneTag(session: string, lane: string): string {
  return `${session}-${lane}`;
}

export function parseLaneRef(s: string): LaneRef {
  const i = s.indexOf(':');
  if (i < 0) return { session: s, lane: null };
  const session = s.slice(0, i);
  const lane = s.slice(i + 1);
  if (!session || !LANE_RE.test(lane)) {
    throw new UsageError(`"${s}" is not a lane; write <session>:<lane>, for example apr5:gpu1.`);
  }
  return { session, lane };
}

export function formatLaneRef(session: string, lane: string): string {
  return `${session}:${lane}`;
}

/** `--gpus 0,1,3` -> lanes gpu0, gpu1, gpu3 with CUDA_VISIBLE_DEVICES set to each. */
export function parseGpus(raw: string): LaneSpec[] {
  return parseGpuList(raw, 'lane').map((g) => ({ name: `gpu${g}`, gpu: g, env: { CUDA_VISIBLE_DEVICES: g } }));
}

/** `--lanes N` -> lanes lane0..lane<N-1> with no GPU assignment. */
export function laneCount(n: number): LaneSpec[] {
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--lanes must be a whole number >= 1, not "${n}".`);
  if (n > 64) throw new UsageError(`--lanes ${n} is more lanes than one machine can run; use at most 64.`);
  return Array.from({ length: n }, (_, i) => ({ name: `lane${i}`, gpu: null, env: {} }));
}

/** A lane's tag must be a usable tag, tmux session and branch name. */
export function validateLaneNames(session: string, lanes: { name: string }[]): void {
  validateSessionName(session);
  for (const l of lanes) {
    const tag = laneTag(session, l.name);
    if (!LANE_RE.test(l.name) || !TAG_RE.test(tag)) {
      throw new UsageError(`the lane tag "${tag}" is too long or not a usable name; pick a shorter session name.`);
    }
    validateSessionName(tag);
  }
}
