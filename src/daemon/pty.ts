// A child process on a pseudoterminal. The only file that imports node-pty.
import { closeSync, constants as fsConstants, openSync, writeSync } from 'node:fs';
import pty from 'node-pty';
import type { PauseReason } from './flow.js';
import { EXIT_DRAIN_MAX_MS, EXIT_DRAIN_QUIET_MS, INPUT_RETRY_MAX_MS, KILL_GRACE_MS } from './limits.js';

export interface PtyExit {
  exitCode: number;
  /** Signal number that ended the process, 0 when it exited normally. */
  signal: number;
}

export interface PtyOptions {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  cols: number;
  rows: number;
}

/**
 * What a session needs of its pty (the seam Session is tested through, with a fake). The owner delivers the pty's
 * output to Session.handleOutput and its end to Session.handleExit, once, after every byte of output.
 */
export interface SessionPty {
  readonly pid: number;
  /** The child has exited: nothing more is written, resized or killed. */
  readonly exited: boolean;
  /** Input bytes waiting for the program to read them (beyond the kernel's own pty buffer). */
  readonly queuedInputBytes: number;
  write(data: string | Uint8Array): void;
  resize(cols: number, rows: number): void;
  /** Pauses reading for `reason` (flow.ts); reading resumes when every reason is lifted. */
  pause(reason: PauseReason): void;
  resume(reason: PauseReason): void;
  /** Ends the program (and what it started); its exit follows through the exit callback. */
  kill(): void;
}

interface ReadSocket {
  destroy(err?: Error): unknown;
  pause(): unknown;
  resume(): unknown;
  isPaused(): boolean;
}

export class PtyProcess implements SessionPty {
  private readonly _pty: pty.IPty;
  private readonly _socket: ReadSocket;
  private _exited = false;
  private _lastDataAt = Date.now();
  private _drainTimer: NodeJS.Timeout | null = null;
  private _killTimer: NodeJS.Timeout | null = null;
  /** Reasons the reading is paused (flow.ts: clients, screen); read only when empty. */
  private readonly _pausedBy = new Set<PauseReason>();
  private _draining = false;
  /** Our own handle on the slave side; see the constructor. */
  private _slaveFd: number | null = null;

  /** Throws when the process cannot be started (missing program, bad cwd). */
  constructor(opts: PtyOptions, onData: (buf: Buffer) => void, onExit: (e: PtyExit) => void) {
    this._pty = pty.spawn(opts.file, opts.args, {
      name: opts.env.TERM ?? 'xterm-256color',
      cols: opts.cols,
      rows: opts.rows,
      cwd: opts.cwd,
      env: opts.env,
      // null: raw Buffers, never decoded, so the log holds exactly the bytes the program wrote.
      encoding: null,
    });
    // HACK: node-pty loses the last kilobytes of a fast writer that exits at once (node-pty issues #85 and #726).
    // Two causes, two fixes:
    // 1. When the last slave fd closes, Linux may report EOF/EIO on the master while output is still queued in
    //    the tty layer, and node-pty stops reading there. We keep our own fd on the slave open, so the master
    //    never sees the other side close; we close it ourselves once the output has drained.
    // 2. node-pty destroys its read socket 200 ms after the child exits (DESTROY_SOCKET_TIMEOUT_MS), even if we
    //    paused reading for flow control or the event loop was busy. We take over that destroy and let it through
    //    only once the pty has been quiet (see _startDrain).
    const ptsPath = (this._pty as unknown as { _pty?: string })._pty;
    if (ptsPath) {
      try {
        // O_NOCTTY: the daemon must never acquire the session's terminal as its controlling terminal.
        this._slaveFd = openSync(ptsPath, fsConstants.O_RDWR | fsConstants.O_NOCTTY);
      } catch {
        this._slaveFd = null; // without it we fall back to node-pty's behaviour, still with the drain below
      }
    }
    const socket = (this._pty as unknown as { _socket: ReadSocket })._socket;
    this._socket = socket;
    const realDestroy = socket.destroy.bind(socket);
    socket.destroy = (err?: Error) => {
      if (this._draining) return realDestroy(err);
      this._startDrain(() => {
        this._closeSlave();
        realDestroy();
      });
      return socket;
    };
    // HACK: node-pty learns of the child's exit at once, but then waits DESTROY_SOCKET_TIMEOUT_MS (200 ms) for the
    // read side to close, which it never does while we hold the slave; it marks that wait by setting _boundClose.
    // Watching the flag starts the drain at the exit instead of 200 ms later (every `cw wait --until exit` and
    // exit event was that much late). Without the flag (another node-pty), its timer still starts the drain.
    const ptyObj = this._pty as unknown as Record<string, unknown>;
    if (ptyObj._boundClose === false) {
      let bound = false;
      Object.defineProperty(ptyObj, '_boundClose', {
        configurable: true,
        enumerable: true,
        get: () => bound,
        set: (v: boolean) => {
          bound = v;
          // After node-pty has registered its close listener (it does so right after setting the flag).
          if (v) setImmediate(() => socket.destroy());
        },
      });
    }
    this._pty.onData((d) => {
      this._lastDataAt = Date.now();
      onData(d as unknown as Buffer);
    });
    this._pty.onExit((e) => {
      this._exited = true;
      this._clearTimers();
      this._closeSlave();
      onExit({ exitCode: e.exitCode, signal: e.signal ?? 0 });
    });
  }

