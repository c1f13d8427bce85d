// Few error types; the top-level catch in cli.ts maps them to exit codes.

/** Bad input from the user (flags, config, files, state of the repo): one sentence, exit 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string, readonly details?: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A fault of the tool itself or of its environment (disk full, git broken): exit 1. */
export class ToolError extends Error {
  readonly exitCode = 1;
  constructor(message: string, readonly details?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ToolError';
  }
}

export function isUsageError(e: unknown): e is UsageError {
  return e instanceof UsageError;
}
