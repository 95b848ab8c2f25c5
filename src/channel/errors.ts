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

/**
 * Marks a ClientError made by any copy of this module. The bundles the CLI loads on demand (the WebSocket client,
 * the fleet's NATS client, the MCP server: dist/cw-*.js) each carry their own copy, and their errors must keep
 * their exit codes when the CLI's `instanceof ClientError` sees them.
 */
const CLIENT_ERROR = Symbol.for('codewire.ClientError');

export class ClientError extends Error {
  static override [Symbol.hasInstance](x: unknown): boolean {
    return typeof x === 'object' && x !== null && (x as { [CLIENT_ERROR]?: boolean })[CLIENT_ERROR] === true;
  }

  readonly [CLIENT_ERROR] = true;

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

/** A wrong option or argument (exit 2), worded the same by every host that checks one (the CLI, the MCP server). */
export function usage(message: string, hint?: string): ClientError {
  return new ClientError(message, hint, ExitCode.USAGE, 'usage');
}
