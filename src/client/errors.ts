// Client-side failures: a message for stderr, an optional hint, and a stable exit code.

/** Exit codes are part of the interface: scripts rely on them. Documented in the README. */
export const ExitCode = {
  OK: 0,
  ERROR: 1,
  USAGE: 2,
  /** A conditional action was refused (e.g. `send --if-idle` into a busy session). */
  REFUSED: 3,
  TIMEOUT: 124,
} as const;

export class ClientError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode: number = ExitCode.ERROR,
    readonly code: string = 'error',
  ) {
    super(message);
    this.name = 'ClientError';
  }
}
