// A logger for `run` that loads pino at its first line instead of at start-up. The first line of a run is
// logged just before training starts, so pino loads while the training process runs, not before it.

type Level = 'info' | 'warn';

export interface LazyLogger {
  info(o: object, msg?: string): void;
  warn(o: object, msg?: string): void;
  /** Resolves once every line logged so far is written; call before the process exits. */
  flush(): Promise<void>;
}

export function lazyLogger(repo: string, tag: string, name = 'ar'): LazyLogger {
  const queue: Array<{ level: Level; o: object; msg?: string; at: number }> = [];
  let stamp: number | null = null;
  let real: { info(o: object, msg?: string): void; warn(o: object, msg?: string): void } | null = null;
  let loading: Promise<void> | null = null;
  const load = (): Promise<void> =>
    (loading ??= import('./log.js').then(
      ({ createLogger }) => {
        const logger = createLogger(repo, tag, name, () => stamp ?? Date.now());
        for (const l of queue) {
          stamp = l.at; // each line keeps the time it was logged
          logger[l.level](l.o, l.msg);
        }
        stamp = null;
        queue.length = 0;
        real = logger;
      },
      (e: Error) => {
        // The log is for people reading later; losing it must not fail an experiment that was recorded.
        process.stderr.write(`ar-supervise: cannot write the log (${e.message}); ${queue.length} line(s) lost.\n`);
        queue.length = 0;
        real = { info() {}, warn() {} };
      },
    ));
  const line = (level: Level) => (o: object, msg?: string) => {
    if (real) return real[level](o, msg);
    queue.push({ level, o, msg, at: Date.now() });
    void load();
  };
  return { info: line('info'), warn: line('warn'), flush: () => (real || !queue.length ? Promise.resolve() : load()) };
}
