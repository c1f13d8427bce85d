// Every run as a table row, every parsed metric as a column: for spreadsheets and pandas.
import { closeSync, openSync, writeSync } from 'node:fs';
import type { RunRecord } from '../engine/types.js';

type Cell = string | number | boolean | null | undefined;

const FIXED_NAMES = [
  'id',
  'tag',
  'lane',
  'start',
  'end',
  'duration_s',
  'commit',
  'parent',
  'status',
  'violation',
  'crash_reason',
  'metric',
  'value',
  'best_before',
  'memory_gb',
  'lines_added',
  'lines_removed',
  'exit_code',
  'signal',
  'timed_out',
  'seed',
  'noise_sigma',
  'description',
  'log',
];

/** The fixed cells of one record, in FIXED_NAMES order (written out: no closure per cell). */
function fixedCells(r: RunRecord, row: Cell[]): void {
  row[0] = r.id;
  row[1] = r.tag;
  row[2] = r.lane;
  row[3] = r.start;
  row[4] = r.end;
  row[5] = r.durationMs / 1000;
  row[6] = r.commit;
  row[7] = r.parent;
  row[8] = r.status;
  row[9] = r.violation;
  row[10] = r.crashReason;
  row[11] = r.metric;
  row[12] = r.value;
  row[13] = r.bestBefore;
  row[14] = r.memoryGb;
  row[15] = r.linesAdded;
  row[16] = r.linesRemoved;
  row[17] = r.exitCode;
  row[18] = r.signal;
  row[19] = r.timedOut;
  row[20] = r.seed;
  row[21] = r.noise?.sigma;
  row[22] = r.description;
  row[23] = r.log;
}

const NFIXED = FIXED_NAMES.length;

interface Columns {
  header: string[];
  metricNames: string[];
}

/** Fixed columns, then the sorted union of all parsed metric names. */
function columns(records: readonly RunRecord[]): Columns {
  const names = new Set<string>();
  for (const r of records) for (const k in r.metrics) names.add(k);
  const metricNames = [...names].sort();
  const fixedNames = new Set(FIXED_NAMES);
  // A metric named like a fixed column gets a prefix rather than silently shadowing it.
  const header = [...FIXED_NAMES, ...metricNames.map((n) => (fixedNames.has(n) ? `metric:${n}` : n))];
  return { header, metricNames };
}

/** Fill `row` with one record's cells (reused across rows to spare 100k arrays). */
function fillRow(r: RunRecord, metricNames: readonly string[], row: Cell[]): Cell[] {
  fixedCells(r, row);
  const m = r.metrics;
  for (let j = 0; j < metricNames.length; j++) row[NFIXED + j] = m[metricNames[j]!];
  return row;
}

/** Header and rows as strings (for callers that want the table itself). */
export function exportTable(records: readonly RunRecord[]): { header: string[]; rows: string[][] } {
  const cols = columns(records);
  const rows: string[][] = [];
  const row: Cell[] = new Array(cols.header.length);
  for (const r of records) rows.push(fillRow(r, cols.metricNames, row).map(str));
  return { header: cols.header, rows };
}

function str(v: Cell): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  return String(v);
}

/** RFC 4180: quote fields holding a comma, a quote or a line break; double the quotes. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** TSV has no quoting: tabs and line breaks inside a field become spaces. */
function tsvField(s: string): string {
  return /[\t\r\n]/.test(s) ? s.replace(/[\t\r\n]+/g, ' ') : s;
}

// Any character that needs care in either format; most fields have none and are used as they are.
const SPECIAL = /[",\t\r\n]/;

/**
 * Both tables row by row: each cell is turned into text once, and a row whose text needs no care
 * in either format (the usual case) is one string for both, joined twice.
 */
class TableWriter {
  private readonly cols: Columns;
  private readonly row: Cell[];
  private readonly text: string[];
  private readonly tsvText: string[];

  constructor(records: readonly RunRecord[]) {
    this.cols = columns(records);
    const n = this.cols.header.length;
    this.row = new Array<Cell>(n);
    this.text = new Array<string>(n);
    this.tsvText = new Array<string>(n);
  }

  csvHeader(): string {
    return this.cols.header.map(csvField).join(',');
  }

  tsvHeader(): string {
    return this.cols.header.map(tsvField).join('\t');
  }

  /** One record as [csv line, tsv line], without line ends. */
  line(r: RunRecord): [string, string] {
    const row = fillRow(r, this.cols.metricNames, this.row);
    const t = this.text;
    let special = false;
    for (let i = 0; i < row.length; i++) {
      const v = row[i];
      if (typeof v === 'string') {
        t[i] = v;
        if (!special && SPECIAL.test(v)) special = true;
      } else t[i] = str(v);
    }
    if (!special) return [t.join(','), t.join('\t')];
    const tt = this.tsvText;
    for (let i = 0; i < t.length; i++) tt[i] = tsvField(t[i]!);
    for (let i = 0; i < t.length; i++) t[i] = csvField(t[i]!);
    return [t.join(','), tt.join('\t')];
  }
}

/** Both tables in one pass. */
export function toCsvAndTsv(records: readonly RunRecord[]): { csv: string; tsv: string } {
  const w = new TableWriter(records);
  const csv = [w.csvHeader()];
  const tsv = [w.tsvHeader()];
  for (const r of records) {
    const [c, t] = w.line(r);
    csv.push(c);
    tsv.push(t);
  }
  return { csv: csv.join('\r\n') + '\r\n', tsv: tsv.join('\n') + '\n' };
}

/** Write runs.csv and runs.tsv in chunks of rows: no 40 MB string for a 100k-run ledger. */
export function writeCsvAndTsv(records: readonly RunRecord[], csvFile: string, tsvFile: string, rowsPerChunk = 2000): void {
  const w = new TableWriter(records);
  const csvFd = openSync(csvFile, 'w');
  try {
    const tsvFd = openSync(tsvFile, 'w');
    try {
      let csv = [w.csvHeader()];
      let tsv = [w.tsvHeader()];
      const flush = () => {
        writeAll(csvFd, csv.join('\r\n') + '\r\n');
        writeAll(tsvFd, tsv.join('\n') + '\n');
        csv = [];
        tsv = [];
      };
      for (const r of records) {
        const [c, t] = w.line(r);
        csv.push(c);
        tsv.push(t);
        if (csv.length >= rowsPerChunk) flush();
      }
      if (csv.length) flush();
    } finally {
      closeSync(tsvFd);
    }
  } finally {
    closeSync(csvFd);
  }
}

function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text, 'utf8');
  for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off);
}

export function toCsv(records: readonly RunRecord[]): string {
  return toCsvAndTsv(records).csv;
}

export function toTsv(records: readonly RunRecord[]): string {
  return toCsvAndTsv(records).tsv;
}
