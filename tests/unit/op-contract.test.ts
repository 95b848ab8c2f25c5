// The op contract: every op has one result type (OpResults), `Channel.request` returns it, and no reply is cast
// where it is used. Most of this is checked by the compiler (tsc covers tests/); the runtime parts show a reply
// reaching the caller as the daemon sent it, and keep the "no cast of a reply" rule from eroding.
import { describe, it, expect, expectTypeOf } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Channel, type ByteTransport } from '../../src/channel/channel.js';
import { FrameDecoder, FrameType, OpArgs, PROTOCOL_VERSION, decodeControl, encodeControl, type Op, type OpResults } from '../../src/protocol/index.js';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

/** A channel whose daemon is this test: requests are decoded, replies are fed back by hand. */
function fakeDaemon(): { ch: Channel; requests: { id: number; op: string; args: Record<string, unknown> }[]; reply(id: number, result: unknown): void } {
  const requests: { id: number; op: string; args: Record<string, unknown> }[] = [];
  const decoder = new FrameDecoder();
  const t: ByteTransport = {
    write: (bytes) => {
      for (const f of decoder.push(bytes)) if (f.type === FrameType.REQUEST) requests.push(decodeControl(FrameType.REQUEST, f.payload));
    },
    end: () => {},
    unref: () => {},
    ref: () => {},
  };
  const ch = new Channel(t, { role: 'test' });
  ch.receive(encodeControl(FrameType.HELLO, { protocol: PROTOCOL_VERSION, version: 'test', role: 'daemon' }));
  return { ch, requests, reply: (id, result) => ch.receive(encodeControl(FrameType.RESPONSE, { id, ok: true, result })) };
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('op contract', () => {
  it('declares one result type for every op, and no more', () => {
    expectTypeOf<keyof OpResults>().toEqualTypeOf<Op>();
    // The runtime list of ops is the argument schemas; each has a result entry (checked above by type).
    expect(Object.keys(OpArgs).length).toBeGreaterThan(20);
  });

  it('request(op, args) resolves with that op\'s result type and value', async () => {
    const d = fakeDaemon();
    const pending = d.ch.request('rm', { sessions: ['3'] });
    await d.ch.hello;
    await new Promise((r) => setImmediate(r));
    expect(d.requests).toEqual([{ id: 1, op: 'rm', args: { sessions: ['3'] } }]);
    d.reply(1, { removed: [3] });
    const r = await pending;
    expectTypeOf(r).toEqualTypeOf<OpResults['rm']>();
    expect(r.removed).toEqual([3]);
  });

  it('refuses wrong arguments and unknown result fields at compile time', () => {
    const d = fakeDaemon();
    const typeOnly = (): void => {
      // @ts-expect-error: `screen` takes `session`, not `sessoin`
      void d.ch.request('screen', { sessoin: '1' });
      void d.ch.request('screen', { session: '1' }).then((r) => {
        // @ts-expect-error: a screen result has no `sessions`
        void r.sessions;
        return r.text.length;
      });
    };
    expect(typeof typeOnly).toBe('function');
    d.ch.end();
  });

  it('no reply of request() or a fleet ask() is cast where it is used', () => {
    const casts: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, i) => {
        // `(await x.request(...)) as T`, or the same over several lines ending in `)) as {`.
        if (/\b(request|ask|openStream)\(/.test(line) && /\)\)?\s+as\s+[A-Z{]/.test(line)) casts.push(`${relative(SRC, file)}:${i + 1}: ${line.trim()}`);
        else if (/^\s*\}\)\)\s+as\s+[A-Z{]/.test(line)) casts.push(`${relative(SRC, file)}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(casts).toEqual([]);
  });
});
