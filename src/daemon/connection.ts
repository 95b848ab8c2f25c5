// One peer on the daemon: decodes its frames, checks the hello, runs its requests and owns its streams.
// A peer that breaks the protocol gets an ERROR frame and is closed; the daemon and every other peer carry on.
import {
  ErrorCode,
  FrameDecoder,
  FrameType,
  PROTOCOL_VERSION,
  ProtocolError,
  STREAM_FRAME_MAX_BYTES,
  decodeAck,
  decodeControl,
  decodeStreamPayload,
  encodeControl,
  encodeStreamHeader,
  type Frame,
  type Request,
  type StreamEventOf,
} from '../protocol/index.js';
import { CwError } from './errors.js';
import { HANDSHAKE_TIMEOUT_MS } from './limits.js';
import type { Logger } from './log.js';
import type { Transport } from './transport.js';

/** When this daemon started, as its hello says: this code's load, so a `cw daemon restart` (an exec) is a start. */
export const DAEMON_STARTED_AT = new Date().toISOString();

/** A long-lived reply to a request (attach, watch, logs -f), addressed by the request's id. */
export interface Stream {
  input(bytes: Uint8Array): void;
  ack(bytes: number): void;
  /** The peer asked to end it (detach) or went away. */
  close(reason: 'detached' | 'closed'): void;
}

export interface RequestHandler {
  (conn: Connection, req: Request): Promise<unknown>;
}

/** Returned by a handler that has already replied (streams reply before their first output frame). */
export const REPLIED = Symbol('replied');

let nextConnId = 1;

export class Connection {
  readonly connId = nextConnId++;
  readonly streams = new Map<number, Stream>();
  private readonly _decoder = new FrameDecoder();
  private _helloDone = false;
  private _closed = false;
  private readonly _handshakeTimer: NodeJS.Timeout;
  peerRole = 'unknown';
  /** The session token from the hello, checked by the handlers that need an identity. */
  sessionToken: string | null = null;
  /** Set for WebSocket peers: they act as a remote operator, whatever token they claim. */
  remotePeer: string | null = null;
  private _resolveClosed!: () => void;
  /** Resolves when this connection is gone: long requests (wait) stop then. */
  readonly whenClosed = new Promise<void>((r) => (this._resolveClosed = r));

  constructor(
    readonly transport: Transport,
    private readonly _handle: RequestHandler,
    private readonly _log: Logger,
    version: string,
    private readonly _onClose: (c: Connection) => void,
  ) {
    transport.send(encodeControl(FrameType.HELLO, { protocol: PROTOCOL_VERSION, version, role: 'daemon', pid: process.pid, startedAt: DAEMON_STARTED_AT }));
    this._handshakeTimer = setTimeout(
      () => this.fail(new ProtocolError(ErrorCode.PROTOCOL, `no hello within ${HANDSHAKE_TIMEOUT_MS} ms`)),
      HANDSHAKE_TIMEOUT_MS,
    );
  }

  get closed(): boolean {
    return this._closed;
  }

  receive(chunk: Uint8Array): void {
    if (this._closed) return;
    let frames: Frame[];
    try {
      frames = this._decoder.push(chunk);
    } catch (err) {
      this.fail(err);
      return;
    }
    for (const f of frames) {
      if (this._closed) return;
      try {
        this._frame(f);
      } catch (err) {
        this.fail(err);
        return;
      }
    }
  }

