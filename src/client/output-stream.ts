// Consuming an `output` stream (history, then live bytes) for watch and logs.
import type { OpArgsOf, SessionInfo, StreamEventOf } from '../protocol/index.js';
import type { Channel } from '../channel/channel.js';
import { ClientError } from '../channel/errors.js';

export interface OutputEnd {
  /** Set when the session ended (now or before the stream began). */
  exit: SessionInfo | null;
  reason: string;
  message: string;
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
  const { result } = await ch.openStream('output', args, {
    output: sink,
    event: (ev: StreamEventOf) => {
      // 'started' comes before any output, so sinks know the session before the first byte.
      if (ev.type === 'started') onStart(ev.session);
      else if (ev.type === 'exit') exit = ev.session;
      else if (ev.type === 'end') {
        resolveEnd({ exit, reason: ev.reason, message: ev.message });
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