  get pid(): number {
    return this._pty.pid;
  }

  get exited(): boolean {
    return this._exited;
  }

  /**
   * Keeps reading after the child exited until the pty is drained: no output for EXIT_DRAIN_QUIET_MS, confirmed
   * by one more event-loop turn (timers run before I/O polling, so a loop that was blocked could otherwise see
   * "quiet" while bytes wait to be read). Gives up after EXIT_DRAIN_MAX_MS of continuous output (a grandchild
   * that keeps the terminal and keeps writing).
   */
  private _startDrain(finish: () => void): void {
    if (this._drainTimer) return;
    const started = Date.now();
    // The process is gone: no reader may hold back the last bytes any more. They are few (the kernel's pty
    // buffer) so the bounded queues downstream absorb them.
    this._pausedBy.clear();
    this._socket.resume();
    const done = (): void => {
      this._drainTimer = null;
      this._draining = true;
      finish();
    };
    const check = (): void => {
      const now = Date.now();
      if (now - started >= EXIT_DRAIN_MAX_MS) return done();
      if (now - this._lastDataAt < EXIT_DRAIN_QUIET_MS) {
        this._drainTimer = setTimeout(check, EXIT_DRAIN_QUIET_MS / 4);
        return;
      }
      const seen = this._lastDataAt;
      // setImmediate runs after this turn's I/O poll: anything readable has been read by then.
      setImmediate(() => {
        this._drainTimer = setTimeout(() => (this._lastDataAt === seen ? done() : check()), 1);
      });
    };
    this._drainTimer = setTimeout(check, EXIT_DRAIN_QUIET_MS / 4);
  }

  private _closeSlave(): void {
    if (this._slaveFd === null) return;
    try {
      closeSync(this._slaveFd);
    } catch {
      // already closed
    }
    this._slaveFd = null;
  }

  /**
   * Input the kernel's pty buffer could not take yet (a program that is not reading), oldest first, the first
   * without what was written of it already. Our own queue rather than node-pty's: node-pty retries a write that got
   * EAGAIN on every turn of the event loop (setImmediate), which spins a core for as long as the program does not
   * read. Here the retry backs off from 1 ms to INPUT_RETRY_MAX_MS.
   */
  private readonly _inQueue: Buffer[] = [];
  private _inQueued = 0;
  private _inTimer: NodeJS.Timeout | null = null;
  private _inRetryMs = 1;

  /** Input bytes waiting for the program to read them (beyond the kernel's own pty buffer). */
  get queuedInputBytes(): number {
    // With another node-pty (no fd to write to directly), the remainder waits in node-pty's private queue.
    const queue = (this._pty as unknown as { _writeStream?: { _writeQueue?: { buffer: Uint8Array; offset: number }[] } })._writeStream?._writeQueue;
    let n = this._inQueued;
    if (Array.isArray(queue)) for (const t of queue) n += t.buffer.length - t.offset;
    return n;
  }

