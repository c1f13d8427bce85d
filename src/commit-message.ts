// What a kept commit's message says: the finding and its numbers (`keep: raise LR to 0.04 (val_bpb 0.9499, -0.0073)`).
import { fmtShort, MISSING } from './format.js';

export const DEFAULT_KEEP_MESSAGE = 'keep: {description} ({result})';

/** The placeholders a `git.message` template may use, and what each stands for. */
export const PLACEHOLDERS: Record<string, string> = {
  description: 'the experiment, as given to run -m',
  result: 'the metric, its value and the change against the best before ("val_bpb 0.9499, -0.0073")',
  metric: 'the metric name',
  value: 'the measured value',
  delta: 'the change against the best before, signed (empty for the first keep)',
  memory_gb: 'peak memory in GB',
  id: 'the run number within the tag',
  tag: 'the tag',
};

const FIELD = /\{([^{}]*)\}/g;

/** The first placeholder of a template that is not a known one, as the phrase that says so; null when all are known. */
export function unknownPlaceholder(t: string): string | null {
  for (const m of t.matchAll(FIELD)) {
    if (!(m[1]! in PLACEHOLDERS)) return `unknown placeholder {${m[1]}} (known: ${Object.keys(PLACEHOLDERS).map((k) => `{${k}}`).join(', ')})`;
  }
  return null;
}


export interface Finding {
  id: number;
  tag: string;
  description: string;
  metric: string;
  value: number | null;
  bestBefore: number | null;
  memoryGb: number;
}

/** The message of a kept commit, from the template and the run's numbers. */
export function keptMessage(template: string, f: Finding): string {
  const value = f.value === null ? MISSING : fmtShort(f.value);
  const d = f.value !== null && f.bestBefore !== null ? f.value - f.bestBefore : null;
  const delta = d === null ? '' : `${d > 0 ? '+' : ''}${fmtShort(d)}`;
  const fields: Record<string, string> = {
    description: f.description,
    result: `${f.metric} ${value}${delta ? `, ${delta}` : ''}`,
    metric: f.metric,
    value,
    delta,
    memory_gb: f.memoryGb.toFixed(1),
    id: String(f.id),
    tag: f.tag,
  };
  return template.replace(FIELD, (all, k: string) => fields[k] ?? all).trim() || f.description;
}
