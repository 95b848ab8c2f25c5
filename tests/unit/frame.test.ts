import { describe, it, expect } from 'vitest';
import {
  ErrorCode,
  FRAME_HEADER_BYTES,
  FrameDecoder,
  FrameType,
  MAX_FRAME_BYTES,
  ProtocolError,
  decodeAck,
  decodeStreamPayload,
  encodeAck,
  encodeFrame,
  encodeStreamFrame,
  encodeStreamHeader,
  type Frame,
} from '../../src/protocol/index.js';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const arr = (u: Uint8Array): number[] => Array.from(u);

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Runs `fn` and returns the ProtocolError it threw (fails if it threw anything else or nothing). */
function protocolError(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    return err as ProtocolError;
  }
  throw new Error('expected a ProtocolError, nothing was thrown');
}

const plain = (frames: Frame[]): { type: number; payload: number[] }[] => frames.map((f) => ({ type: f.type, payload: arr(f.payload) }));

describe('encodeFrame', () => {
  it('encodes [type u8][len u32 BE][payload]', () => {
    expect(arr(encodeFrame(0x01, text('hi')))).toEqual([0x01, 0, 0, 0, 2, 0x68, 0x69]);
    expect(FRAME_HEADER_BYTES).toBe(5);
  });

  it('encodes a zero-length payload as a bare header', () => {
    expect(arr(encodeFrame(FrameType.HELLO, new Uint8Array(0)))).toEqual([0x10, 0, 0, 0, 0]);
  });

  it('writes the length big-endian with every byte significant', () => {
    // 0x01020304 is far above MAX_FRAME_BYTES, so check the header layout through a length that is allowed and
    // has three non-zero bytes, and the decoder's reading of a header with all four bytes set.
    const len = 0x3f0102; // 4 129 026 bytes < 4 MiB
    expect(len).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    const f = encodeFrame(FrameType.REQUEST, new Uint8Array(len));
    expect(f.length).toBe(5 + len);
    expect(arr(f.subarray(0, 5))).toEqual([0x11, 0x00, 0x3f, 0x01, 0x02]);

    const d = new FrameDecoder(0x7fffffff);
    expect(d.push(bytes(0x11, 0x01, 0x02, 0x03, 0x04))).toEqual([]);
    const err = protocolError(() => new FrameDecoder().push(bytes(0x11, 0x01, 0x02, 0x03, 0x04)));
    expect(err.code).toBe(ErrorCode.FRAME_TOO_LARGE);
    expect(err.message).toContain(String(0x01020304)); // 16909060: read big-endian, not little-endian
  });

  it('reads a length with the top bit set as unsigned', () => {
    const err = protocolError(() => new FrameDecoder().push(bytes(0x11, 0xff, 0xff, 0xff, 0xff)));
    expect(err.code).toBe(ErrorCode.FRAME_TOO_LARGE);
    expect(err.message).toContain('4294967295');
  });

  it('accepts exactly MAX_FRAME_BYTES and refuses one more byte', () => {
    expect(encodeFrame(0x01, new Uint8Array(MAX_FRAME_BYTES)).length).toBe(MAX_FRAME_BYTES + 5);
    expect(() => encodeFrame(0x01, new Uint8Array(MAX_FRAME_BYTES + 1))).toThrow(RangeError);
  });

  it('refuses a type that is not a u8', () => {
    for (const t of [-1, 256, 1.5, Number.NaN, 0x100]) {
      expect(() => encodeFrame(t, new Uint8Array(0)), String(t)).toThrow(RangeError);
    }
    expect(arr(encodeFrame(0xff, new Uint8Array(0)))).toEqual([0xff, 0, 0, 0, 0]);
    expect(arr(encodeFrame(0, new Uint8Array(0)))).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('stream frames', () => {
  it('encodes [type][len][stream u32 BE][bytes]', () => {
    expect(arr(encodeStreamFrame(FrameType.OUTPUT, 0x01020304, text('ab')))).toEqual([
      0x01, 0, 0, 0, 6, 0x01, 0x02, 0x03, 0x04, 0x61, 0x62,
    ]);
    expect(arr(encodeStreamFrame(FrameType.INPUT, 7, new Uint8Array(0)))).toEqual([0x02, 0, 0, 0, 4, 0, 0, 0, 7]);
    expect(arr(encodeStreamFrame(FrameType.OUTPUT, 0xffffffff, bytes(0)))).toEqual([0x01, 0, 0, 0, 5, 0xff, 0xff, 0xff, 0xff, 0]);
  });

  it('encodes the header alone: with its payload after it, the same bytes as the whole frame', () => {
    expect(arr(encodeStreamHeader(FrameType.OUTPUT, 0x01020304, 2))).toEqual([0x01, 0, 0, 0, 6, 0x01, 0x02, 0x03, 0x04]);
    expect(arr(encodeStreamHeader(FrameType.INPUT, 7, 0))).toEqual([0x02, 0, 0, 0, 4, 0, 0, 0, 7]);
    for (const n of [0, 1, 255, 256, 65536]) {
      const body = new Uint8Array(n).map((_, i) => i * 7);
      expect(arr(Uint8Array.from([...encodeStreamHeader(FrameType.OUTPUT, 9, n), ...body]))).toEqual(arr(encodeStreamFrame(FrameType.OUTPUT, 9, body)));
    }
    expect(() => encodeStreamHeader(FrameType.OUTPUT, 1, MAX_FRAME_BYTES)).toThrow(/exceeds the limit/);
  });

  it('decodes the stream id and bytes', () => {
    const p = decodeStreamPayload(bytes(0x01, 0x02, 0x03, 0x04, 0x61, 0x62));
    expect(p.stream).toBe(0x01020304);
    expect(arr(p.bytes)).toEqual([0x61, 0x62]);
    const top = decodeStreamPayload(bytes(0xff, 0xff, 0xff, 0xfe));
    expect(top.stream).toBe(0xfffffffe);
    expect(top.bytes.length).toBe(0);
  });

  it('round-trips through the decoder', () => {
    const data = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const [f] = new FrameDecoder().push(encodeStreamFrame(FrameType.OUTPUT, 42, data));
    expect(f!.type).toBe(FrameType.OUTPUT);
    const p = decodeStreamPayload(f!.payload);
    expect(p.stream).toBe(42);
    expect(arr(p.bytes)).toEqual(arr(data));
  });

  it('rejects a payload shorter than its stream id', () => {
    for (const n of [0, 1, 2, 3]) {
      const err = protocolError(() => decodeStreamPayload(new Uint8Array(n)));
      expect(err.code).toBe(ErrorCode.PROTOCOL);
      expect(err.message).toMatch(/stream id/);
    }
  });

  it('refuses stream bytes that would push the payload over MAX_FRAME_BYTES', () => {
    expect(encodeStreamFrame(FrameType.OUTPUT, 1, new Uint8Array(MAX_FRAME_BYTES - 4)).length).toBe(MAX_FRAME_BYTES + 5);
    expect(() => encodeStreamFrame(FrameType.OUTPUT, 1, new Uint8Array(MAX_FRAME_BYTES - 3))).toThrow(RangeError);
  });
});

describe('ack frames', () => {
  it('encodes [0x03][0,0,0,8][stream u32 BE][bytes u32 BE]', () => {
    expect(arr(encodeAck(0x01020304, 0x0a0b0c0d))).toEqual([0x03, 0, 0, 0, 8, 1, 2, 3, 4, 0x0a, 0x0b, 0x0c, 0x0d]);
    expect(arr(encodeAck(1, 65536))).toEqual([0x03, 0, 0, 0, 8, 0, 0, 0, 1, 0, 1, 0, 0]);
  });

  it('decodes what it encodes, including values with the top bit set', () => {
    for (const [s, b] of [
      [0, 0],
      [1, 131072],
      [0xffffffff, 0x80000000],
    ] as const) {
      const [f] = new FrameDecoder().push(encodeAck(s, b));
      expect(f!.type).toBe(FrameType.ACK);
      expect(decodeAck(f!.payload)).toEqual({ stream: s, bytes: b });
    }
  });

  it('rejects a payload that is not exactly 8 bytes', () => {
    for (const n of [0, 4, 7, 9, 16]) {
      const err = protocolError(() => decodeAck(new Uint8Array(n)));
      expect(err.code).toBe(ErrorCode.PROTOCOL);
      expect(err.message).toContain(`got ${n}`);
    }
  });
});

describe('FrameDecoder', () => {
  // Several frames of different types and sizes, including empty and multi-kilobyte payloads.
  const big = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7 + 3) & 0xff);
  const expected: { type: number; payload: number[] }[] = [
    { type: FrameType.HELLO, payload: arr(text('hello')) },
    { type: FrameType.REQUEST, payload: [] },
    { type: FrameType.INPUT, payload: [0, 0, 0, 1, 0x1b, 0x5b, 0x41] },
    { type: FrameType.OUTPUT, payload: [0, 0, 0, 9, ...arr(big)] },
    { type: FrameType.ACK, payload: [0, 0, 0, 9, 0, 0, 0x0b, 0xb8] },
    { type: FrameType.ERROR, payload: [0xff] },
    { type: FrameType.EVENT, payload: arr(text('x'.repeat(70))) },
    { type: FrameType.RESPONSE, payload: [0] },
  ];
  const wire = concat(expected.map((f) => encodeFrame(f.type, Uint8Array.from(f.payload))));

  it('decodes several frames from one chunk', () => {
    const d = new FrameDecoder();
    expect(plain(d.push(wire))).toEqual(expected);
    expect(d.bufferedBytes).toBe(0);
  });

  it('decodes the same frames whatever the split point (two pieces)', () => {
    // Compared as hex strings: 3000+ deep array comparisons per split point would be slow.
    const hex = (frames: { type: number; payload: ArrayLike<number> }[]): string =>
      frames.map((f) => `${f.type}:${Buffer.from(Uint8Array.from(f.payload)).toString('hex')}`).join(' ');
    const want = hex(expected);
    const failures: number[] = [];
    for (let cut = 0; cut <= wire.length; cut++) {
      const d = new FrameDecoder();
      const got = [...d.push(wire.slice(0, cut)), ...d.push(wire.slice(cut))];
      if (hex(got) !== want || d.bufferedBytes !== 0) failures.push(cut);
    }
    expect(failures).toEqual([]);
  });

  it('decodes the same frames fed one byte at a time, completing each on its last byte', () => {
    const d = new FrameDecoder();
    const got: Frame[] = [];
    const ends = new Set<number>();
    let end = 0;
    for (const f of expected) ends.add((end += 5 + f.payload.length));
    let lastEnd = 0;
    for (let i = 0; i < wire.length; i++) {
      const frames = d.push(wire.slice(i, i + 1));
      expect(frames.length, `byte ${i}`).toBe(ends.has(i + 1) ? 1 : 0);
      got.push(...frames);
      if (ends.has(i + 1)) lastEnd = i + 1;
      expect(d.bufferedBytes, `byte ${i}`).toBe(i + 1 - lastEnd);
    }
    expect(plain(got)).toEqual(expected);
    expect(d.bufferedBytes).toBe(0);
  });

  it('reports the bytes held for an incomplete frame', () => {
    const d = new FrameDecoder();
    expect(d.bufferedBytes).toBe(0);
    const f = encodeFrame(FrameType.REQUEST, text('abcdef')); // 11 bytes
    expect(d.push(f.slice(0, 3))).toEqual([]);
    expect(d.bufferedBytes).toBe(3);
    expect(d.push(f.slice(3, 9))).toEqual([]);
    expect(d.bufferedBytes).toBe(9);
    // The rest of this frame plus the first two bytes of the next.
    const next = encodeFrame(FrameType.HELLO, text('z'));
    expect(plain(d.push(concat([f.slice(9), next.slice(0, 2)])))).toEqual([{ type: FrameType.REQUEST, payload: arr(text('abcdef')) }]);
    expect(d.bufferedBytes).toBe(2);
    expect(plain(d.push(next.slice(2)))).toEqual([{ type: FrameType.HELLO, payload: arr(text('z')) }]);
    expect(d.bufferedBytes).toBe(0);
    expect(d.push(new Uint8Array(0))).toEqual([]);
    expect(d.bufferedBytes).toBe(0);
  });

  it('accepts a frame of exactly MAX_FRAME_BYTES', () => {
    const payload = new Uint8Array(MAX_FRAME_BYTES);
    payload[0] = 1;
    payload[MAX_FRAME_BYTES - 1] = 2;
    const wireMax = encodeFrame(FrameType.OUTPUT, payload);
    const d = new FrameDecoder();
    expect(d.push(wireMax.subarray(0, 5))).toEqual([]); // header alone: accepted, waiting for the body
    expect(d.push(wireMax.subarray(5, 1_000_000))).toEqual([]);
    const [f] = d.push(wireMax.subarray(1_000_000));
    expect(f!.payload.length).toBe(MAX_FRAME_BYTES);
    expect(f!.payload[0]).toBe(1);
    expect(f!.payload[MAX_FRAME_BYTES - 1]).toBe(2);
  });

  it('rejects MAX_FRAME_BYTES + 1 from the header alone, before any body arrives', () => {
    const header = bytes(FrameType.OUTPUT, 0, 0, 0, 0);
    new DataView(header.buffer).setUint32(1, MAX_FRAME_BYTES + 1);
    const err = protocolError(() => new FrameDecoder().push(header));
    expect(err.code).toBe(ErrorCode.FRAME_TOO_LARGE);
    expect(err.message).toContain(String(MAX_FRAME_BYTES + 1));
    expect(err.message).toContain(String(MAX_FRAME_BYTES));
  });

  it('rejects an oversized header that arrives split, once its last length byte is in', () => {
    const header = bytes(FrameType.REQUEST, 0x80, 0, 0, 0); // 2 GiB
    const d = new FrameDecoder();
    expect(d.push(header.subarray(0, 4))).toEqual([]);
    const err = protocolError(() => d.push(header.subarray(4)));
    expect(err.code).toBe(ErrorCode.FRAME_TOO_LARGE);
    expect(err.message).toContain('2147483648');
  });

  it('rejects an oversized frame that follows complete ones in the same chunk', () => {
    const d = new FrameDecoder();
    const good = encodeFrame(FrameType.HELLO, text('ok'));
    const err = protocolError(() => d.push(concat([good, bytes(FrameType.REQUEST, 0x7f, 0xff, 0xff, 0xff)])));
    expect(err.code).toBe(ErrorCode.FRAME_TOO_LARGE);
  });

  it('honours a smaller custom limit', () => {
    const d = new FrameDecoder(10);
    expect(plain(d.push(encodeFrame(FrameType.HELLO, new Uint8Array(10))))).toHaveLength(1);
    expect(protocolError(() => d.push(encodeFrame(FrameType.HELLO, new Uint8Array(11)))).code).toBe(ErrorCode.FRAME_TOO_LARGE);
  });

  it('rejects an unknown type from the header alone with code protocol', () => {
    for (const t of [0x00, 0x04, 0x0f, 0x13, 0x2f, 0x31, 0x3e, 0x40, 0xff]) {
      const err = protocolError(() => new FrameDecoder().push(bytes(t, 0, 0, 0, 1)));
      expect(err.code).toBe(ErrorCode.PROTOCOL);
      expect(err.message).toBe(`unknown frame type 0x${t.toString(16).padStart(2, '0')}`);
    }
  });

  it('checks the type before the length', () => {
    const err = protocolError(() => new FrameDecoder().push(bytes(0x99, 0xff, 0xff, 0xff, 0xff)));
    expect(err.code).toBe(ErrorCode.PROTOCOL);
    expect(err.message).toContain('0x99');
  });

  it('waits for a full header before judging it', () => {
    const d = new FrameDecoder();
    expect(d.push(bytes(0x99, 0xff, 0xff, 0xff))).toEqual([]);
    expect(d.bufferedBytes).toBe(4);
  });

  it('returns payloads that do not alias its buffer or the caller’s chunks', () => {
    const d = new FrameDecoder();
    const a = encodeFrame(FrameType.OUTPUT, bytes(0, 0, 0, 1, 10, 11, 12));
    const b = encodeFrame(FrameType.OUTPUT, bytes(0, 0, 0, 1, 20, 21, 22));
    const c = encodeFrame(FrameType.OUTPUT, bytes(0, 0, 0, 1, 30, 31, 32));
    // Chunk 1: frame a whole plus half of b (a comes straight from the chunk, b is buffered).
    const chunk1 = concat([a, b.subarray(0, 7)]);
    const got1 = d.push(chunk1);
    expect(got1).toHaveLength(1);
    // Chunk 2: the rest of b plus half of c (b comes out of the internal buffer).
    const chunk2 = concat([b.subarray(7), c.subarray(0, 6)]);
    const got2 = d.push(chunk2);
    expect(got2).toHaveLength(1);
    const before = [arr(got1[0]!.payload), arr(got2[0]!.payload)];
    expect(before).toEqual([
      [0, 0, 0, 1, 10, 11, 12],
      [0, 0, 0, 1, 20, 21, 22],
    ]);
    // Mutate every chunk the caller handed over, then feed more data that reuses the internal buffer.
    chunk1.fill(0xee);
    chunk2.fill(0xee);
    const chunk3 = c.slice(6);
    const got3 = d.push(chunk3);
    chunk3.fill(0xdd);
    expect(arr(got3[0]!.payload)).toEqual([0, 0, 0, 1, 30, 31, 32]);
    d.push(concat([encodeFrame(FrameType.OUTPUT, new Uint8Array(100).fill(0xcc)).subarray(0, 50)]));
    expect([arr(got1[0]!.payload), arr(got2[0]!.payload)]).toEqual(before);
    // And mutating a returned payload does not disturb what the decoder still holds.
    got3[0]!.payload.fill(0);
    const tail = d.push(encodeFrame(FrameType.OUTPUT, new Uint8Array(100).fill(0xcc)).subarray(50));
    expect(arr(tail[0]!.payload)).toEqual(new Array(100).fill(0xcc));
  });
});