  write(data: string | Uint8Array): void {
    if (this._exited) return;
    const buf = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    // HACK: node-pty writes through fs.write, i.e. a hop through libuv's thread pool and back, which adds a few
    // hundred microseconds to every keystroke. The master fd is non-blocking, so a direct write either takes the
    // bytes at once or fails with EAGAIN; what did not fit (a big paste into a program that is not reading) waits
    // in our queue, behind which every later write goes, so order is kept.
    const fd = (this._pty as unknown as { fd?: unknown }).fd;
    if (typeof fd !== 'number') {
      this._pty.write(buf);
      return;
    }
    if (this._inQueue.length === 0) {
      let n = 0;
      try {
        n = writeSync(fd, buf);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return; // EIO: the pty is gone; exit handling follows
      }
      if (n === buf.length) return;
      this._enqueueInput(buf.subarray(n));
      this._inRetryMs = 1;
      this._inTimer = setTimeout(() => this._flushInput(fd), this._inRetryMs);
      return;
    }
    this._enqueueInput(buf);
  }

  /** A copy: the caller's bytes may be a view of a frame buffer that is reused once its write returns. */
  private _enqueueInput(buf: Buffer): void {
    this._inQueue.push(Buffer.from(buf));
    this._inQueued += buf.length;
  }

  /** Writes queued input until the kernel takes no more; then retries later, backing off while nothing moves. */
  private _flushInput(fd: number): void {
    this._inTimer = null;
    let moved = false;
    while (this._inQueue.length && !this._exited) {
      const head = this._inQueue[0]!;
      let n: number;
      try {
        n = writeSync(fd, head);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') break;
        // EIO: the pty is gone; exit handling follows and nothing queued can be delivered any more.
        this._inQueue.length = 0;
        this._inQueued = 0;
        return;
      }
      moved ||= n > 0;
      this._inQueued -= n;
      if (n === head.length) this._inQueue.shift();
      else {
        this._inQueue[0] = head.subarray(n);
        break;
      }
    }
    if (this._inQueue.length === 0 || this._exited) return;
    this._inRetryMs = moved ? 1 : Math.min(this._inRetryMs * 2, INPUT_RETRY_MAX_MS);
    this._inTimer = setTimeout(() => this._flushInput(fd), this._inRetryMs);
  }

  resize(cols: number, rows: number): void {
    if (this._exited) return;
    try {
      this._pty.resize(Math.max(1, cols), Math.max(1, rows));
    } catch {
      // The pty can close between the exit check and the ioctl; a resize of a dead pty has nothing to do.
    }
  }

  /** Pauses reading for `reason`; reading resumes when every reason is lifted. */
  pause(reason: PauseReason): void {
    if (this._exited || this._drainTimer || this._draining) return;
    this._pausedBy.add(reason);
    this._socket.pause();
  }

  resume(reason: PauseReason): void {
    if (!this._pausedBy.delete(reason)) return;
    if (this._pausedBy.size === 0) this._socket.resume();
  }

  get paused(): boolean {
    return this._pausedBy.size > 0;
  }

  /** SIGHUP to the whole process group (what a closing terminal does), then SIGKILL after the grace period. */
  kill(graceMs = KILL_GRACE_MS): void {
    if (this._exited) return;
    this._signalGroup('SIGHUP');
    // A stopped process ignores SIGHUP until continued.
    this._signalGroup('SIGCONT');
    if (!this._killTimer) {
      this._killTimer = setTimeout(() => this._signalGroup('SIGKILL'), graceMs);
      this._killTimer.unref();
    }
  }

  private _signalGroup(signal: NodeJS.Signals): void {
    try {
      // forkpty makes the child a session leader, so its pid is also its process group id.
      process.kill(-this._pty.pid, signal);
    } catch {
      try {
        process.kill(this._pty.pid, signal);
      } catch {
        // ESRCH: already gone, which is what we wanted.
      }
    }
  }

  private _clearTimers(): void {
    if (this._killTimer) clearTimeout(this._killTimer);
    if (this._drainTimer) clearTimeout(this._drainTimer);
    if (this._inTimer) clearTimeout(this._inTimer);
    this._inTimer = null;
    this._inQueue.length = 0;
    this._inQueued = 0;
    this._killTimer = null;
    this._drainTimer = null;
  }
}
