// Recommendations derived from the records only: each one quotes the numbers it rests on.
import { fmtDelta, fmtDuration, fmtValue, oneLine, plural } from './format.js';
import { RunTable, type Runs, type StringColumn } from './runs.js';
import type { Recommendation, ReportModel, RunRef } from './model.js';
export type { Recommendation, RecommendationKind } from './model.js';

type Facts = Omit<ReportModel, 'recommendations'>;

// Words that say nothing about the idea itself.
const STOPWORDS = new Set(
  'a an the to of and or in on at for from with by as is it its into than then try tried use using set back via vs per not no'.split(' '),
);

const MAX_LISTED = 4;

function list(runs: readonly RunRef[]): string {
  const shown = runs.slice(0, MAX_LISTED).map((r) => `#${r.id} ${oneLine(r.description, 40)}`);
  if (runs.length > MAX_LISTED) shown.push(`${runs.length - MAX_LISTED} more`);
  return shown.join('; ');
}

export function recommend(runs: Runs, m: Facts): Recommendation[] {
  const t = RunTable.of(runs);
  const out: Recommendation[] = [];

  if (m.stall.stalled) {
    const k = m.stall.lastKeep;
    const time = m.stall.msSinceKeep !== null ? ` (${fmtDuration(m.stall.msSinceKeep)})` : '';
    const text = k
      ? `No keep in the last ${m.stall.runsSinceKeep} runs${time}, since #${k.id} ${oneLine(k.description, 40)}: this line of changes has stopped paying; try a different kind of change.`
      : `No run was kept in ${plural(m.stall.runsSinceKeep, 'run')}: check the baseline and the metric before trying more changes.`;
    out.push({ kind: 'stall', text, runs: k ? [k.id] : [] });
  }

  if (m.noise) {
    const limit = 2 * m.noise.sigma;
    const where = m.noise.from === 'records' ? `the engine's estimate on ${plural(m.noise.n, 'run')}` : `${m.noise.n} repeated runs`;
    const small = m.improvements.filter((i) => i.delta !== null && Math.abs(i.delta) < limit);
    if (small.length) {
      const which = small.slice(0, MAX_LISTED).map((i) => `#${i.id} ${fmtDelta(i.delta)}`).join(', ') + (small.length > MAX_LISTED ? `, ${small.length - MAX_LISTED} more` : '');
      out.push({
        kind: 'noise',
        text: `${plural(small.length, 'kept improvement')} (${which}) ${small.length === 1 ? 'is' : 'are'} smaller than twice the measured noise (σ = ${fmtValue(m.noise.sigma)}, from ${where}): rerun with several seeds before building on ${small.length === 1 ? 'it' : 'them'}.`,
        runs: small.map((i) => i.id),
      });
    }
    const close = m.nearMisses.filter((n) => n.gap < limit);
    if (close.length) {
      out.push({
        kind: 'near-miss',
        text: `${plural(close.length, 'discarded run')} came within twice the noise of the best (${close.map((n) => `#${n.id} ${fmtDelta(n.gap)}`).join(', ')}): worth a rerun with seeds.`,
        runs: close.map((n) => n.id),
      });
    }
  }

  for (const w of recurringWords(t, m)) {
    out.push({
      kind: 'direction',
      text: `"${w.word}" was in ${w.keeps.length} kept changes (${w.keeps.map((id) => `#${id}`).join(', ')}) out of ${plural(w.tries, 'try', 'tries')}, worth ${fmtValue(w.gain)} ${m.metric} together: more changes along that line may keep paying.`,
      runs: w.keeps,
    });
  }

  const crash = (reason: string) => m.crashes.find((c) => c.reason === reason)?.runs ?? [];
  const oom = crash('oom');
  if (oom.length) {
    const bestMem = m.best ? t.memoryGb[m.best.index - 1] : undefined;
    const peak = bestMem !== undefined && bestMem > 0 ? ` (the best kept run peaked at ${bestMem.toFixed(1)} GB)` : '';
    out.push({
      kind: 'memory',
      text: `${plural(oom.length, 'run')} ran out of memory (${list(oom)}): reduce memory use before retrying ${oom.length === 1 ? 'that idea' : 'those ideas'}${peak}.`,
      runs: oom.map((r) => r.id),
    });
  }
  const timeout = crash('timeout');
  if (timeout.length) {
    out.push({
      kind: 'timeout',
      text: `${plural(timeout.length, 'run')} hit the time limit (${list(timeout)}): make ${timeout.length === 1 ? 'it' : 'them'} fit the time budget before retrying.`,
      runs: timeout.map((r) => r.id),
    });
  }
  const nan = crash('nan');
  if (nan.length) {
    out.push({
      kind: 'nan',
      text: `${plural(nan.length, 'run')} ended in NaN (${list(nan)}): ${nan.length === 1 ? 'that idea needs' : 'those ideas need'} a more stable setting before ${nan.length === 1 ? 'it' : 'they'} can be judged.`,
      runs: nan.map((r) => r.id),
    });
  }
  if (m.violations.length) {
    const v = m.violations;
    const shown = v.slice(0, MAX_LISTED).map((r) => `#${r.id}: ${oneLine(r.violation, 60)}`).join('; ') + (v.length > MAX_LISTED ? `; ${v.length - MAX_LISTED} more` : '');
    out.push({
      kind: 'violation',
      text: `${plural(v.length, 'run')} broke the rules (${shown}) and ${v.length === 1 ? 'was' : 'were'} discarded; if this repeats, restate the rule in the agent's instructions.`,
      runs: v.map((r) => r.id),
    });
  }
  return out;
}

