// What a person reads: short, plain lines; colour only on a TTY (and never with NO_COLOR).

export function useColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  return !!stream.isTTY && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
}

const codes = { green: 32, red: 31, yellow: 33, dim: 2, bold: 1 } as const;
export function paint(s: string, c: keyof typeof codes, stream: NodeJS.WriteStream = process.stdout): string {
  return useColor(stream) ? `\x1b[${codes[c]}m${s}\x1b[0m` : s;
}

/** A live "elapsed / budget" line on stderr when it is a TTY; a no-op otherwise. */
export function liveLine(label: string): {
  tick: (elapsedMs: number, budgetMs: number, limitMs: number) => void;
  /** A queued job: `queued 12 s`; once it runs, `running on node a07` leads the line. */
  place: (p: { state: 'queued' | 'running'; queuedMs: number; node?: string; reason?: string }) => void;
  done: () => void;
} | null {
  if (!process.stderr.isTTY) return null;
  let shown = false;
  let where = '';
  const s = (ms: number) => `${Math.round(ms / 1000)}s`;
  return {
    tick(elapsed, budget, limit) {
      shown = true;
      const over = elapsed > budget ? ` (over budget; killed at ${s(limit)})` : '';
      process.stderr.write(`\r\x1b[2K${where}${label} ${s(elapsed)} / ${s(budget)}${over}`);
    },
    place(p) {
      shown = true;
      if (p.state === 'queued') {
        process.stderr.write(`\r\x1b[2Kqueued ${Math.round(p.queuedMs / 1000)} s${p.reason ? ` (${p.reason})` : ''}`);
      } else {
        where = `queued ${Math.round(p.queuedMs / 1000)} s, running${p.node ? ` on node ${p.node}` : ''}: `;
        process.stderr.write(`\r\x1b[2K${where}${label}`);
      }
    },
    done() {
      if (shown) process.stderr.write('\r\x1b[2K');
    },
  };
}
