// autoresearch.yaml, described once: each key's kind, default and message. `Config` is what it parses to, and
// `defaultConfig()` what an empty file gives. `run` does not load this module while its cached parse holds
// (engine/config-cache.ts): it imports the types only.
import * as v from 'valibot';
import { DEFAULT_KEEP_MESSAGE, unknownPlaceholder } from '../commit-message.js';
import { PROFILE_NAMES } from './agent-names.js';
import { isRemote } from './remote.js';
import { lit, must, type Issue } from './sentence.js';

const nonblank = (s: string) => s.trim() !== '';
const isMapping = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);

/** Split a command string on whitespace (no shell, so no quoting rules to get wrong). */
export function splitArgv(s: string): string[] {
  return s.trim().split(/\s+/).filter(Boolean);
}

// The kinds of value, each with its sentence for a wrong one (`m` overrides it).
const text = (m = must('a non-empty string')) => v.pipe(v.string(m), v.check(nonblank, m));
const positive = (m = must('a positive number')) => v.pipe(v.number(m), v.finite(m), v.gtValue(0, m));
const count = (m = must('a whole number >= 0')) => v.pipe(v.number(m), v.integer(m), v.minValue(0, m));
const between = (lo: number, hi: number, m = must(`a whole number from ${lo} to ${hi}`)) => v.pipe(v.number(m), v.integer(m), v.minValue(lo, m), v.maxValue(hi, m));
const flag = (m = must('true or false')) => v.boolean(m);
/** GPU numbers, each once, as CUDA_VISIBLE_DEVICES spells them. */
const gpuIds = (m = must('a list of GPU numbers, each once (for example [0, 1])')) =>
  v.nullable(
    v.pipe(
      v.array(v.union([v.pipe(v.number(m), v.integer(m), v.minValue(0, m)), v.pipe(v.string(m), v.regex(/^\s*\d{1,4}\s*$/, m))], m), m),
      v.minLength(1, m),
      v.transform((a) => a.map((g) => String(Number(g)))),
      v.check((a) => new Set(a).size === a.length, m),
    ),
  );
const strings = (m = must('a list of strings')) => v.array(text(m), m);
const args = (m = must('a list of arguments (strings)')) => v.array(v.pipe(v.string(m), v.minLength(1, m)), m);
const word = (m = must('a word without spaces (or null)')) => v.nullable(v.pipe(v.string(m), v.regex(/^\S+$/, m)));
const url = (m = must('an http(s) URL')) => v.nullable(v.pipe(v.string(m), v.regex(/^https?:\/\/\S+$/, m)));
/** A command: a string split on whitespace, or an argv list. Never run through a shell. */
const argv = (m = must('a command (a string or a list of strings)')) =>
  v.union([v.pipe(text(m), v.transform(splitArgv)), v.pipe(args(m), v.minLength(1, m))], m);
const remote = (m = must('a git remote (a name such as origin, a URL or a path)')) =>
  v.nullable(v.pipe(v.string(m), v.check(isRemote, m), v.transform((s) => s.trim())));
const template = (m = must('a non-empty message template')) =>
  v.pipe(text(m), v.check((t) => unknownPlaceholder(t) === null, (i) => `{where}: ${lit(unknownPlaceholder(String(i.input)) ?? '')}`));

/** The message of a mapping's key issues: an unknown key (the known ones listed), or a missing one. */
const keyIssue = (entries: object) => (i: Issue) =>
  i.expected === 'never' ? `{file}: unknown key "{key}" (known keys: ${Object.keys(entries).join(', ')})` : '{where} is missing';
/** A mapping of known keys (a list is not a mapping, whatever JavaScript thinks). */
const section = <E extends v.ObjectEntries>(entries: E, m = must('a mapping')) =>
  v.pipe(v.custom<Record<string, unknown>>(isMapping, m), v.strictObject(entries, keyIssue(entries)));

const taskMessage = (what: string) => `{where}: task {n} ${what}`;
/** One task: a string, or {text, priority}. Shared with `--tasks` files. */
export const TaskSchema = v.pipe(
  v.custom<string | Record<string, unknown>>((t) => (typeof t === 'string' && nonblank(t)) || isMapping(t), taskMessage('must be a string or a mapping with text and priority')),
  v.transform((t) => (typeof t === 'string' ? { text: t, priority: 0 } : t)),
  v.check(
    (o) => Object.keys(o).every((k) => k === 'text' || k === 'priority'),
    (i) => taskMessage(`has an unknown key "${lit(Object.keys(i.input as object).find((k) => k !== 'text' && k !== 'priority') ?? '')}" (use text and priority)`),
  ),
  v.strictObject({
    text: text(taskMessage('needs a non-empty "text"')),
    priority: v.optional(v.pipe(v.number(taskMessage('has a "priority" that is not a number')), v.finite(taskMessage('has a "priority" that is not a number'))), 0),
  }),
);
export const TasksSchema = v.array(TaskSchema, must('a list of tasks'));
export type TaskSpec = v.InferOutput<typeof TaskSchema>;

