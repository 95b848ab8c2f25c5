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
   * Where in the session's output the stream stopped: its outputBytes when the stream started plus the live bytes
   * received since. A new stream with `fromByte` at this position continues without loss or repeat.
   */
  position: number;
}

/**
 * Opens an output stream and feeds every chunk to `sink` (awaited, so a slow stdout slows the reading and
 * the daemon's queue for us stays bounded). Resolves when the stream ends.
 */
export async function consumeOutput(
  ch: Channel,
  args: OpArgsOf<'output'>,
  sink: (bytes: Uint8Array) => void,
  onStart: (session: SessionInfo) => void = () => {},
): Promise<{ session: SessionInfo; end: Promise<OutputEnd> }> {
  let exit: SessionInfo | null = null;
  let resolveEnd!: (e: OutputEnd) => void;
  const end = new Promise<OutputEnd>((r) => (resolveEnd = r));
  // Live output begins at the session's outputBytes as 'started' reports it (the same tick on the daemon).
  let position = 0;
  let live = false;
  const { result } = await ch.openStream('output', args, {
    output: (bytes) => {
      if (live) position += bytes.length;
      sink(bytes);
    },
    event: (ev: StreamEventOf) => {
      // 'started' comes before any output, so sinks know the session before the first byte.
      if (ev.type === 'started') {
        position = ev.session.outputBytes;
        onStart(ev.session);
      } else if (ev.type === 'history-end') live = true;
      else if (ev.type === 'exit') exit = ev.session;
      else if (ev.type === 'end') {
        resolveEnd({ exit, reason: ev.reason, message: ev.message, position });
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
