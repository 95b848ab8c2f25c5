// A byte pipe to one peer: a local Unix socket (here) or a WebSocket (ws-server.ts).
import type { Socket } from 'node:net';
import { handoverAddon } from './native.js';

export interface Transport {
  send(bytes: Uint8Array): void;
  /** Sends head then body as one frame's bytes; the body is not copied (the caller never changes it after). */
  sendFrame(head: Uint8Array, body: Uint8Array): void;
  /** Bytes accepted by send() and not yet handed to the kernel. */
  readonly bufferedBytes: number;
  /** Resolves when the queue has drained (or the peer is gone). */
  whenDrained(): Promise<void>;
  /** Flushes what is queued, then closes. */
  end(): void;
  destroy(): void;
  /**
   * Sends `bytes` with the descriptor `fd` attached (SCM_RIGHTS): only a local Unix socket can, and only with
   * nothing queued before it (else the bytes would overtake it). Absent on transports that cannot.
   */
  sendWithFd?(bytes: Uint8Array, fd: number): void;
}

export class SocketTransport implements Transport {
  constructor(private readonly _socket: Socket) {}

  send(bytes: Uint8Array): void {
    if (!this._socket.destroyed) this._socket.write(bytes);
  }

  sendFrame(head: Uint8Array, body: Uint8Array): void {
    if (this._socket.destroyed) return;
    // Corked, the two go to the kernel in one writev; queued behind a slow reader, they stay references to the
    // output chunk, which every client shares.
    this._socket.cork();
    this._socket.write(head);
    this._socket.write(body);
    this._socket.uncork();
  }

  get bufferedBytes(): number {
    return this._socket.writableLength;
  }

  whenDrained(): Promise<void> {
    if (this._socket.writableLength === 0 || this._socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this._socket.off('drain', done);
        this._socket.off('close', done);
        resolve();
      };
      this._socket.on('drain', done);
      this._socket.on('close', done);
    });
  }

  end(): void {
    this._socket.end();
  }

  sendWithFd(bytes: Uint8Array, fd: number): void {
    const { addon, why } = handoverAddon();
    if (!addon) throw new Error(`cannot pass a descriptor: ${why}`);
    // libuv's handle: the descriptor of the connected socket (a Pipe on Unix).
    const sock = (this._socket as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1;
    if (sock < 0 || this._socket.destroyed) throw new Error('the connection is closed');
    if (this._socket.writableLength > 0) throw new Error('the connection has output queued');
    addon.sendFd(sock, fd, bytes);
  }

  destroy(): void {
    this._socket.destroy();
  }
}