export const DEFAULT_DEPENDENCY_FILES = [
  'pyproject.toml',
  'uv.lock',
  'requirements*.txt',
  'setup.py',
  'setup.cfg',
  'environment.yml',
  'Pipfile',
  'Pipfile.lock',
  'poetry.lock',
  'package.json',
  'package-lock.json',
];

/** What a summary line's name may be (engine/metrics.ts reads `name: value`). */
const SUMMARY_NAME = /^[A-Za-z_][A-Za-z0-9_.\-]*$/;

/** ledger_columns: summary-line names, each once, none a column results.tsv has anyway; the first problem, or null. */
function ledgerColumnsProblem(cols: string[], metric: string): string | null {
  const seen = new Set<string>();
  for (const c of cols) {
    if (!SUMMARY_NAME.test(c)) return `names "${lit(c)}", which is not a summary-line name (a letter or _, then letters, digits, _ . -)`;
    if (c === metric || ['commit', 'memory_gb', 'status', 'description'].includes(c.toLowerCase())) return `names "${lit(c)}", which results.tsv has as a column already`;
    if (seen.has(c)) return `names "${lit(c)}" twice`;
    seen.add(c);
  }
  return null;
}

const bothWays = (o: { editable: string[]; readonly: string[] }) => o.editable.find((f) => o.readonly.includes(f));

