// The runs as columns: what the report reads of each run, without an object per run. On a
// 100k-run ledger the parsed records (an object, a metrics object and a dozen strings and numbers
// each) outlive every young-generation collection and cost more in GC than the report itself;
// the table keeps four strings a run and typed arrays for the rest.
import type { CrashReason, RunRecord, Status } from '../engine/types.js';

export const STATUSES: readonly Status[] = ['keep', 'discard', 'crash'];
export const KEEP = 0;
export const DISCARD = 1;
export const CRASH = 2;

const STATUS_CODE: Record<Status, number> = { keep: KEEP, discard: DISCARD, crash: CRASH };

/** Records or a table: what the report functions accept. */
export type Runs = readonly RunRecord[] | RunTable;

export class RunTable {
  length = 0;
  /** Status codes: KEEP, DISCARD, CRASH. */
  status = new Uint8Array(16);
  id = new Float64Array(16);
  /** NaN where the record has null (a JSON value is never NaN). */
  value = new Float64Array(16);
  bestBefore = new Float64Array(16);
  durationMs = new Float64Array(16);
  memoryGb = new Float64Array(16);
  linesAdded = new Float64Array(16);
  linesRemoved = new Float64Array(16);
  /** noise.sigma; NaN where the record has no noise estimate. */
  noiseSigma = new Float64Array(16);
  /** Date.parse of start and end (NaN when unparsable). */
  startMs = new Float64Array(16);
  endMs = new Float64Array(16);
  commit = new StringColumn();
  description = new StringColumn();
  /** hashText(commit) and hashText(noiseKey(description)), taken while the strings are fresh in the cache. */
  commitHash = new Int32Array(16);
  descriptionHash = new Int32Array(16);
  lane: (string | undefined)[] = [];
  violation: (string | undefined)[] = [];
  crashReason: (CrashReason | undefined)[] = [];
  /** Who made the run: `agent\tmodel` (model may be empty), when an agent did. */
  agent: (string | undefined)[] = [];
  /** A scheduler's job (Slurm): `engine\tnode\tqueuedSeconds` (node may be empty); none for a local run. */
  job: (string | undefined)[] = [];
  /** The first non-empty metric name. */
  metric: string | null = null;

  /** The table of records (the records themselves when they are one already). */
  static of(runs: Runs): RunTable {
    if (runs instanceof RunTable) return runs;
    const t = new RunTable();
    for (const r of runs) t.push(r);
    return t;
  }

  /** Append a (normalised) record. */
  push(r: RunRecord): void {
    const i = this.length;
    if (i === this.status.length) this.grow();
    this.status[i] = STATUS_CODE[r.status];
    this.id[i] = r.id;
    this.value[i] = r.value ?? NaN;
    this.bestBefore[i] = r.bestBefore ?? NaN;
    this.durationMs[i] = r.durationMs;
    this.memoryGb[i] = r.memoryGb;
    this.linesAdded[i] = r.linesAdded;
    this.linesRemoved[i] = r.linesRemoved;
    this.noiseSigma[i] = r.noise ? r.noise.sigma : NaN;
    this.startMs[i] = parseTime(r.start);
    this.endMs[i] = parseTime(r.end);
    this.commit.push(r.commit);
    this.description.push(r.description);
    this.commitHash[i] = hashText(r.commit);
    this.descriptionHash[i] = hashNoiseKey(r.description);
    this.lane.push(r.lane);
    this.violation.push(r.violation);
    this.crashReason.push(r.crashReason);
    this.agent.push(r.agent ? `${r.agent}\t${r.model ?? ''}` : undefined);
    this.job.push(r.job && r.job.engine !== 'local' ? `${r.job.engine}\t${r.job.node ?? ''}\t${r.job.queuedSeconds}` : undefined);
    if (this.metric === null && r.metric) this.metric = r.metric;
    this.length = i + 1;
  }

  statusOf(i: number): Status {
    return STATUSES[this.status[i]!]!;
  }

  valueOf(i: number): number | null {
    const v = this.value[i]!;
    return v === v ? v : null;
  }

  bestBeforeOf(i: number): number | null {
    const v = this.bestBefore[i]!;
    return v === v ? v : null;
  }

  private grow(): void {
    const n = this.status.length * 2;
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    const s = new Uint8Array(n);
    s.set(this.status);
    this.status = s;
    this.id = f64(this.id);
    this.value = f64(this.value);
    this.bestBefore = f64(this.bestBefore);
    this.durationMs = f64(this.durationMs);
    this.memoryGb = f64(this.memoryGb);
    this.linesAdded = f64(this.linesAdded);
    this.linesRemoved = f64(this.linesRemoved);
    this.noiseSigma = f64(this.noiseSigma);
    this.startMs = f64(this.startMs);
    this.endMs = f64(this.endMs);
    const i32 = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.commitHash = i32(this.commitHash);
    this.descriptionHash = i32(this.descriptionHash);
  }
}

/**
 * A column of strings: pushed one by one, or, from the report cache, one text holding them all
 * (NUL-separated) with where each ends, cut out only when read. 100k commits and descriptions as
 * 200k strings were most of the time and garbage of reading the cache.
 */
export class StringColumn {
  private list: string[] = [];
  /** text holds the first `joined` strings; string i ends at ends[i] (exclusive), the next starts one after. */
  private text = '';
  private ends: Int32Array = new Int32Array(0);
  private joined = 0;

  static fromText(text: string, ends: Int32Array): StringColumn {
    const c = new StringColumn();
    c.text = text;
    c.ends = ends;
    c.joined = ends.length;
    return c;
  }

