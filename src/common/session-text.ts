// How a session's state and ages are worded for people: one wording for the CLI's tables and the MCP server's
// lines. Pure and browser-safe.
import type { SessionInfo } from '../protocol/messages.js';

/** "3s", "4m", "2h", "5d". */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** `running`, `killed`, `lost`, or `exited (CODE)` / `exited (SIGNAL)`. */
export function describeState(i: SessionInfo): string {
  if (i.state === 'exited') return i.signal ? `exited (${i.signal})` : `exited (${i.exitCode})`;
  return i.state;
}
