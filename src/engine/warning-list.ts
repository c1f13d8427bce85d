// Warnings of a tolerant reader (runs.jsonl, results.tsv): each prefixed with the file's name, repeats of a kind capped.

/** Warnings prefixed with the file name; repeats of one kind are capped and counted. */
export class WarningList {
  private readonly out: string[] = [];
  private readonly perKind = new Map<string, number>();
  constructor(
    private readonly name: string,
    private readonly cap = 5,
  ) {}

  /** `kind` groups repeats, phrased to follow "N more lines", e.g. "that are not JSON". */
  push(msg: string, kind = msg): void {
    const n = (this.perKind.get(kind) ?? 0) + 1;
    this.perKind.set(kind, n);
    if (n <= this.cap) this.out.push(`${this.name} ${msg}`);
  }

  /** What a cache needs to carry the list on (table-cache.ts). */
  state(): { out: string[]; perKind: [string, number][] } {
    return { out: [...this.out], perKind: [...this.perKind.entries()] };
  }
  restore(st: { out: string[]; perKind: [string, number][] }): void {
    this.out.push(...st.out);
    for (const [k, n] of st.perKind) this.perKind.set(k, n);
  }

  list(): string[] {
    const extra = [...this.perKind.entries()].filter(([, n]) => n > this.cap);
    return [...this.out, ...extra.map(([kind, n]) => `${this.name}: ${n - this.cap} more line${n - this.cap === 1 ? '' : 's'} ${kind}`)];
  }
}
