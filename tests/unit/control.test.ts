import { describe, it, expect } from 'vitest';
import { Packr } from 'msgpackr/pack';
import {
  ErrorCode,
  FrameDecoder,
  FrameType,
  OpArgs,
  PROTOCOL_VERSION,
  ProtocolError,
  SESSION_NAME_RE,
  decodeControl,
  encodeControl,
  isControlFrame,
  parseArgs,
} from '../../src/protocol/index.js';

// The same settings as the codec, so hand-built payloads are what a peer would send.
const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });
const pack = (v: unknown): Uint8Array => packr.pack(v);

type ControlType = typeof FrameType.HELLO | typeof FrameType.REQUEST | typeof FrameType.RESPONSE | typeof FrameType.EVENT | typeof FrameType.ERROR;

/** encodeControl, then through the frame decoder, then decodeControl. */
function roundTrip<T extends ControlType>(type: T, msg: Parameters<typeof encodeControl<T>>[1]): unknown {
  const wire = encodeControl(type, msg);
  const frames = new FrameDecoder().push(wire);
  expect(frames).toHaveLength(1);
  expect(frames[0]!.type).toBe(type);
  return decodeControl(type, frames[0]!.payload);
}

function protocolError(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    return err as ProtocolError;
  }
  throw new Error('expected a ProtocolError, nothing was thrown');
}

describe('control round trips', () => {
  it('HELLO', () => {
    const hello = { protocol: PROTOCOL_VERSION, version: '0.1.0', role: 'cli', pid: 1234 };
    expect(roundTrip(FrameType.HELLO, hello)).toEqual(hello);
    expect(roundTrip(FrameType.HELLO, { protocol: 7, version: '' })).toEqual({ protocol: 7, version: '' });
  });

  it('REQUEST, with args defaulting to {}', () => {
    const req = { id: 3, op: 'launch', args: { command: ['bash', '-c', 'echo hi'], cwd: '/tmp', cols: 80, env: { A: 'b' } } };
    expect(roundTrip(FrameType.REQUEST, req)).toEqual(req);
    expect(decodeControl(FrameType.REQUEST, pack({ id: 0, op: 'ping' }))).toEqual({ id: 0, op: 'ping', args: {} });
  });

  it('RESPONSE ok', () => {
    const res = { id: 9, ok: true, result: { sessions: [{ id: 1, name: null, tags: ['a'], idle: 1.5 }] } };
    expect(roundTrip(FrameType.RESPONSE, res)).toEqual(res);
    expect(roundTrip(FrameType.RESPONSE, { id: 1, ok: true, result: null })).toEqual({ id: 1, ok: true, result: null });
  });

  it('RESPONSE error', () => {
    const res = { id: 4, ok: false, error: { code: ErrorCode.NOT_FOUND, message: 'no session foo', hint: 'run `cw list`' } };
    expect(roundTrip(FrameType.RESPONSE, res)).toEqual(res);
    const noHint = { id: 5, ok: false, error: { code: ErrorCode.UNKNOWN_OP, message: "unknown request 'x'" } };
    expect(roundTrip(FrameType.RESPONSE, noHint)).toEqual(noHint);
  });

  it('EVENT keeps the fields of its event (a loose object)', () => {
    const ev = { id: 2, event: { type: 'end', reason: 'detached', message: 'bye', extra: [1, 2] } };
    expect(roundTrip(FrameType.EVENT, ev)).toEqual(ev);
  });

  it('ERROR', () => {
    const e = { code: ErrorCode.FRAME_TOO_LARGE, message: 'frame payload of 5 bytes exceeds the limit' };
    expect(roundTrip(FrameType.ERROR, e)).toEqual(e);
  });

  it('only the msgpack frame types are control frames', () => {
    for (const t of [FrameType.HELLO, FrameType.REQUEST, FrameType.RESPONSE, FrameType.EVENT, FrameType.ERROR]) expect(isControlFrame(t)).toBe(true);
    for (const t of [FrameType.OUTPUT, FrameType.INPUT, FrameType.ACK, 0x00, 0x13, 0xff]) expect(isControlFrame(t)).toBe(false);
  });

  it('carries binary data byte-exact in a REQUEST (the send op)', () => {
    const data = Uint8Array.from({ length: 256 }, (_, i) => i);
    const out = roundTrip(FrameType.REQUEST, { id: 1, op: 'send', args: { session: 'keep', text: data } }) as {
      args: { text: Uint8Array };
    };
    expect(out.args.text).toBeInstanceOf(Uint8Array);
    expect(Array.from(out.args.text)).toEqual(Array.from(data));
    const parsed = parseArgs(OpArgs.send, 'send', out.args);
    expect(Array.from(parsed.text!)).toEqual(Array.from(data));

    const buf = Buffer.from([0x00, 0x1b, 0x5b, 0x41, 0xc3, 0x28, 0xff, 0x0d]); // invalid UTF-8 on purpose
    const out2 = roundTrip(FrameType.REQUEST, { id: 2, op: 'send', args: { session: 's', text: buf } }) as { args: { text: Uint8Array } };
    expect(Buffer.from(out2.args.text).equals(buf)).toBe(true);

    const empty = roundTrip(FrameType.REQUEST, { id: 3, op: 'send', args: { session: 's', text: new Uint8Array(0) } }) as {
      args: { text: Uint8Array };
    };
    expect(empty.args.text).toBeInstanceOf(Uint8Array);
    expect(empty.args.text.length).toBe(0);
  });
});