  get length(): number {
    return this.joined + this.list.length;
  }

  get(i: number): string {
    if (i < this.joined) return this.text.slice(i === 0 ? 0 : this.ends[i - 1]! + 1, this.ends[i]!);
    return this.list[i - this.joined]!;
  }

  push(s: string): void {
    this.list.push(s);
  }

  /** Every string in order, NUL-separated, and where each ends: for one pass over all of them. */
  all(): { text: string; ends: Int32Array } {
    if (this.list.length) {
      const ends = new Int32Array(this.length);
      ends.set(this.ends.subarray(0, this.joined));
      let at = this.joined ? this.ends[this.joined - 1]! + 1 : 0;
      for (let i = 0; i < this.list.length; i++) {
        at += this.list[i]!.length;
        ends[this.joined + i] = at;
        at++;
      }
      this.text = (this.joined ? this.text + '\u0000' : '') + this.list.join('\u0000');
      this.ends = ends;
      this.joined = ends.length;
      this.list = [];
    }
    return { text: this.text, ends: this.ends.subarray(0, this.joined) };
  }

  slice(from: number, to = this.length): StringColumn {
    const c = new StringColumn();
    for (let i = from; i < to; i++) c.push(this.get(i));
    return c;
  }

  toArray(): string[] {
    return Array.from({ length: this.length }, (_, i) => this.get(i));
  }
}

/** How repeated runs are recognised by their description: case and surrounding space ignored. */
export function noiseKey(description: string): string {
  return description.trim().toLowerCase();
}

/** FNV-1a over the UTF-16 code units, as an int32 (what the Int32Array columns hold). */
export function hashText(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h | 0;
}

/** hashText(noiseKey(s)), without the new string when s is ASCII (most descriptions). */
function hashNoiseKey(s: string): number {
  let a = 0;
  let b = s.length;
  // trim(): for ASCII, tab, line feed, vertical tab, form feed, carriage return and space.
  while (a < b && isAsciiSpace(s.charCodeAt(a))) a++;
  while (b > a && isAsciiSpace(s.charCodeAt(b - 1))) b--;
  let h = 0x811c9dc5;
  for (let i = a; i < b; i++) {
    let c = s.charCodeAt(i);
    if (c > 127) return hashText(noiseKey(s));
    if (c >= 65 && c <= 90) c += 32;
    h = Math.imul(h ^ c, 0x01000193);
  }
  // (A non-ASCII space at either end stops the trimming above and is caught by the c > 127 test.)
  return h | 0;
}

function isAsciiSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Date.parse(s), with the engine's own format (toISOString: YYYY-MM-DDTHH:MM:SS.sssZ) read by
 * hand when every field is a valid date and time, where the two agree; anything else goes to
 * Date.parse. 200k Date.parse calls were a tenth of a 100k-run report. Written out, without
 * helper calls, so that it costs the same wherever the compiler decides not to inline.
 */
export function parseTime(s: string): number {
  if (s.length !== 24 || s.charCodeAt(23) !== 90 || s.charCodeAt(10) !== 84) return Date.parse(s);
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58 || s.charCodeAt(19) !== 46) return Date.parse(s);
  const y0 = s.charCodeAt(0) - 48;
  const y1 = s.charCodeAt(1) - 48;
  const y2 = s.charCodeAt(2) - 48;
  const y3 = s.charCodeAt(3) - 48;
  const mo0 = s.charCodeAt(5) - 48;
  const mo1 = s.charCodeAt(6) - 48;
  const d0 = s.charCodeAt(8) - 48;
  const d1 = s.charCodeAt(9) - 48;
  const h0 = s.charCodeAt(11) - 48;
  const h1 = s.charCodeAt(12) - 48;
  const mi0 = s.charCodeAt(14) - 48;
  const mi1 = s.charCodeAt(15) - 48;
  const s0 = s.charCodeAt(17) - 48;
  const s1 = s.charCodeAt(18) - 48;
  const ms0 = s.charCodeAt(20) - 48;
  const ms1 = s.charCodeAt(21) - 48;
  const ms2 = s.charCodeAt(22) - 48;
  // Every one a digit: a character below '0' makes the OR negative, one above '9' is over 9.
  if ((y0 | y1 | y2 | y3 | mo0 | mo1 | d0 | d1 | h0 | h1 | mi0 | mi1 | s0 | s1 | ms0 | ms1 | ms2) < 0) return Date.parse(s);
  if (y0 > 9 || y1 > 9 || y2 > 9 || y3 > 9 || mo0 > 9 || mo1 > 9 || d0 > 9 || d1 > 9 || h0 > 9 || h1 > 9 || mi0 > 9 || mi1 > 9 || s0 > 9 || s1 > 9 || ms0 > 9 || ms1 > 9 || ms2 > 9) {
    return Date.parse(s);
  }
  const y = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
  const mo = mo0 * 10 + mo1;
  const d = d0 * 10 + d1;
  const h = h0 * 10 + h1;
  const mi = mi0 * 10 + mi1;
  const sec = s0 * 10 + s1;
  // Years below 100 would be read as 19xx by Date.UTC.
  if (y < 100 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59) return Date.parse(s);
  const leap = mo === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (d > DAYS[mo - 1]! + (leap ? 1 : 0)) return Date.parse(s);
  return Date.UTC(y, mo - 1, d, h, mi, sec, ms0 * 100 + ms1 * 10 + ms2);
}
