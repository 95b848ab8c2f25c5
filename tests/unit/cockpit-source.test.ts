// The cockpit's Source against a real socket that refuses every WebSocket upgrade: after a failed connection it
// waits (doubling from COCKPIT_REFRESH_MS) instead of trying at every refresh, so a wrong token does not get the
// address shut out by the daemon's failed-attempt limit.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createServer, type Server } from 'node:net';
import { Source } from '../../src/client/cockpit/source.js';
import { COCKPIT_REFRESH_MS } from '../../src/common/limits.js';

let server: Server | null = null;
afterEach(async () => {
  vi.useRealTimers();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
});

/** A TCP server answering every request with 401, counting the connections. */
async function refusing(): Promise<{ port: number; connections: () => number }> {
  let n = 0;
  server = createServer((sock) => {
    n++;
    sock.once('data', () => sock.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  return { port: typeof addr === 'object' && addr ? addr.port : 0, connections: () => n };
}

describe('cockpit Source', () => {
  it('backs off after a refused connection: no new attempt until the wait is over, then one, then a longer wait', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const r = await refusing();
    const errors: string[] = [];
    const src = new Source('x', { home: '/nonexistent', remote: { name: null, url: `ws://127.0.0.1:${r.port}`, token: 'wrong' } }, {
      list: (_s, err) => errors.push(err ?? ''),
      event: () => {},
      output: () => {},
    });
    try {
      await src.refresh();
      await src.refresh();
      await src.refresh();
      expect(r.connections()).toBe(1);
      expect(errors).toHaveLength(3);
      expect(errors.every((e) => e === errors[0] && e.length > 0)).toBe(true);
      vi.setSystemTime(Date.now() + COCKPIT_REFRESH_MS + 10);
      await src.refresh();
      expect(r.connections()).toBe(2);
      // The second failure in a row waits twice as long.
      vi.setSystemTime(Date.now() + COCKPIT_REFRESH_MS + 10);
      await src.refresh();
      expect(r.connections()).toBe(2);
      vi.setSystemTime(Date.now() + COCKPIT_REFRESH_MS);
      await src.refresh();
      expect(r.connections()).toBe(3);
    } finally {
      src.dispose();
    }
  }, 20_000);
});
