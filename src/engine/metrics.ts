import type { CrashReason, EndCause } from './types.js';

// Summary lines look like karpathy's: `val_bpb:          0.997900` (name, colon, spaces, value).
const SUMMARY_LINE = /^([A-Za-z_][A-Za-z0-9_.\-]*):[ \t]+(\S+)[ \t]*$/;

/** Every `name: value` line of the output; later lines win; numbers become numbers. */
export function parseSummary(text: string): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\r/g, '');
    const m = SUMMARY_LINE.exec(line);
    if (!m) continue;
    const [, name, value] = m;
    out[name!] = toValue(value!);
  }
  return out;
}

function toValue(v: string): number | string {
  if (/^[+-]?(nan|inf|infinity)$/i.test(v)) {
    const l = v.toLowerCase().replace(/^\+/, '');
    return l === 'nan' || l === '-nan' ? NaN : l.startsWith('-') ? -Infinity : Infinity;
  }
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(v)) return Number(v);
  return v;
}

const OOM = [
  /CUDA out of memory/i,
  /OutOfMemoryError/,
  /\bMemoryError\b/,
  /CUBLAS_STATUS_ALLOC_FAILED/,
  /Killed\s*$/m,
  /out of memory/i,
];

export interface Classification {
  crashReason: CrashReason | null;
  value: number | null;
}

/**
 * Decide whether a finished process produced a usable metric, and if not why.
 * SIGKILL without our timeout is most often the kernel's OOM killer.
 */
export function classify(
  outcome: { exitCode: number | null; signal: string | null; timedOut: boolean; interrupted?: boolean; cause?: EndCause },
  metrics: Record<string, number | string>,
  metric: string,
  tail: string,
): Classification {
  // The first cause that ended the run decides; the flags stand in for it where an older caller gives none.
  const kind = outcome.cause?.kind ?? (outcome.interrupted ? 'interrupted' : outcome.timedOut ? 'timeout' : outcome.signal ? 'signal' : 'exit');
  // Stopped from outside: our abort, or a SIGTERM/SIGINT/SIGHUP that reached the training before the runner
  // (a tree kill signals both at once, and either may be seen first). No script ends itself that way.
  if (kind === 'interrupted' || (kind === 'signal' && outcome.exitCode === null && (outcome.signal === 'SIGTERM' || outcome.signal === 'SIGINT' || outcome.signal === 'SIGHUP'))) {
    return { crashReason: 'interrupted', value: null };
  }
  if (kind === 'timeout') return { crashReason: 'timeout', value: null };
  if (kind === 'oom') return { crashReason: 'oom', value: null };
  if (kind === 'infra') return { crashReason: outcome.cause?.infra ?? 'node-fail', value: null };
  const v = metrics[metric];
  const failLine = /^FAIL\s*$/m.test(tail);
  if (OOM.some((re) => re.test(tail)) || (outcome.signal === 'SIGKILL' && outcome.exitCode === null)) {
    if (outcome.exitCode !== 0 || typeof v !== 'number') return { crashReason: 'oom', value: null };
  }
  if (typeof v === 'number' && !Number.isFinite(v)) return { crashReason: 'nan', value: null };
  if (failLine) return { crashReason: 'nan', value: null };
  if (outcome.exitCode !== 0) return { crashReason: 'error', value: null };
  if (typeof v !== 'number') return { crashReason: 'no-metric', value: null };
  return { crashReason: null, value: v };
}

/** The last traceback of an error, or the last lines when there is none. */
export function errorExcerpt(tail: string, maxLines = 12): string {
  const lines = tail.replace(/\s+$/, '').split('\n');
  const tb = lines.lastIndexOf('Traceback (most recent call last):');
  const from = tb >= 0 ? tb : Math.max(0, lines.length - maxLines);
  const picked = lines.slice(from);
  return (picked.length > maxLines ? picked.slice(-maxLines) : picked).join('\n');
}
