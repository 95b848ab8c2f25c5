// Error codes shared by daemon and clients. A code is stable (scripts match on it); the message is for people.

export const ErrorCode = {
  /** Malformed frame, bad msgpack, unknown frame type, schema failure: the connection is closed. */
  PROTOCOL: 'protocol',
  /** Client and daemon speak different protocol versions. */
  VERSION_MISMATCH: 'version_mismatch',
  /** A frame larger than MAX_FRAME_BYTES. */
  FRAME_TOO_LARGE: 'frame_too_large',
  NOT_FOUND: 'not_found',
  INVALID_ARGUMENT: 'invalid_argument',
  NAME_TAKEN: 'name_taken',
  NOT_RUNNING: 'not_running',
  UNKNOWN_OP: 'unknown_op',
  /** A watcher that fell too far behind was dropped. */
  TOO_SLOW: 'too_slow',
  SHUTTING_DOWN: 'shutting_down',
  /** A conditional action was refused (e.g. `send --if-idle` into a busy session). */
  REFUSED: 'refused',
  TIMEOUT: 'timeout',
  INTERNAL: 'internal',
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A peer broke the wire contract. Carries the code sent back in the ERROR frame. */
export class ProtocolError extends Error {
  constructor(
    readonly code: ErrorCodeValue,
    message: string,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}
