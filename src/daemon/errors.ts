// Expected failures of a request: a stable code, a one-line message and what to do next.
import { ErrorCode, type ErrorCodeValue } from '../protocol/index.js';

export class CwError extends Error {
  constructor(
    readonly code: ErrorCodeValue,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'CwError';
  }
}

export function notFound(ref: string): CwError {
  return new CwError(ErrorCode.NOT_FOUND, `session '${ref}' not found`, 'run `cw list` to see sessions');
}

export function invalid(message: string, hint?: string): CwError {
  return new CwError(ErrorCode.INVALID_ARGUMENT, message, hint);
}
