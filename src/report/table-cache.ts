// The parsed table of runs.jsonl, kept between reports. runs.jsonl only grows, so a report reads the
// cache and parses only the lines appended since; JSON.parse of 100k records was most of a report.
// The cache names the byte length it covers and the SHA-1 of those bytes: a runs.jsonl changed anywhere
// in that prefix (edited, truncated, replaced) does not match and is parsed whole again.
import type { CrashReason } from '../engine/types.js';
import { RunTable, StringColumn } from './runs.js';
import { buildStamp } from '../build-stamp.js';

import { parseStateFile, RunsCacheHeaderSchema, RunsCacheOptionalSchema, type ReaderState, type RunsCacheHeader, type TsvMark } from '../config/state-files.js';

export type { ReaderState, TsvMark };

export interface CachedTable {
  /** Bytes of runs.jsonl covered (up to the end of a complete line) and their SHA-1. */
  size: number;
  sha1: string;
  table: RunTable;
  /** How many of the table's runs the cache holds (the first ones; default all). */
  rows?: number;
  reader: ReaderState;
  tsv?: TsvMark;
}

const MAGIC = 'ar-runs-cache 1\n';
const F64 = ['id', 'value', 'bestBefore', 'durationMs', 'memoryGb', 'linesAdded', 'linesRemoved', 'noiseSigma', 'startMs', 'endMs'] as const;
const I32 = ['commitHash', 'descriptionHash'] as const;

type Header = RunsCacheHeader;

export function encodeTable(c: CachedTable): Buffer {
  const t = c.table;
  const n = Math.min(c.rows ?? t.length, t.length);
  const commits = t.commit.all();
  const descriptions = t.description.all();
  const upTo = (s: { text: string; ends: Int32Array }) => (n ? s.text.slice(0, s.ends[n - 1]!) : '');
  const blocks = [Buffer.from(upTo(commits)), Buffer.from(upTo(descriptions)), Buffer.from(encodeOptional(t, n))];
  const header: Header = {
    build: buildStamp(),
    size: c.size,
    sha1: c.sha1,
    n,
    metric: t.metric,
    reader: c.reader,
    ...(c.tsv ? { tsv: c.tsv } : {}),
    blocks: [blocks[0]!.length, blocks[1]!.length, blocks[2]!.length],
  };
  const head = Buffer.from(MAGIC + JSON.stringify(header) + '\n');
  // Columns start at a multiple of 8 so they can be read as typed arrays in place.
  const pad = (8 - (head.length % 8)) % 8;
  const parts: Buffer[] = [head, Buffer.alloc(pad)];
  const raw = (a: Float64Array | Int32Array | Uint8Array, bytes: number) => parts.push(Buffer.from(a.buffer, a.byteOffset, n * bytes));
  for (const k of F64) raw(t[k], 8);
  for (const k of I32) raw(t[k], 4);
  raw(commits.ends, 4);
  raw(descriptions.ends, 4);
  raw(t.status, 1);
  parts.push(...blocks);
  return Buffer.concat(parts);
}

function header(buf: Buffer): { h: Header; end: number } | null {
  try {
    if (buf.toString('latin1', 0, MAGIC.length) !== MAGIC) return null;
    const nl = buf.indexOf(10, MAGIC.length);
    if (nl < 0) return null;
    const r = parseStateFile(buf.toString('utf8', MAGIC.length, nl), RunsCacheHeaderSchema);
    if (!r.ok || r.value.build !== buildStamp()) return null;
    return { h: r.value, end: nl + 1 };
  } catch {
    return null;
  }
}

/** The bytes of runs.jsonl a cache covers, read from its first line alone; null when it is not a cache of this build. */
export function cachedSize(buf: Buffer): number | null {
  return header(buf)?.h.size ?? null;
}

/** The cache in `buf`, or null when it is not one this build wrote (or is damaged). */
export function decodeTable(buf: Buffer): CachedTable | null {
  try {
    const head = header(buf);
    if (!head) return null;
    const { h } = head;
    let at = head.end;
    at += (8 - (at % 8)) % 8;
    const n = h.n;
    const [cBytes, dBytes, oBytes] = h.blocks;
    if (buf.length !== at + n * (8 * F64.length + 4 * I32.length + 4 + 4 + 1) + cBytes + dBytes + oBytes) return null;
    const t = new RunTable();
    const cap = Math.max(16, n);
    // Copied out of the file's buffer (which may not be 8-byte aligned) into arrays with room to grow.
    const bytes = (len: number) => {
      const b = buf.buffer.slice(buf.byteOffset + at, buf.byteOffset + at + len) as ArrayBuffer;
      at += len;
      return b;
    };
    for (const k of F64) {
      const a = new Float64Array(cap);
      a.set(new Float64Array(bytes(n * 8)));
      t[k] = a;
    }
    for (const k of I32) {
      const a = new Int32Array(cap);
      a.set(new Int32Array(bytes(n * 4)));
      t[k] = a;
    }
    const commitEnds = new Int32Array(bytes(n * 4));
    const descriptionEnds = new Int32Array(bytes(n * 4));
    const st = new Uint8Array(cap);
    st.set(new Uint8Array(bytes(n)));
    t.status = st;
    const text = (len: number) => {
      const s = buf.toString('utf8', at, at + len);
      at += len;
      return s;
    };
    const commits = text(cBytes);
    const descriptions = text(dBytes);
    if ((n && commitEnds[n - 1] !== commits.length) || (n && descriptionEnds[n - 1] !== descriptions.length)) return null;
    t.commit = StringColumn.fromText(commits, commitEnds);
    t.description = StringColumn.fromText(descriptions, descriptionEnds);
    const optional = decodeOptional(text(oBytes), n);
    t.lane = optional.lane;
    t.violation = optional.violation;
    t.crashReason = optional.crashReason;
    t.agent = optional.agent;
    t.job = optional.job;
    t.metric = h.metric;
    t.length = n;
    return { size: h.size, sha1: h.sha1, table: t, reader: h.reader, ...(h.tsv ? { tsv: h.tsv } : {}) };
  } catch {
    return null;
  }
}

/** The optional fields, absent from almost every run, as [index, value] pairs. */
function encodeOptional(t: RunTable, n: number): string {
  const sparse = (a: readonly (string | undefined)[]) => {
    const out: [number, string][] = [];
    for (let i = 0; i < n; i++) if (a[i] !== undefined) out.push([i, a[i]!]);
    return out;
  };
  return JSON.stringify([sparse(t.lane), sparse(t.violation), sparse(t.crashReason), sparse(t.agent), sparse(t.job)]);
}

function decodeOptional(text: string, n: number): Pick<RunTable, 'lane' | 'violation' | 'crashReason' | 'agent' | 'job'> {
  const r = parseStateFile(text, RunsCacheOptionalSchema);
  if (!r.ok) throw new Error(`damaged optional fields: ${r.why}`); // decodeTable: not a cache
  const [lane, violation, crashReason, agent, job] = r.value;
  const dense = (pairs: [number, string][]) => {
    const a: (string | undefined)[] = new Array<string | undefined>(n).fill(undefined);
    for (const [i, v] of pairs) a[i] = v;
    return a;
  };
  // Crash reasons were checked by engine/records.ts when the runs were read; the cache is this build's own.
  return { lane: dense(lane), violation: dense(violation), crashReason: dense(crashReason) as (CrashReason | undefined)[], agent: dense(agent), job: dense(job) };
}
