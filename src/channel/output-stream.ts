// Consuming an `output` stream (history, then live bytes): for watch, logs and the MCP server's read_logs.
import type { OpArgsOf, SessionInfo, StreamEventOf } from '../protocol/index.js';
import type { Channel } from './channel.js';
import { ClientError } from './errors.js';

export interface OutputEnd {
  /** Set when the session ended (now or before the stream began). */
  exit: SessionInfo | null;
  reason: string;
  message: string;
  /**
   * Where in the session's output the stream stopped: where its history began (the 'started' event's historyFrom)
   * plus every byte received since. A new stream with `fromByte` at this position continues without loss or
   * repeat, also when this one ended in the middle of its history. (From a daemon that does not send
   * historyFrom: its outputBytes when the stream started plus the live bytes received, exact only once the
   * history is through.)
   */
  position: number;
  /** Whether `position` is exact: the daemon said where the history began, or the history was through. */
  exact: boolean;
}

/**
 * Opens an output stream and feeds every chunk to `sink`. Resolves when the stream ends. `onStart` is told the
 * session and where the history begins in its output (undefined from an older daemon) before the first byte.
 */
export async function consumeOutput(
  ch: Channel,
  args: OpArgsOf<'output'>,
  sink: (bytes: Uint8Array) => void,
  onStart: (session: SessionInfo, historyFrom: number | undefined) => void = () => {},
): Promise<{ session: SessionInfo; end: Promise<OutputEnd> }> {
  let exit: SessionInfo | null = null;
  let resolveEnd!: (e: OutputEnd) => void;
  const end = new Promise<OutputEnd>((r) => (resolveEnd = r));
  let position = 0;
  /** Whether every byte moves the position (the daemon said where the history begins), or only live ones. */
  let counting = false;
  const { result } = await ch.openStream('output', args, {
    output: (bytes) => {
      if (counting) position += bytes.length;
      sink(bytes);
    },
    event: (ev: StreamEventOf) => {
      // 'started' comes before any output, so sinks know the session before the first byte.
      if (ev.type === 'started') {
        counting = typeof ev.historyFrom === 'number';
        // An older daemon: live output begins at outputBytes (the same tick on the daemon), counted from history-end.
        position = counting ? ev.historyFrom! : ev.session.outputBytes;
        onStart(ev.session, ev.historyFrom);
      } else if (ev.type === 'history-end') counting = true;
      else if (ev.type === 'exit') exit = ev.session;
      else if (ev.type === 'end') {
        resolveEnd({ exit, reason: ev.reason, message: ev.message, position, exact: counting });
      }
    },
  });
  return { session: result.session, end };
}

export function endError(e: OutputEnd): ClientError | null {
  if (e.reason === 'too_slow') return new ClientError(`dropped by the daemon: ${e.message}`, 'read the full output with `cw logs`');
  if (e.reason === 'closed') return new ClientError(`stream ended: ${e.message}`);
  return null;
}
