// `cw attach` writing keystrokes straight into the session's pty: taking the master the daemon offers for a local
// attach, and the writer over it. Why, and what stays the daemon's: src/daemon/direct-input.ts.
import { closeSync } from 'node:fs';
import { decodeControl, encodeControl, FrameDecoder, FrameType, PROTOCOL_VERSION } from '../../protocol/index.js';
import { DIRECT_INPUT_TIMEOUT_MS, INPUT_QUEUE_MAX_BYTES } from '../../common/limits.js';
import { fdPassing } from '../../common/native.js';
import { PtyInput } from '../../common/pty-input.js';
import { VERSION } from '../../common/version.js';

/** The session's pty master, held by this client: keystrokes written through one ordered, non-blocking queue. */
export class DirectInput {
  private readonly _input: PtyInput;
  private _closed = false;

  private constructor(
    private readonly _fd: number,
    readonly session: number,
  ) {
    this._input = new PtyInput(_fd);
  }

  /**
   * Takes the master the daemon at `socketPath` offered with `key` (an attach reply's), over a connection of its
   * own. Returns why not instead when it cannot: no addon here, the key refused, no descriptor came.
   */
  static take(socketPath: string, key: string): DirectInput | string {
    const { addon, why } = fdPassing();
    if (!addon) return why;
    const hello = encodeControl(FrameType.HELLO, { protocol: PROTOCOL_VERSION, version: VERSION, role: 'cli', pid: process.pid });
    const request = encodeControl(FrameType.REQUEST, { id: 1, op: 'direct-input', args: { key } });
    const bytes = new Uint8Array(hello.length + request.length);
    bytes.set(hello, 0);
    bytes.set(request, hello.length);
    let got: { fd: number; data: Buffer };
    try {
      got = addon.exchangeFd(socketPath, bytes, DIRECT_INPUT_TIMEOUT_MS);
    } catch (err) {
      return (err as Error).message;
    }
    let answer = 'the daemon closed the connection without an answer';
    let session = 0;
    try {
      for (const f of new FrameDecoder().push(got.data)) {
        if (f.type === FrameType.ERROR) answer = decodeControl(FrameType.ERROR, f.payload).message;
        if (f.type !== FrameType.RESPONSE) continue;
        const r = decodeControl(FrameType.RESPONSE, f.payload);
        if (r.ok) session = (r.result as { session?: number } | null)?.session ?? 0;
        else answer = r.error?.message ?? 'refused';
      }
    } catch (err) {
      answer = (err as Error).message;
    }
    if (got.fd >= 0 && session > 0) return new DirectInput(got.fd, session);
    if (got.fd >= 0) closeSync(got.fd);
    return session > 0 ? 'no descriptor came with the answer' : answer;
  }

  /**
   * Writes `bytes` after everything written before (queued while the program does not read). False, writing
   * nothing, when the program has left INPUT_QUEUE_MAX_BYTES unread: the bound the daemon keeps for its own queue.
   */
  write(bytes: Uint8Array): boolean {
    if (this._closed) return false;
    if (this._input.queued + bytes.length > INPUT_QUEUE_MAX_BYTES) return false;
    this._input.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return true;
  }

  /** Input still waiting for the program to read it. */
  get queued(): number {
    return this._input.queued;
  }

  /** Hands back what the program has not read yet, oldest first, keeping the master: the caller types elsewhere now. */
  takeQueued(): Buffer[] {
    return this._closed ? [] : this._input.takeQueued();
  }

  /**
   * Lets the master go, handing back what the program has not read yet, oldest first: the caller sends it through
   * the daemon (before it detaches), so a paste cut short by a detach still arrives whole.
   */
  release(): Buffer[] {
    const rest = this._closed ? [] : this._input.takeQueued();
    this.close();
    return rest;
  }

  /** Lets the master go; what is still queued is dropped (the session ended). */
  close(): void {
    if (this._closed) return;
    this._closed = true;
    this._input.close();
    try {
      closeSync(this._fd);
    } catch {
      // already closed
    }
  }
}
