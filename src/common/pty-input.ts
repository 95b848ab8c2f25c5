// Writing into a pty master without blocking and without losing order: the daemon's writer for every session, and
// `cw attach`'s when it writes keystrokes straight into the session's pty (src/daemon/direct-input.ts says why).
import { writeSync } from 'node:fs';
import { INPUT_RETRY_MAX_MS } from './limits.js';

/**
 * Input the kernel's pty buffer could not take yet (a program that is not reading), oldest first, the first
 * without what was written of it already. Our own queue rather than node-pty's: node-pty retries a write that got
 * EAGAIN on every turn of the event loop (setImmediate), which spins a core for as long as the program does not
 * read. Here the retry backs off from 1 ms to INPUT_RETRY_MAX_MS.
 */
export class PtyInput {
  private readonly _queue: Buffer[] = [];
  private _queued = 0;
  private _timer: NodeJS.Timeout | null = null;
  private _retryMs = 1;
  private _closed = false;

  constructor(private readonly _fd: number) {}

  get queued(): number {
    return this._queued;
  }

  // HACK: node-pty writes through fs.write, i.e. a hop through libuv's thread pool and back, which adds a few
  // hundred microseconds to every keystroke. The master fd is non-blocking, so a direct write either takes the
  // bytes at once or fails with EAGAIN; what did not fit (a big paste into a program that is not reading) waits
  // in our queue, behind which every later write goes, so order is kept.
  write(buf: Buffer): void {
    if (this._closed) return;
    if (this._queue.length === 0) {
      let n = 0;
      try {
        n = writeSync(this._fd, buf);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return; // EIO: the pty is gone; exit handling follows
      }
      if (n === buf.length) return;
      this._enqueue(buf.subarray(n));
      this._retryMs = 1;
      this._timer = setTimeout(() => this._flush(), this._retryMs);
      return;
    }
    this._enqueue(buf);
  }

  /**
   * Takes what is still queued, oldest first, for another writer to carry on in order; later writes start a new
   * queue behind whatever that writer does.
   */
  takeQueued(): Buffer[] {
    if (this._timer) clearTimeout(this._timer);
    this._timer = null;
    this._queued = 0;
    return this._queue.splice(0);
  }

  /** Drops what is queued and writes nothing more (the program has exited). */
  close(): void {
    this._closed = true;
    if (this._timer) clearTimeout(this._timer);
    this._timer = null;
    this._queue.length = 0;
    this._queued = 0;
  }

  /** A copy: the caller's bytes may be a view of a frame buffer that is reused once its write returns. */
  private _enqueue(buf: Buffer): void {
    this._queue.push(Buffer.from(buf));
    this._queued += buf.length;
  }

  /** Writes queued input until the kernel takes no more; then retries later, backing off while nothing moves. */
  private _flush(): void {
    this._timer = null;
    let moved = false;
    while (this._queue.length && !this._closed) {
      const head = this._queue[0]!;
      let n: number;
      try {
        n = writeSync(this._fd, head);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') break;
        // EIO: the pty is gone; exit handling follows and nothing queued can be delivered any more.
        this._queue.length = 0;
        this._queued = 0;
        return;
      }
      moved ||= n > 0;
      this._queued -= n;
      if (n === head.length) this._queue.shift();
      else {
        this._queue[0] = head.subarray(n);
        break;
      }
    }
    if (this._queue.length === 0 || this._closed) return;
    this._retryMs = moved ? 1 : Math.min(this._retryMs * 2, INPUT_RETRY_MAX_MS);
    this._timer = setTimeout(() => this._flush(), this._retryMs);
  }
}
