// Requests, replies and streams over frames, on any byte transport (Unix socket now, WebSocket later).
// It owns the decoder and the pending requests; every pending request fails when the transport closes.
// Deep imports, not protocol/index.js: the CLI bundle must not pull in the daemon's request schemas.
import { decodeControl, encodeControl, type Hello } from '../protocol/control.js';
import { ErrorCode } from '../protocol/errors.js';
import { FrameType } from '../protocol/frame-types.js';
import { FrameDecoder, STREAM_FRAME_MAX_BYTES, decodeStreamPayload, encodeAck, encodeStreamFrame } from '../protocol/frame.js';
import type { Op, OpArgsOf, OpResults, StreamEventOf } from '../protocol/messages.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import { VERSION } from '../common/version.js';
import { ClientError, ExitCode } from './errors.js';

/** Exit codes for the daemon's error codes that scripts tell apart; every other error is 1. */
function exitCodeFor(code: string): number {
  if (code === ErrorCode.REFUSED) return ExitCode.REFUSED;
  if (code === ErrorCode.TIMEOUT) return ExitCode.TIMEOUT;
  return ExitCode.ERROR;
}

/** Who speaks on a channel, as told in the HELLO. */
export interface ChannelPeer {
  role: string;
  pid?: number;
  sessionToken?: string;
  /** What to do when the daemon speaks another protocol version (for the page: reload it). */
  mismatchHint?: string;
}

/** The CLI's own identity: its pid and, inside a session, the session token the daemon checks. */
function cliPeer(): ChannelPeer {
  const token = process.env.CW_SESSION_TOKEN;
  return { role: 'cli', pid: process.pid, ...(token ? { sessionToken: token } : {}) };
}

export interface ByteTransport {
  write(bytes: Uint8Array): void;
  end(): void;
  /** Lets the process exit while the transport is idle (a one-shot command must exit on its own). */
  unref(): void;
  ref(): void;
}

export interface StreamHandlers {
  /**
   * Output on the stream, whose id comes with it: bytes (the attach's restored screen) can arrive in the same read
   * as the reply that opens the stream, before openStream's caller has its id.
   */
  output(bytes: Uint8Array, stream: number): void;
  event(ev: StreamEventOf): void;
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
}

export class Channel {
  private readonly _decoder = new FrameDecoder();
  private readonly _pending = new Map<number, Pending>();
  private readonly _streams = new Map<number, StreamHandlers>();
  private _nextId = 1;
  private _closedWith: Error | null = null;
  private _helloResolve!: (h: Hello) => void;
  private _helloReject!: (e: Error) => void;
  /** The daemon's hello; requests made before it are held and sent right after it. */
  readonly hello: Promise<Hello>;
  private readonly _closeListeners: ((err: Error) => void)[] = [];
  /**
   * Frames written before the daemon's hello arrived. Nothing leaves before it: our hello carries the session
   * token and requests carry secrets (a launch's environment), so they go only to a peer that has spoken first as
   * a daemon of our protocol (a socket's owner is checked before connecting: connect.ts).
   */
  private _held: Uint8Array[] | null = [];

  private readonly _mismatchHint: string;

  /** `who` defaults to this CLI process (its pid and CW_SESSION_TOKEN); the browser passes its own. */
  constructor(
    private readonly _t: ByteTransport,
    who: ChannelPeer = cliPeer(),
  ) {
    this.hello = new Promise<Hello>((res, rej) => {
      this._helloResolve = res;
      this._helloReject = rej;
    });
    // Avoid an unhandled rejection when nobody awaits the hello (the requests fail with the same error).
    this.hello.catch(() => {});
    this._mismatchHint = who.mismatchHint ?? 'run `cw daemon restart` to move the daemon to this cw and keep every session (or `cw stop`, which ends them)';
    this._send(
      encodeControl(FrameType.HELLO, {
        protocol: PROTOCOL_VERSION,
        version: VERSION,
        role: who.role,
        ...(who.pid !== undefined ? { pid: who.pid } : {}),
        ...(who.sessionToken ? { sessionToken: who.sessionToken } : {}),
      }),
    );
  }