describe('decodeControl validation', () => {
  it('strips unknown fields instead of rejecting them', () => {
    expect(decodeControl(FrameType.HELLO, pack({ protocol: 1, version: 'x', future: { a: 1 } }))).toEqual({ protocol: 1, version: 'x' });
    expect(decodeControl(FrameType.REQUEST, pack({ id: 1, op: 'ping', args: {}, trace: 'abc' }))).toEqual({ id: 1, op: 'ping', args: {} });
    expect(decodeControl(FrameType.RESPONSE, pack({ id: 1, ok: false, error: { code: 'x', message: 'y', extra: 1 }, more: 2 }))).toEqual({
      id: 1,
      ok: false,
      error: { code: 'x', message: 'y' },
    });
    expect(decodeControl(FrameType.ERROR, pack({ code: 'protocol', message: 'm', retryAfter: 3 }))).toEqual({ code: 'protocol', message: 'm' });
  });

  const bad: [string, ControlType, unknown, RegExp][] = [
    ['hello without protocol', FrameType.HELLO, { version: '1' }, /invalid HELLO frame: protocol:/],
    ['hello with a string protocol', FrameType.HELLO, { protocol: '1', version: '1' }, /invalid HELLO frame: protocol:/],
    ['hello with a fractional protocol', FrameType.HELLO, { protocol: 1.5, version: '1' }, /invalid HELLO frame: protocol:/],
    ['hello with a numeric version', FrameType.HELLO, { protocol: 1, version: 1 }, /invalid HELLO frame: version:/],
    ['hello with a string pid', FrameType.HELLO, { protocol: 1, version: '1', pid: 'x' }, /invalid HELLO frame: pid:/],
    ['request with a negative id', FrameType.REQUEST, { id: -1, op: 'ping' }, /invalid REQUEST frame: id:/],
    ['request with a string id', FrameType.REQUEST, { id: '1', op: 'ping' }, /invalid REQUEST frame: id:/],
    ['request with an empty op', FrameType.REQUEST, { id: 1, op: '' }, /invalid REQUEST frame: op:/],
    ['request with a 65-char op', FrameType.REQUEST, { id: 1, op: 'x'.repeat(65) }, /invalid REQUEST frame: op:/],
    ['request with array args', FrameType.REQUEST, { id: 1, op: 'ping', args: [1] }, /invalid REQUEST frame: args:/],
    ['request with numeric args', FrameType.REQUEST, { id: 1, op: 'ping', args: 5 }, /invalid REQUEST frame: args:/],
    ['request that is an array', FrameType.REQUEST, [1, 'ping', {}], /invalid REQUEST frame/],
    ['request that is a number', FrameType.REQUEST, 42, /invalid REQUEST frame/],
    ['request that is nil', FrameType.REQUEST, null, /invalid REQUEST frame/],
    ['response without ok', FrameType.RESPONSE, { id: 1 }, /invalid RESPONSE frame: ok:/],
    ['response with an error lacking a message', FrameType.RESPONSE, { id: 1, ok: false, error: { code: 'x' } }, /invalid RESPONSE frame: error\.message:/],
    ['event without a type', FrameType.EVENT, { id: 1, event: { reason: 'x' } }, /invalid EVENT frame: event\.type:/],
    ['event that is not an object', FrameType.EVENT, { id: 1, event: 'end' }, /invalid EVENT frame: event:/],
    ['error without code', FrameType.ERROR, { message: 'm' }, /invalid ERROR frame: code:/],
  ];
  for (const [name, type, value, re] of bad) {
    it(`rejects ${name}, naming the field`, () => {
      const err = protocolError(() => decodeControl(type, pack(value)));
      expect(err.code).toBe(ErrorCode.PROTOCOL);
      expect(err.message).toMatch(re);
    });
  }

  it('rejects bad msgpack', () => {
    for (const payload of [
      new Uint8Array(0), // nothing at all
      Uint8Array.from([0xd4, 0x01, 0x00]), // fixext 1 of an extension type nobody registered
      Uint8Array.from([0x82, 0xa2, 0x69, 0x64]), // a map of 2 cut short
      Uint8Array.from([0xdb, 0xff, 0xff, 0xff, 0xff]), // str32 claiming 4 GiB
    ]) {
      const err = protocolError(() => decodeControl(FrameType.REQUEST, payload));
      expect(err.code).toBe(ErrorCode.PROTOCOL);
      expect(err.message, Buffer.from(payload).toString('hex')).toMatch(/^bad msgpack in REQUEST frame: /);
    }
  });

  it('rejects the never-used byte 0xc1 (msgpackr decodes it to a marker object, which fails the schema)', () => {
    const err = protocolError(() => decodeControl(FrameType.REQUEST, Uint8Array.from([0xc1])));
    expect(err.code).toBe(ErrorCode.PROTOCOL);
    expect(err.message).toMatch(/REQUEST frame/);
  });

  it('rejects trailing bytes after a valid msgpack value', () => {
    const valid = pack({ id: 1, op: 'ping' });
    expect(decodeControl(FrameType.REQUEST, valid)).toEqual({ id: 1, op: 'ping', args: {} });
    for (const tail of [[0x00], [0xc0], Array.from(valid)]) {
      const payload = Uint8Array.from([...valid, ...tail]);
      const err = protocolError(() => decodeControl(FrameType.REQUEST, payload));
      expect(err.code).toBe(ErrorCode.PROTOCOL);
      expect(err.message).toMatch(/^bad msgpack in REQUEST frame/);
    }
  });

  it('names the frame type in the message of every control type', () => {
    expect(protocolError(() => decodeControl(FrameType.HELLO, Uint8Array.from([0xc1]))).message).toMatch(/HELLO/);
    expect(protocolError(() => decodeControl(FrameType.EVENT, pack(1))).message).toMatch(/EVENT/);
    expect(protocolError(() => decodeControl(FrameType.ERROR, pack(1))).message).toMatch(/ERROR/);
  });
});