interface WordStat {
  word: string;
  keeps: number[];
  tries: number;
  gain: number;
}

/** Words found in 2+ kept improvements and in at least half the runs that tried them. */
export function recurringWords(runs: Runs, m: Pick<Facts, 'improvements' | 'goal'>, top = 3): WordStat[] {
  const stats = new Map<string, WordStat>();
  for (const imp of m.improvements) {
    if (imp.delta === null) continue; // the first keep is the baseline, not a change
    for (const [key, form] of words(imp.description)) {
      let s = stats.get(key);
      if (!s) stats.set(key, (s = { word: form, keeps: [], tries: 0, gain: 0 }));
      s.keeps.push(imp.id);
      s.gain += m.goal === 'min' ? -imp.delta : imp.delta;
    }
  }
  const ranked = [...stats.values()]
    .filter((s) => s.keeps.length >= 2)
    .sort((p, q) => q.keeps.length - p.keeps.length || q.gain - p.gain || p.word.localeCompare(q.word))
    .slice(0, 50);
  if (ranked.length === 0) return [];
  const tries = countTries(RunTable.of(runs).description, ranked.map((s) => s.word.toLowerCase()));
  for (const s of ranked) s.tries = tries.get(s.word.toLowerCase()) ?? 0;
  return ranked.filter((s) => s.keeps.length / s.tries >= 0.5).slice(0, top);
}

const TOKEN = /[A-Za-z0-9_-]+/g;

/** Distinct words of a description (runs of letters, digits, _ and -, with a letter): lower-case key -> the form first written. */
function words(description: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const w of description.match(TOKEN) ?? []) {
    const key = w.toLowerCase();
    if (key.length < 2 || !/[a-z]/.test(key) || STOPWORDS.has(key) || out.has(key)) continue;
    out.set(key, w);
  }
  return out;
}

/**
 * Per word, the runs whose description has it (same tokens as `words`, any case): one regex pass
 * over all descriptions at once (NUL-separated, so no word spans two), each match mapped to its run.
 */
function countTries(descriptions: StringColumn, keys: readonly string[]): Map<string, number> {
  // Keys are lower-cased tokens of [a-z0-9_-], so they need no escaping.
  const re = new RegExp(`(?<![A-Za-z0-9_-])(?:${keys.join('|')})(?![A-Za-z0-9_-])`, 'gi');
  const slot = new Map<string, number>(keys.map((k, j) => [k, j]));
  const counts = new Float64Array(keys.length);
  const lastRun = new Int32Array(keys.length).fill(-1);
  const { text, ends } = descriptions.all();
  let run = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    while (ends[run]! <= m.index) run++; // matches come in order: the run whose text holds this one
    // The word as written, else lower-cased (descriptions mostly repeat one spelling).
    const j = slot.get(m[0]) ?? slot.get(m[0].toLowerCase());
    if (j === undefined || lastRun[j] === run) continue;
    lastRun[j] = run;
    counts[j]!++;
  }
  const out = new Map<string, number>();
  keys.forEach((k, j) => {
    if (counts[j]) out.set(k, counts[j]!);
  });
  return out;
}
