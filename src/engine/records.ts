// The one reader of runs.jsonl and its one rule for a valid record (toRecord): lines into records, tolerantly. Bad
// lines (truncated, not JSON, not a record) become warnings, never exceptions; a file is read a megabyte at a time.
// The engine, the supervisor, lanes, sweeps, the report and the dashboard all read through it.
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import type { Hash } from 'node:crypto';
import { recordsPath } from '../paths.js';
import type { CrashReason, RunRecord } from './types.js';
import { WarningList } from './warning-list.js';
import type { ReaderState } from '../config/state-files.js';

export type { ReaderState };

/** Anything with a length (the report's RunTable, an array): how many records were taken so far. */
interface Counted {
  readonly length: number;
}

const CRASH_REASONS = new Set<CrashReason>(['timeout', 'oom', 'nan', 'error', 'no-metric', 'interrupted', 'node-fail', 'preempted', 'boot-fail']);

/** True when the bytes look like a binary file rather than text. */
export function isBinary(buf: Uint8Array): boolean {
  const n = Math.min(buf.length, 8192);
  for (let i = 0; i < n; i++) if (buf[i] === 0) return true;
  return false;
}

/** Turns runs.jsonl lines into records: bad lines (truncated, not JSON, not a record) become warnings. */
export class RecordLines {
  warnings: WarningList;
  lineNo = 0;
  count = 0;

  constructor(
    private readonly name: string,
    private readonly onRecord: (r: RunRecord) => void,
  ) {
    this.warnings = new WarningList(name);
  }

  /** The warnings so far, and a fresh list for what comes next (an incremental reader reports each once). */
  takeWarnings(): string[] {
    const w = this.warnings.list();
    this.warnings = new WarningList(this.name);
    return w;
  }

  private beforeLast: { reader: ReaderState; rows: number } | null = null;

  /** onLine for forEachLine that notes where the complete lines end: an unterminated last line is not the cache's. */
  complete(table: Counted): (line: string, last: boolean) => void {
    this.beforeLast = null;
    return (line, last) => {
      if (last) this.beforeLast = { reader: this.state(), rows: table.length };
      this.line(line, last);
    };
  }

  /** The reader's state and the table's rows after the complete lines (for a cache). */
  completed(table: Counted): { reader: ReaderState; rows: number } {
    return this.beforeLast ?? { reader: this.state(), rows: table.length };
  }

  state(): ReaderState {
    return { lineNo: this.lineNo, count: this.count, warnings: this.warnings.state() };
  }
  restore(st: ReaderState): void {
    this.lineNo = st.lineNo;
    this.count = st.count;
    this.warnings.restore(st.warnings);
  }

  /** The next line, without its \n; `last`: the file ends without one after it. */
  line(line: string, last: boolean): void {
    const lineNo = ++this.lineNo;
    if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    if (line.length === 0 || (line.charCodeAt(0) <= 32 && line.trim() === '')) return;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      if (last) this.warnings.push(`line ${lineNo} is truncated (still being written?); skipped`);
      else this.warnings.push(`line ${lineNo} is not JSON; skipped`, 'that are not JSON');
      return;
    }
    const rec = toRecord(obj, this.count + 1);
    if (typeof rec === 'string') this.warnings.push(`line ${lineNo} ${rec}; skipped`, 'that are not run records');
    else {
      this.count++;
      this.onRecord(rec);
    }
  }
}

/** Parse runs.jsonl text: bad lines (truncated, not JSON, not a record) are skipped with a warning. */
export function parseRecords(text: string, name = 'runs.jsonl'): { records: RunRecord[]; warnings: string[] } {
  const records: RunRecord[] = [];
  const reader = new RecordLines(name, (r) => records.push(r));
  for (let i = 0; i < text.length; ) {
    const j = text.indexOf('\n', i);
    if (j < 0) {
      reader.line(text.slice(i), true);
      break;
    }
    reader.line(text.slice(i, j), false);
    i = j + 1;
  }
  return { records, warnings: reader.warnings.list() };
}

const CHUNK = 1 << 20;