const ENTRIES = {
  /** Training command: a string split on whitespace, or an argv array. */
  command: v.optional(argv(), () => ['uv', 'run', 'train.py']),
  budget_seconds: v.optional(positive(), 300),
  metric: v.optional(text(), 'val_bpb'),
  goal: v.optional(v.picklist(['min', 'max'], must('"min" or "max"')), 'min'),
  editable: v.optional(v.pipe(strings(), v.minLength(1, '{where} must name at least one file')), () => ['train.py']),
  readonly: v.optional(strings(), () => ['prepare.py']),
  /** Summary line holding peak memory in MB (memory_gb = value / 1024). */
  memory_metric: v.optional(text(), 'peak_vram_mb'),
  /** Summary values results.tsv shows after memory_gb (header-named); empty: karpathy's five columns. */
  ledger_columns: v.optional(strings(), () => []),
  /** Optional prerequisite command (e.g. "is the data prepared?"), argv like `command`. */
  check: v.optional(v.nullable(argv()), null),
  /** The run is killed at timeout_factor x budget. */
  timeout_factor: v.optional(positive(), 2),
  kill_grace_seconds: v.optional(positive(), 5),
  /** Files whose change counts as a new dependency (a violation). */
  dependency_files: v.optional(strings(), () => [...DEFAULT_DEPENDENCY_FILES]),
  /** What the research is for, in words, for CLAUDE.md (`--goal` overrides). */
  objective: v.optional(text(), 'Get the lowest val_bpb within the fixed time budget.'),
  /** The agent CLI: its profile and, optionally, its own launch line (null: the profile's). */
  agent: v.optional(
    section({
      profile: v.optional(v.picklist(PROFILE_NAMES, must(`one of ${PROFILE_NAMES.join(', ')}`)), 'claude'),
      command: v.optional(v.nullable(text()), null),
      args: v.optional(v.nullable(strings()), null),
    }),
    {},
  ),
  tasks: v.optional(TasksSchema, () => []),
  /** Noise-aware keeping: no defaults, both keys or none. */
  noise: v.optional(
    v.nullable(
      v.pipe(
        v.custom<Record<string, unknown>>(isMapping, must('a mapping')),
        v.check((o) => o.reruns !== undefined && o.sigma !== undefined, '{file}: "noise" needs both "reruns" and "sigma"'),
        v.strictObject({ reruns: count(), sigma: positive() }, keyIssue({ reruns: 0, sigma: 0 })),
      ),
    ),
    null,
  ),
  notify: v.optional(section({ webhook: v.optional(url(), null), bell: v.optional(flag(), true), desktop: v.optional(flag(), true) }), {}),
  supervisor: v.optional(
    section({
      /** Restart the agent with a fresh context after this many turns (0 = never). */
      restart_after_turns: v.optional(count(), 0),
      /** Seconds an unrecognised screen may stay before it is an error. */
      unknown_screen_timeout: v.optional(positive(), 60),
      /** Seconds of the first wait after a transient API failure (rate limit, overload, server error, network). */
      backoff_initial: v.optional(positive(), 30),
      /** The wait doubles after each failure up to this many seconds. */
      backoff_max: v.optional(positive(), 900),
      /** Seconds the agent may stay unavailable (transient failures) before the session stops as failed. */
      unavailable_limit: v.optional(positive(), 7200),
    }),
    {},
  ),
  git: v.optional(
    section({
      /** Push the branch to this remote after every keep (never forced); null: no pushing. */
      push: v.optional(remote(), null),
      /** Push the runs' refs (refs/autoresearch/<tag>/<n>) too. */
      push_refs: v.optional(flag(), false),
      /** A kept commit's message; placeholders in commit-message.ts. */
      message: v.optional(template(), DEFAULT_KEEP_MESSAGE),
    }),
    {},
  ),
  /** Experiments in flight: how many the supervisor keeps queued or running (1: one at a time, as `run`), and what a stale result gets. */
  pipeline: v.optional(
    section({
      /** Unset: 1 with one slot, the slots + 1 with several (one idea waits while the agent thinks), supervisor/session.ts. */
      depth: v.optional(between(1, 64)),
      /** Local GPUs the session's runner trains on, one slot each (CUDA_VISIBLE_DEVICES); null: one slot. */
      gpus: v.optional(gpuIds(), null),
      stale: v.optional(v.picklist(['remeasure', 'discard'], must('"remeasure" or "discard"')), 'remeasure'),
    }),
    {},
  ),
  /** Where training runs: this machine (local) or one Slurm job per run. */
  executor: v.optional(
    v.pipe(
      section({
        kind: v.optional(v.picklist(['local', 'slurm'], must('"local" or "slurm"')), 'local'),
        /** Slurm: the partition, account and QOS to submit to (the cluster's defaults when null). */
        partition: v.optional(word(), null),
        /** Slurm: the generic resources a job asks for (null: none). */
        gres: v.optional(word(), 'gpu:1'),
        account: v.optional(word(), null),
        qos: v.optional(word(), null),
        /** Slurm: seconds added to budget x timeout_factor for the job's --time (its backstop limit). */
        time_padding: v.optional(count(), 300),
        /** Slurm: extra sbatch arguments, passed as argv. */
        args: v.optional(args(), () => []),
        /** Resubmissions after a failure of the infrastructure (node failure, preemption, boot failure). */
        retries: v.optional(count(), 1),
        /** Slurm: how many jobs the queue's runner (submit, results) keeps in flight at once. */
        parallel: v.optional(between(1, 64), 1),
      }),
      v.forward(
        v.check((o) => o.kind !== 'local' || o.parallel === 1, '{where} is for a scheduler (executor kind slurm); on this machine give the queue one slot per GPU with --gpus'),
        ['parallel'],
      ),
    ),
    {},
  ),
};

/** autoresearch.yaml as a whole: its keys, then the rules between keys. */
export const ConfigSchema = v.pipe(
  v.custom<Record<string, unknown>>(isMapping, '{file}: the top level must be a mapping of keys to values, not {got}'),
  v.strictObject(ENTRIES, keyIssue(ENTRIES)),
  v.forward(
    v.check((o) => bothWays(o) === undefined, (i) => `{file}: "${lit(bothWays(i.input as { editable: string[]; readonly: string[] }) ?? '')}" cannot be both editable and readonly`),
    ['readonly'],
  ),
  v.forward(
    v.check(
      (o) => ledgerColumnsProblem(o.ledger_columns, o.metric) === null,
      (i) => {
        const o = i.input as { ledger_columns: string[]; metric: string };
        return `{where} ${ledgerColumnsProblem(o.ledger_columns, o.metric) ?? ''}`;
      },
    ),
    ['ledger_columns'],
  ),
);

export type Config = v.InferOutput<typeof ConfigSchema>;
export type ExecutorConfig = Config['executor'];

/** What an empty autoresearch.yaml means (karpathy/autoresearch's layout). */
export function defaultConfig(): Config {
  return v.parse(ConfigSchema, {});
}

export function defaultExecutor(): ExecutorConfig {
  return defaultConfig().executor;
}
