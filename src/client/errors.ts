// Client-side failures: a message for stderr, an optional hint, and a stable exit code.

/** Exit codes are part of the interface: scripts rely on them. Documented in the README. */
export const ExitCode = {
  OK: 0,
  ERROR: 1,
  USAGE: 2,
  /** A conditional action was refused (e.g. `send --if-idle` into a busy session). */
  REFUSED: 3,
  /** --server given but no token: neither --token, CODEWIRE_TOKEN nor a saved one. */
  NO_TOKEN: 4,
  /** The server cannot be reached (refused, unknown host, timed out, connection lost). */
  UNREACHABLE: 5,
  /** TLS failed: the server's certificate is not trusted or does not match. */
  TLS: 6,
  /** The server rejected the token. */
  AUTH: 7,
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
