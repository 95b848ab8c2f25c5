// Over `--server box`, the commands a daemon's error suggests ("run `cw list`") name the server too, so the
// command copied from the hint asks the same daemon. Pure: unit-tested with exact strings.
import { redactUrl } from '../common/redact.js';

/**
 * The daemon's own error codes (protocol/errors.ts) whose hints name commands to run against that daemon. The
 * client's own failures (no token, TLS, unreachable) suggest commands for this machine or the server's shell,
 * and a protocol mismatch is fixed on the server itself: their hints stay as they are.
 */
const DAEMON_CODES = new Set(['not_found', 'invalid_argument', 'name_taken', 'not_running', 'unknown_op', 'too_slow', 'shutting_down', 'refused', 'timeout', 'internal']);

/** `--server` as a person could type it again: credentials in a URL are dropped, shell metacharacters quoted. */
export function serverArgument(server: string): string {
  let shown = server;
  if (/^wss?:\/\//i.test(server)) {
    try {
      const u = new URL(server);
      if (u.username || u.password) shown = `${u.protocol}//${u.host}${u.pathname === '/' && !server.endsWith('/') ? '' : u.pathname}${u.search}`;
    } catch {
      // Not a URL after all: the value was refused earlier; shown as given, quoted below.
    }
  }
  // Whatever else in a URL could be a secret (?token=...) is redacted: a hint is printed, never a credential.
  if (/^wss?:\/\//i.test(shown)) shown = redactUrl(shown);
  return /^[\w@%+=:,./-]+$/.test(shown) ? shown : `'${shown.replace(/'/g, `'\\''`)}'`;
}

/** A message or hint with every backquoted `cw ...` command sent to `server`; unchanged when server is unset. */
export function withServer(text: string, server: string | undefined): string {
  if (!server || text.includes('--server')) return text;
  const arg = serverArgument(server);
  return text.replace(/`cw (?=[a-z])/g, `\`cw --server ${arg} `);
}

/** Whether an error with this code came from the daemon (so its hint is about that daemon). */
export function isDaemonError(code: string): boolean {
  return DAEMON_CODES.has(code);
}
