// The CLI's Channel (src/client/channel.ts) for the browser: the same frames over the page's WebSocket (one
// frame per binary message), HELLO first, requests with ids, streams fed by EVENT and OUTPUT frames, ACKs.
// The session cookie authenticates the upgrade; the page never sees the token.
import { decodeControl, encodeControl } from '../protocol/control.js';
import { FrameType } from '../protocol/frame-types.js';
import { FrameDecoder, STREAM_FRAME_MAX_BYTES, decodeStreamPayload, encodeAck, encodeStreamFrame } from '../protocol/frame.js';
import type { Op, OpArgsOf, StreamEventOf } from '../protocol/messages.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';

export interface StreamHandlers {
  output(bytes: Uint8Array): void;
  event(ev: StreamEventOf): void;
}

export class RequestError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
}

export class WebChannel {
  private readonly _decoder = new FrameDecoder();
  private readonly _pending = new Map<number, Pending>();
  private readonly _streams = new Map<number, StreamHandlers>();
  private _nextId = 1;
  private _closedWith: Error | null = null;
  private readonly _closeListeners: ((err: Error) => void)[] = [];

  private constructor(private readonly _ws: WebSocket) {}

  /** Opens the WebSocket and resolves once the daemon's hello arrived and matched our protocol. */
  static connect(url: string, version: string): Promise<WebChannel> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.binaryType = 'arraybuffer';
      const ch = new WebChannel(ws);
      let helloSeen = false;
      ws.onopen = () => ws.send(encodeControl(FrameType.HELLO, { protocol: PROTOCOL_VERSION, version, role: 'web' }));
      ws.onmessage = (m) => {
        if (!(m.data instanceof ArrayBuffer)) return;
        const err = ch._receive(new Uint8Array(m.data), (protocol, daemonVersion) => {
          if (protocol !== PROTOCOL_VERSION) {
            return `the daemon speaks protocol ${protocol} (cw ${daemonVersion}), this page speaks ${PROTOCOL_VERSION}: reload the page`;
          }
          helloSeen = true;
          resolve(ch);
          return null;
        });
        if (err) {
          ch._fail(new Error(err));
          if (!helloSeen) reject(new Error(err));
        }
      };
      ws.onclose = (e) => {
        const err = new Error(e.reason || (helloSeen ? 'the connection to the daemon closed' : 'cannot connect to the daemon (logged out, or the daemon stopped)'));
        ch._fail(err);
        if (!helloSeen) reject(err);
      };
      ws.onerror = () => {};
    });
  }

  private _receive(chunk: Uint8Array, onHello: (protocol: number, version: string) => string | null): string | null {
    try {
      for (const f of this._decoder.push(chunk)) {
        switch (f.type) {
          case FrameType.HELLO: {
            const h = decodeControl(FrameType.HELLO, f.payload);
            const problem = onHello(h.protocol, h.version);
            if (problem) return problem;
            break;
          }
          case FrameType.RESPONSE: {
            const r = decodeControl(FrameType.RESPONSE, f.payload);
            const p = this._pending.get(r.id);
            this._pending.delete(r.id);
            if (!p) break;
            if (r.ok) p.resolve(r.result);
            else {
              this._streams.delete(r.id);
              p.reject(new RequestError(r.error?.message ?? 'request failed', r.error?.code ?? 'error', r.error?.hint));
            }
            break;
          }
          case FrameType.EVENT: {
            const e = decodeControl(FrameType.EVENT, f.payload);
            const ev = e.event as StreamEventOf;
            const s = this._streams.get(e.id);
            if (ev.type === 'end') this._streams.delete(e.id);
            s?.event(ev);
            break;
          }
          case FrameType.OUTPUT: {
            const { stream, bytes } = decodeStreamPayload(f.payload);
            this._streams.get(stream)?.output(bytes);
            break;
          }
          case FrameType.ERROR: {
            const e = decodeControl(FrameType.ERROR, f.payload);
            return `daemon: ${e.message}`;
          }
          default:
            break;
        }
      }
    } catch (err) {
      return `bad frame from the daemon: ${(err as Error).message}`;
    }
    return null;
  }

  private _fail(err: Error): void {
    if (this._closedWith) return;
    this._closedWith = err;
    for (const p of this._pending.values()) p.reject(err);
    this._pending.clear();
    const streams = [...this._streams.values()];
    this._streams.clear();
    for (const s of streams) s.event({ type: 'end', reason: 'closed', message: err.message });
    for (const l of this._closeListeners) l(err);
    try {
      this._ws.close();
    } catch {
      // already closed
    }
  }

  onClose(cb: (err: Error) => void): void {
    this._closeListeners.push(cb);
  }

  get closed(): boolean {
    return this._closedWith !== null;
  }

  request<O extends Op>(op: O, args: OpArgsOf<O>, stream?: StreamHandlers): Promise<unknown> {
    if (this._closedWith) return Promise.reject(this._closedWith);
    const id = this._nextId++;
    if (stream) this._streams.set(id, stream);
    const p = new Promise<unknown>((resolve, reject) => this._pending.set(id, { resolve, reject }));
    this._ws.send(encodeControl(FrameType.REQUEST, { id, op, args: args as Record<string, unknown> }));
    return p;
  }

  /** Opens a stream; resolves with the daemon's reply and the stream id (for input, ack, resize, close). */
  async openStream<O extends Op>(op: O, args: OpArgsOf<O>, handlers: StreamHandlers): Promise<{ id: number; result: unknown }> {
    const id = this._nextId;
    const result = await this.request(op, args, handlers);
    return { id, result };
  }

  input(stream: number, bytes: Uint8Array): void {
    if (this._closedWith) return;
    for (let off = 0; off < bytes.length; off += STREAM_FRAME_MAX_BYTES) {
      this._ws.send(encodeStreamFrame(FrameType.INPUT, stream, bytes.subarray(off, off + STREAM_FRAME_MAX_BYTES)));
    }
  }

  ack(stream: number, bytes: number): void {
    if (!this._closedWith) this._ws.send(encodeAck(stream, bytes));
  }

  close(): void {
    this._fail(new Error('closed'));
  }
}
