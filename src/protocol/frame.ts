// Frame codec: [type u8][length u32 BE][payload]. Pure: bytes in, values out.
import { ErrorCode, ProtocolError } from './errors.js';
import { FrameType, isKnownFrameType } from './frame-types.js';

export const FRAME_HEADER_BYTES = 5;

/**
 * Largest payload a peer may send, in bytes. Checked against the header before anything is allocated, so a
 * garbage length cannot make the daemon reserve gigabytes. 4 MiB holds a full serialised screen with
 * scrollback or a pasted file; larger pty output is split into several frames (OUTPUT_FRAME_MAX_BYTES).
 */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;

/** Largest slice of pty bytes put in one OUTPUT/INPUT frame, in bytes; splitting raw bytes is always safe. */
export const STREAM_FRAME_MAX_BYTES = 256 * 1024;

export interface Frame {
  type: number;
  payload: Uint8Array;
}

/** Encodes one frame. Throws if the payload is over MAX_FRAME_BYTES (a bug in the caller, not the peer). */
export function encodeFrame(type: number, payload: Uint8Array): Uint8Array {
  if (!Number.isInteger(type) || type < 0 || type > 0xff) throw new RangeError(`frame type ${type} is not a u8`);
  if (payload.length > MAX_FRAME_BYTES) {
    throw new RangeError(`frame payload of ${payload.length} bytes exceeds the limit of ${MAX_FRAME_BYTES} bytes`);
  }
  const out = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  out[0] = type;
  writeU32(out, 1, payload.length);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

/** Bytes of a stream frame before its payload: the frame header and the stream id. */
const STREAM_HEADER_BYTES = FRAME_HEADER_BYTES + 4;

/** Writes [type][len u32 = 4 + length][stream u32] at the start of `out`; throws when the frame would be too big. */
function writeStreamHeader(out: Uint8Array, type: number, stream: number, length: number): void {
  if (4 + length > MAX_FRAME_BYTES) {
    throw new RangeError(`stream frame of ${length} bytes exceeds the limit of ${MAX_FRAME_BYTES - 4} bytes`);
  }
  out[0] = type;
  writeU32(out, 1, 4 + length);
  writeU32(out, FRAME_HEADER_BYTES, stream);
}

/** Encodes a byte-stream frame: [stream u32 BE][bytes]. */
export function encodeStreamFrame(type: number, stream: number, bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(STREAM_HEADER_BYTES + bytes.length);
  writeStreamHeader(out, type, stream, bytes.length);
  out.set(bytes, STREAM_HEADER_BYTES);
  return out;
}

/**
 * The first bytes of a byte-stream frame, without its payload: [type][len u32 = 4 + length][stream u32]. Followed
 * by `length` bytes of payload it is exactly encodeStreamFrame's output; sending the two pieces as they are saves a
 * copy of every output chunk per client.
 */
export function encodeStreamHeader(type: number, stream: number, length: number): Uint8Array {
  const out = new Uint8Array(STREAM_HEADER_BYTES);
  writeStreamHeader(out, type, stream, length);
  return out;
}

/** Splits a byte-stream payload into its stream id and bytes (a view, not a copy). */
export function decodeStreamPayload(payload: Uint8Array): { stream: number; bytes: Uint8Array } {
  if (payload.length < 4) {
    throw new ProtocolError(ErrorCode.PROTOCOL, `stream frame of ${payload.length} bytes is shorter than its 4-byte stream id`);
  }
  return { stream: readU32(payload, 0), bytes: payload.subarray(4) };
}

/** ACK payload: [stream u32 BE][consumed bytes u32 BE]. */
export function encodeAck(stream: number, bytes: number): Uint8Array {
  const p = new Uint8Array(8);
  writeU32(p, 0, stream);
  writeU32(p, 4, bytes);
  return encodeFrame(FrameType.ACK, p);
}

export function decodeAck(payload: Uint8Array): { stream: number; bytes: number } {
  if (payload.length !== 8) throw new ProtocolError(ErrorCode.PROTOCOL, `ack frame must be 8 bytes, got ${payload.length}`);
  return { stream: readU32(payload, 0), bytes: readU32(payload, 4) };
}

/**
 * Reassembles frames from a byte stream split at arbitrary points. `push` returns every frame completed by the
 * chunk. A header with an unknown type or an oversized length throws ProtocolError at once, before the body
 * arrives: the caller closes that peer.
 */
export class FrameDecoder {
  private _buf: Uint8Array = new Uint8Array(0);
  private _len = 0;

  constructor(private readonly _maxPayloadBytes = MAX_FRAME_BYTES) {}

  /** Bytes held for a frame not yet complete. */
  get bufferedBytes(): number {
    return this._len;
  }

  push(chunk: Uint8Array): Frame[] {
    const frames: Frame[] = [];
    let data: Uint8Array;
    let off = 0;
    if (this._len === 0) {
      data = chunk;
    } else {
      this._append(chunk);
      data = this._buf.subarray(0, this._len);
    }
    while (data.length - off >= FRAME_HEADER_BYTES) {
      const type = data[off]!;
      const len = readU32(data, off + 1);
      if (!isKnownFrameType(type)) {
        throw new ProtocolError(ErrorCode.PROTOCOL, `unknown frame type 0x${type.toString(16).padStart(2, '0')}`);
      }
      if (len > this._maxPayloadBytes) {
        throw new ProtocolError(
          ErrorCode.FRAME_TOO_LARGE,
          `frame payload of ${len} bytes exceeds the limit of ${this._maxPayloadBytes} bytes`,
        );
      }
      if (data.length - off < FRAME_HEADER_BYTES + len) break;
      // Copy: the caller may keep the payload while our buffer is reused for the next chunk.
      const start = off + FRAME_HEADER_BYTES;
      frames.push({ type, payload: data.slice(start, start + len) });
      off = start + len;
    }
    const rest = data.length - off;
    if (rest === 0) {
      this._len = 0;
    } else if (data === chunk) {
      this._len = 0;
      this._append(chunk.subarray(off));
    } else {
      this._buf.copyWithin(0, off, this._len);
      this._len = rest;
    }
    return frames;
  }

  private _append(bytes: Uint8Array): void {
    const need = this._len + bytes.length;
    if (need > this._buf.length) {
      const grown = new Uint8Array(Math.max(need, this._buf.length * 2, 64 * 1024));
      grown.set(this._buf.subarray(0, this._len));
      this._buf = grown;
    }
    this._buf.set(bytes, this._len);
    this._len = need;
  }
}

function writeU32(buf: Uint8Array, at: number, value: number): void {
  buf[at] = (value >>> 24) & 0xff;
  buf[at + 1] = (value >>> 16) & 0xff;
  buf[at + 2] = (value >>> 8) & 0xff;
  buf[at + 3] = value & 0xff;
}

function readU32(buf: Uint8Array, at: number): number {
  return ((buf[at]! << 24) >>> 0) + (buf[at + 1]! << 16) + (buf[at + 2]! << 8) + buf[at + 3]!;
}
