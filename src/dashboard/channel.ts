// The CLI's Channel (src/client/channel.ts) over the page's WebSocket: one frame per binary message, HELLO
// first, requests with ids, streams fed by EVENT and OUTPUT frames, ACKs. Only the transport differs.
// The session cookie authenticates the upgrade; the page never sees the token.
import { Channel } from '../channel/channel.js';

export type { StreamHandlers } from '../channel/channel.js';
export type WebChannel = Channel;

/** Opens the WebSocket and resolves once the daemon's hello arrived and matched our protocol. */
export function connectWeb(url: string): Promise<Channel> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    let ch: Channel | null = null;
    ws.onopen = () => {
      const c = new Channel(
        {
          write: (b) => {
            if (ws.readyState === WebSocket.OPEN) ws.send(b);
          },
          end: () => ws.close(),
          // A page has no process to keep alive.
          unref: () => {},
          ref: () => {},
        },
        { role: 'web', mismatchHint: 'reload the page' },
      );
      ch = c;
      c.hello.then(() => resolve(c), reject);
    };
    ws.onmessage = (m) => {
      if (m.data instanceof ArrayBuffer) ch?.receive(new Uint8Array(m.data));
    };
    ws.onclose = (e) => {
      const err = new Error(e.reason || (ch ? 'the connection to the daemon closed' : 'cannot connect to the daemon (logged out, or the daemon stopped)'));
      if (ch) ch.closed(err);
      else reject(err);
    };
    ws.onerror = () => {};
  });
}