interface LineScan {
  /** Start reading here (a cache covers the bytes before, which were text); a line must start here. */
  start?: number;
  /** Receives every byte of the complete lines read. */
  hash?: Hash;
}

/**
 * Call onLine with each line of a UTF-8 file, read a megabyte at a time: no copy of the whole file
 * in memory, as a buffer or as a string, and each line is decoded on its own (a \n byte is never
 * part of a multi-byte character, so this is the whole file's decoding, split). Returns the offset
 * after the last complete line (its \n); 'binary', and no line read, when the file's first 8 KiB
 * look binary.
 */
export function forEachLine(file: string, onLine: (line: string, last: boolean) => void, o: LineScan = {}): number | 'binary' {
  const fd = openSync(file, 'r');
  try {
    let buf = Buffer.allocUnsafe(CHUNK);
    let have = 0;
    const skip = o.start ?? 0;
    let done = skip; // offset after the complete lines behind us
    let at = skip; // file position of the next read
    let checked = skip > 0; // a prefix that was read before was text
    for (;;) {
      if (have === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, have);
        buf = bigger;
      }
      const got = readSync(fd, buf, have, buf.length - have, at);
      at += got;
      const end = have + got;
      if (!checked && (end >= 8192 || got === 0)) {
        checked = true;
        if (isBinary(buf.subarray(0, end))) return 'binary';
      }
      if (!checked) {
        have = end;
        continue;
      }
      let from = 0;
      for (;;) {
        const nl = buf.indexOf(10, from);
        if (nl < 0 || nl >= end) break;
        onLine(buf.toString('utf8', from, nl), false);
        from = nl + 1;
      }
      o.hash?.update(buf.subarray(0, from));
      done += from;
      if (got === 0) {
        if (from < end) onLine(buf.toString('utf8', from, end), true);
        return done;
      }
      buf.copy(buf, 0, from, end);
      have = end - from;
    }
  } finally {
    closeSync(fd);
  }
}

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

// Fill what an older or hand-edited record lacks, so the report never trips on a missing field.
// The parsed object is patched in place: a well-formed record costs no extra allocation. Written
// out field by field (not loops over key lists) so every access is a monomorphic property load.
function toRecord(obj: unknown, fallbackId: number): RunRecord | string {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return 'is not a run record';
  const o = obj as Record<string, unknown>;
  const status = o.status;
  if (status !== 'keep' && status !== 'discard' && status !== 'crash') return `has an unknown status ${JSON.stringify(status)}`;
  if (o.value === undefined || status === 'crash') o.value = null;
  else if (o.value !== null && !isNum(o.value)) return 'has a value that is not a number';
  if (o.v !== 1) o.v = 1;
  if (!isNum(o.id)) o.id = fallbackId;
  if (typeof o.tag !== 'string') o.tag = '';
  if (typeof o.start !== 'string') o.start = '';
  if (typeof o.end !== 'string') o.end = '';
  if (typeof o.commit !== 'string') o.commit = '';
  if (typeof o.parent !== 'string') o.parent = '';
  if (typeof o.description !== 'string') o.description = '';
  if (typeof o.metric !== 'string') o.metric = '';
  if (typeof o.log !== 'string') o.log = '';
  if (!isNum(o.durationMs)) o.durationMs = 0;
  if (!isNum(o.memoryGb)) o.memoryGb = 0;
  if (!isNum(o.linesAdded)) o.linesAdded = 0;
  if (!isNum(o.linesRemoved)) o.linesRemoved = 0;
  if (!isNum(o.bestBefore)) o.bestBefore = null;
  if (!isNum(o.exitCode)) o.exitCode = null;
  if (typeof o.signal !== 'string') o.signal = null;
  if (typeof o.timedOut !== 'boolean') o.timedOut = false;
  const metrics = o.metrics;
  if (!metrics || typeof metrics !== 'object' || Array.isArray(metrics)) o.metrics = {};
  // Optional fields: absent in most records; a JSON object has no inherited own keys, so
  // `!== undefined` is `in` here.
  if (o.lane !== undefined && !(typeof o.lane === 'string' && o.lane !== '')) delete o.lane;
  if (o.violation !== undefined && !(typeof o.violation === 'string' && o.violation !== '')) delete o.violation;
  if (o.crashReason !== undefined && !CRASH_REASONS.has(o.crashReason as CrashReason)) delete o.crashReason;
  if (o.seed !== undefined && typeof o.seed !== 'number') delete o.seed;
  if (o.tail !== undefined && typeof o.tail !== 'string') delete o.tail;
  const noise = o.noise as { sigma?: unknown } | null | undefined;
  if (noise !== undefined && !(!!noise && typeof noise === 'object' && typeof noise.sigma === 'number')) delete o.noise;
  return o as unknown as RunRecord;
}