describe('parseArgs with OpArgs', () => {
  it('fills defaults', () => {
    expect(parseArgs(OpArgs.list, 'list', {})).toEqual({ status: 'all', tags: [] });
    expect(parseArgs(OpArgs.launch, 'launch', { command: ['bash'], cwd: '/tmp' })).toEqual({ command: ['bash'], cwd: '/tmp', tags: [], env: {}, waitReady: false, hooks: true, restart: 'never' });
    expect(parseArgs(OpArgs.kill, 'kill', {})).toEqual({ sessions: [], tags: [], all: false });
    expect(parseArgs(OpArgs.output, 'output', { session: 'a' })).toEqual({ session: 'a', history: true, follow: false });
    expect(parseArgs(OpArgs.attach, 'attach', { cols: 80, rows: 24 })).toEqual({ cols: 80, rows: 24, history: true, readOnly: false, directInput: false });
    expect(parseArgs(OpArgs.screen, 'screen', { session: '1' })).toEqual({ session: '1', ansi: false });
  });

  it('accepts valid session names', () => {
    for (const name of ['a', 'A', '0', 'keep', 'my-agent_2.test', 'x'.repeat(64), '9lives']) {
      expect(SESSION_NAME_RE.test(name), name).toBe(true);
      expect(parseArgs(OpArgs.launch, 'launch', { command: ['bash'], cwd: '/', name }).name).toBe(name);
    }
  });

  it('rejects invalid session names for launch, naming the field', () => {
    for (const name of ['', '-x', '.hidden', '_a', 'a b', 'a/b', 'ä', 'x'.repeat(65), 'a\n', 'a:b', '@a']) {
      expect(SESSION_NAME_RE.test(name), JSON.stringify(name)).toBe(false);
      let err: unknown;
      try {
        parseArgs(OpArgs.launch, 'launch', { command: ['bash'], cwd: '/', name });
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(name)).toBeInstanceOf(ProtocolError);
      expect((err as ProtocolError).code).toBe(ErrorCode.INVALID_ARGUMENT);
      expect((err as ProtocolError).message).toMatch(/^invalid arguments for 'launch': name: names are 1-64 of/);
    }
  });

  it('rejects an empty command with a message that says what to do', () => {
    const err = protocolError(() => parseArgs(OpArgs.launch, 'launch', { command: [], cwd: '/tmp' }));
    expect(err.code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(err.message).toBe("invalid arguments for 'launch': command: a command is required: cw launch -- CMD [ARGS]");
  });

  it('rejects wrong types and out-of-range dimensions', () => {
    expect(protocolError(() => parseArgs(OpArgs.launch, 'launch', { cwd: '/tmp' })).message).toMatch(/command:/);
    expect(protocolError(() => parseArgs(OpArgs.attach, 'attach', { cols: 0, rows: 24 })).message).toMatch(/cols:/);
    expect(protocolError(() => parseArgs(OpArgs.attach, 'attach', { cols: 80, rows: 1001 })).message).toMatch(/rows:/);
    expect(protocolError(() => parseArgs(OpArgs.send, 'send', { session: 'a', text: 'text' })).message).toMatch(/text:/);
    expect(protocolError(() => parseArgs(OpArgs.list, 'list', { status: 'zombie' })).message).toMatch(/status:/);
    expect(protocolError(() => parseArgs(OpArgs.launch, 'launch', { command: ['x'], cwd: '/', tags: ['-bad'] })).message).toMatch(/tags\.0:/);
  });
});
