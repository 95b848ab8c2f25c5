// A byte pipe to one peer. The Unix socket implements it now; the WebSocket server will too.
import type { Socket } from 'node:net';

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

  destroy(): void {
    this._socket.destroy();
  }
}