  /** Feed bytes from the transport. */
  receive(chunk: Uint8Array): void {
    try {
      for (const f of this._decoder.push(chunk)) {
        switch (f.type) {
          case FrameType.HELLO: {
            const h = decodeControl(FrameType.HELLO, f.payload);
            if (h.protocol !== PROTOCOL_VERSION) {
              this._fail(
                new ClientError(
                  `the daemon speaks protocol ${h.protocol} (cw ${h.version}), this cw speaks ${PROTOCOL_VERSION} (cw ${VERSION})`,
                  this._mismatchHint,
                  1,
                  ErrorCode.VERSION_MISMATCH,
                ),
              );
              return;
            }
            if (h.role !== undefined && h.role !== 'daemon') {
              this._fail(new ClientError(`the peer is not a cw daemon (it says it is ${JSON.stringify(h.role)})`, 'check the socket or server address'));
              return;
            }
            this._helloResolve(h);
            const held = this._held ?? [];
            this._held = null;
            for (const b of held) this._t.write(b);
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
              const code = r.error?.code ?? 'error';
              p.reject(new ClientError(r.error?.message ?? 'request failed', r.error?.hint, exitCodeFor(code), code));
            }
            this._updateRef();
            break;
          }
          case FrameType.EVENT: {
            const e = decodeControl(FrameType.EVENT, f.payload);
            // The wire checks only that an event has a type; its shape is the daemon's (connection.event takes
            // a StreamEventOf), and consumers ignore types they do not know.
            const ev = e.event as StreamEventOf;
            const s = this._streams.get(e.id);
            if (ev.type === 'end') this._streams.delete(e.id);
            s?.event(ev);
            this._updateRef();
            break;
          }
          case FrameType.OUTPUT: {
            const { stream, bytes } = decodeStreamPayload(f.payload);
            this._streams.get(stream)?.output(bytes, stream);
            break;
          }
          case FrameType.ERROR: {
            const e = decodeControl(FrameType.ERROR, f.payload);
            this._fail(new ClientError(`daemon: ${e.message}`, e.hint, 1, e.code));
            return;
          }
          default:
            break; // a frame type a client does not use: ignored, like unknown event types
        }
      }
    } catch (err) {
      this._fail(new ClientError(`bad reply from the daemon: ${(err as Error).message}`, 'is the daemon the same version? run `cw version`'));
    }
  }

  /** The transport closed (or failed). */
  closed(err?: Error): void {
    this._fail(err ?? new ClientError('the daemon closed the connection', 'see daemon.log in the codewire home (`cw status` restarts the daemon)'));
  }

  onClose(cb: (err: Error) => void): void {
    this._closeListeners.push(cb);
  }

  private _fail(err: Error): void {
    if (this._closedWith) return;
    this._closedWith = err;
    this._held = null;
    this._helloReject(err);
    for (const p of this._pending.values()) p.reject(err);
    this._pending.clear();
    const streams = [...this._streams.values()];
    this._streams.clear();
    for (const s of streams) s.event({ type: 'end', reason: 'closed', message: err.message });
    for (const l of this._closeListeners) l(err);
    this._t.end();
  }

  get error(): Error | null {
    return this._closedWith;
  }

  /** Sends one request; resolves with the op's result, typed by the op contract (OpResults). */
  request<O extends Op>(op: O, args: OpArgsOf<O>, stream?: StreamHandlers): Promise<OpResults[O]> {
    if (this._closedWith) return Promise.reject(this._closedWith);
    const id = this._nextId++;
    if (stream) this._streams.set(id, stream);
    // The one place a reply gets its type: the wire carries msgpack, and the daemon's handler for `op` is typed
    // against the same OpResults entry (daemon/ops), so both ends compile against one contract.
    const p = new Promise<OpResults[O]>((resolve, reject) => this._pending.set(id, { resolve: resolve as (v: unknown) => void, reject }));
    this._send(encodeControl(FrameType.REQUEST, { id, op, args: args as Record<string, unknown> }));
    this._updateRef();
    return p.then(async (v) => {
      await this.hello;
      return v;
    });
  }

  /** Opens a stream; resolves with the daemon's first reply and the stream id. */
  async openStream<O extends Op>(op: O, args: OpArgsOf<O>, handlers: StreamHandlers): Promise<{ id: number; result: OpResults[O] }> {
    const id = this._nextId;
    const result = await this.request(op, args, handlers);
    return { id, result };
  }

  input(stream: number, bytes: Uint8Array): void {
    if (this._closedWith) return;
    for (let off = 0; off < bytes.length; off += STREAM_FRAME_MAX_BYTES) {
      this._send(encodeStreamFrame(FrameType.INPUT, stream, bytes.subarray(off, off + STREAM_FRAME_MAX_BYTES)));
    }
  }

  /** Tells the daemon a person typed into the stream's session straight through its pty (an empty INPUT frame). */
  typed(stream: number): void {
    if (!this._closedWith) this._send(encodeStreamFrame(FrameType.INPUT, stream, new Uint8Array(0)));
  }

  ack(stream: number, bytes: number): void {
    if (!this._closedWith) this._send(encodeAck(stream, bytes));
  }

  private _send(bytes: Uint8Array): void {
    if (this._held) this._held.push(bytes);
    else this._t.write(bytes);
  }

  /** Keeps the process alive only while something is pending. */
  private _updateRef(): void {
    if (this._pending.size > 0 || this._streams.size > 0) this._t.ref();
    else this._t.unref();
  }

  end(): void {
    this._closedWith ??= new ClientError('closed');
    this._t.end();
  }
}