  private _frame(f: Frame): void {
    if (!this._helloDone) {
      if (f.type !== FrameType.HELLO) {
        throw new ProtocolError(ErrorCode.PROTOCOL, `expected a hello frame first, got type 0x${f.type.toString(16)}`);
      }
      const hello = decodeControl(FrameType.HELLO, f.payload);
      if (hello.protocol !== PROTOCOL_VERSION) {
        throw new ProtocolError(
          ErrorCode.VERSION_MISMATCH,
          `daemon speaks protocol ${PROTOCOL_VERSION}, client speaks ${hello.protocol}: run \`cw daemon restart\` to move the daemon to the installed cw and keep every session`,
        );
      }
      this.peerRole = hello.role ?? 'unknown';
      this.sessionToken = hello.sessionToken ?? null;
      this._helloDone = true;
      clearTimeout(this._handshakeTimer);
      return;
    }
    switch (f.type) {
      case FrameType.REQUEST: {
        const req = decodeControl(FrameType.REQUEST, f.payload);
        void this._request(req);
        return;
      }
      case FrameType.INPUT: {
        const { stream, bytes } = decodeStreamPayload(f.payload);
        // An unknown stream is one that just ended: input racing a detach is dropped, not an error.
        this.streams.get(stream)?.input(bytes);
        return;
      }
      case FrameType.ACK: {
        const { stream, bytes } = decodeAck(f.payload);
        this.streams.get(stream)?.ack(bytes);
        return;
      }
      default:
        throw new ProtocolError(ErrorCode.PROTOCOL, `a client may not send frame type 0x${f.type.toString(16)}`);
    }
  }

  private async _request(req: Request): Promise<void> {
    try {
      if (this.streams.has(req.id)) {
        throw new CwError(ErrorCode.INVALID_ARGUMENT, `request id ${req.id} is already in use by an open stream`);
      }
      const result = await this._handle(this, req);
      if (result !== REPLIED) this.reply(req.id, result);
    } catch (err) {
      if (err instanceof CwError) {
        this.replyError(req.id, err.code, err.message, err.hint);
      } else if (err instanceof ProtocolError) {
        this.replyError(req.id, err.code, err.message);
      } else {
        this._log.error(`request ${req.op} failed: ${(err as Error).stack ?? String(err)}`);
        this.replyError(req.id, ErrorCode.INTERNAL, `internal error in '${req.op}': ${(err as Error).message}`, 'see daemon.log in the codewire home');
      }
    }
  }

  reply(id: number, result: unknown): void {
    if (this._closed) return;
    this.transport.send(encodeControl(FrameType.RESPONSE, { id, ok: true, result: result ?? null }));
  }

  replyError(id: number, code: string, message: string, hint?: string): void {
    if (this._closed) return;
    const error = hint === undefined ? { code, message } : { code, message, hint };
    this.transport.send(encodeControl(FrameType.RESPONSE, { id, ok: false, error }));
  }

  event(id: number, event: StreamEventOf): void {
    if (this._closed) return;
    this.transport.send(encodeControl(FrameType.EVENT, { id, event }));
  }

  /** Sends pty bytes on a stream, split into frames of at most STREAM_FRAME_MAX_BYTES. */
  output(stream: number, bytes: Uint8Array): void {
    if (this._closed) return;
    for (let off = 0; off < bytes.length; off += STREAM_FRAME_MAX_BYTES) {
      const body = bytes.subarray(off, off + STREAM_FRAME_MAX_BYTES);
      this.transport.sendFrame(encodeStreamHeader(FrameType.OUTPUT, stream, body.length), body);
    }
  }

  /** Reports a protocol violation in one line, to the peer and to the log, and closes this connection only. */
  fail(err: unknown): void {
    if (this._closed) return;
    const pe = err instanceof ProtocolError ? err : new ProtocolError(ErrorCode.INTERNAL, (err as Error).message);
    if (!(err instanceof ProtocolError)) this._log.error(`connection ${this.connId}: ${(err as Error).stack ?? String(err)}`);
    else this._log.warn(`connection ${this.connId} (${this.peerRole}): ${pe.message}; closing it`);
    this.transport.send(encodeControl(FrameType.ERROR, { code: pe.code, message: pe.message }));
    this.transport.end();
    this.handleTransportClosed();
  }

  /** The transport is gone (or we closed it): end every stream. */
  handleTransportClosed(): void {
    if (this._closed) return;
    this._closed = true;
    this._resolveClosed();
    clearTimeout(this._handshakeTimer);
    for (const s of [...this.streams.values()]) s.close('closed');
    this.streams.clear();
    this._onClose(this);
  }
}