/** Read a tag's runs.jsonl whole; a torn or foreign line is skipped with a warning, never a crash. */
export function readRecords(repo: string, tag: string): { records: RunRecord[]; warnings: string[] } {
  const file = recordsPath(repo, tag);
  const records: RunRecord[] = [];
  if (!existsSync(file)) return { records, warnings: [] };
  const reader = new RecordLines(NAME, (r) => records.push(r));
  if (forEachLine(file, (line, last) => reader.line(line, last)) === 'binary') return { records: [], warnings: [BINARY] };
  return { records, warnings: reader.warnings.list() };
}

const NAME = 'runs.jsonl';
const BINARY = 'runs.jsonl is not a text file; skipped';

/**
 * runs.jsonl followed as it grows: each poll parses only the bytes appended since the last one. A file that shrank
 * or was replaced (a ledger rebuilt by import) is read again from its start (`reset`); an unterminated last line
 * waits for its \n.
 */
export class RecordsTail {
  private offset = 0;
  private size = -1;
  private ino = -1;
  private reader: RecordLines;
  private fresh: RunRecord[] = [];
  private binary = false;

  constructor(readonly file: string) {
    this.reader = this.newReader();
  }

  private newReader(): RecordLines {
    return new RecordLines(NAME, (r) => this.fresh.push(r));
  }

  /** The records appended since the last poll (all of them after a reset) and every warning so far. */
  poll(): { reset: boolean; added: RunRecord[]; warnings: string[] } {
    let size = -1;
    let ino = -1;
    try {
      const st = statSync(this.file);
      size = st.size;
      ino = st.ino;
    } catch {
      // missing: no records (a reset if there were some)
    }
    if (size === this.size && ino === this.ino) return { reset: false, added: [], warnings: this.binary ? [BINARY] : this.reader.warnings.list() };
    let reset = false;
    if (size < this.offset || (ino !== this.ino && this.ino !== -1)) {
      reset = true;
      this.offset = 0;
      this.reader = this.newReader();
    }
    this.size = size;
    this.ino = ino;
    if (size < 0) return { reset, added: [], warnings: [] };
    this.fresh = [];
    let end: number | 'binary';
    try {
      end = forEachLine(this.file, (line, last) => {
        if (!last) this.reader.line(line, false);
      }, { start: this.offset });
    } catch {
      this.size = -1; // removed between stat and open: the next poll tells
      return { reset, added: [], warnings: [] };
    }
    this.binary = end === 'binary';
    if (end === 'binary') return { reset, added: [], warnings: [BINARY] };
    this.offset = end;
    const added = this.fresh;
    this.fresh = [];
    return { reset, added, warnings: this.reader.warnings.list() };
  }
}

/**
 * A tag's records, kept up to date by reading only what was appended since the last call (the supervisor asks
 * after every turn): every record so far, and the warnings not reported before.
 */
export function followRecords(repo: string, tag: string): () => { records: RunRecord[]; warnings: string[] } {
  const tail = new RecordsTail(recordsPath(repo, tag));
  let records: RunRecord[] = [];
  let told = new Set<string>();
  return () => {
    const p = tail.poll();
    if (p.reset) {
      records = [];
      told = new Set();
    }
    for (const r of p.added) records.push(r);
    const warnings = p.warnings.filter((w) => !told.has(w));
    for (const w of warnings) told.add(w);
    return { records, warnings };
  };
}
