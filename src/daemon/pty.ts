// A child process on a pseudoterminal through node-pty: the fallback when the daemon cannot start and read ptys
// itself (direct-pty.ts, native/handover missing, or CODEWIRE_PTY=node-pty). The only file that imports node-pty.
// Also the pieces both share: the SessionPty seam, the input queue, the exit drain, signalling a process group.
import { closeSync, constants as fsConstants, openSync } from 'node:fs';
import pty from 'node-pty';
import type { PauseReason } from './flow.js';
import { EXIT_DRAIN_MAX_MS, EXIT_DRAIN_QUIET_MS, KILL_GRACE_MS } from './limits.js';
import { PtyInput } from '../common/pty-input.js';

export { PtyInput };

export interface PtyExit {
  exitCode: number;
  /** Signal number that ended the process, 0 when it exited normally. */
  signal: number;
}

export interface PtyOptions {
  file: string;
  /** What the program sees as its name (argv[0]); default `file`. */
  argv0?: string;
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
  /** The child has ended and its last output is being read (the exit callback follows). */
  readonly exiting?: boolean;
  /** Input bytes waiting for the program to read them (beyond the kernel's own pty buffer). */
  readonly queuedInputBytes: number;
  /**
   * The pty master, when this process reads and writes it itself (DirectPty), for handing to a local `cw attach`
   * that writes keystrokes into it directly (direct-input.ts); absent for node-pty's, and once the program ends.
   */
  readonly masterFd?: number | null;
  write(data: string | Uint8Array): void;
  resize(cols: number, rows: number): void;
  /** Pauses reading for `reason` (flow.ts); reading resumes when every reason is lifted. */
  pause(reason: PauseReason): void;
  resume(reason: PauseReason): void;
  /** Ends the program (and what it started); its exit follows through the exit callback. */
  kill(): void;
  /**
   * Hands the pty to the next daemon (handover.ts), or says why it cannot be: stops reading at once and takes back
   * what was read and not yet delivered, which the next daemon delivers first. Optional: fakes have no descriptors.
   */
  detach?(): DetachedPty | string;
  /** Undoes detach() when the hand-over failed: the bytes it took are delivered, and reading goes on. */
  reattach?(): void;
}

/** A pty as it is handed to the next daemon: its descriptors (kept open across the exec) and undelivered output. */
export interface DetachedPty {
  pid: number;
  masterFd: number;
  /** Our handle on the slave side (see PtyProcess), or -1 when there is none. */
  slaveFd: number;
  pending: Buffer[];
}

export interface ReadSocket {
  destroy(err?: Error): unknown;
  pause(): unknown;
  resume(): unknown;
  isPaused(): boolean;
  read(): Buffer | null;
  /** libuv's stream handle (net.Socket internals): stops the reading at the descriptor, not only the events. */
  _handle?: { readStop?(): number; reading?: boolean } | null;
}

/**
 * Stops reading a pty master at the descriptor and returns what the stream had read and not yet handed out, so
 * nothing is left between the kernel's buffer and the caller. Pausing a stream only stops its 'data' events: it
 * keeps reading up to its high-water mark. read() can start the descriptor reading again (it asks for more), so the
 * handle is stopped once more after it; this all runs in one turn, before any read could complete.
 */
export function stopReading(socket: ReadSocket, deliver: (b: Buffer) => void): void {
  const stop = (): void => {
    const h = socket._handle;
    if (h?.readStop) {
      h.readStop();
      h.reading = false;
    }
  };
  stop();
  socket.pause();
  for (let b = socket.read(); b !== null; b = socket.read()) deliver(b);
  stop();
}

/** SIGHUP/SIGCONT now and SIGKILL after the grace to the group of `pid`; returns the SIGKILL timer (unref'd). */
export function hangUpGroup(pid: number, graceMs: number): NodeJS.Timeout {
  signalGroup(pid, 'SIGHUP');
  // A stopped process ignores SIGHUP until continued.
  signalGroup(pid, 'SIGCONT');
  const t = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
  t.unref();
  return t;
}

export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    // forkpty makes the child a session leader, so its pid is also its process group id.
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // ESRCH: already gone, which is what we wanted.
    }
  }
}

/**
 * Keeps reading after the child exited until the pty is drained: no output for EXIT_DRAIN_QUIET_MS, confirmed by
 * one more event-loop turn (timers run before I/O polling, so a loop that was blocked could otherwise see "quiet"
 * while bytes wait to be read). Gives up after EXIT_DRAIN_MAX_MS of continuous output (a grandchild that keeps the
 * terminal and keeps writing). Returns a function that cancels it.
 */
export function drainThen(lastDataAt: () => number, done: () => void): () => void {
  const started = Date.now();
  let timer: NodeJS.Timeout | null = null;
  let cancelled = false;
  const check = (): void => {
    if (cancelled) return;
    const now = Date.now();
    if (now - started >= EXIT_DRAIN_MAX_MS) return done();
    if (now - lastDataAt() < EXIT_DRAIN_QUIET_MS) {
      timer = setTimeout(check, EXIT_DRAIN_QUIET_MS / 4);
      return;
    }
    const seen = lastDataAt();
    // setImmediate runs after this turn's I/O poll: anything readable has been read by then.
    setImmediate(() => {
      if (!cancelled) timer = setTimeout(() => (lastDataAt() === seen ? done() : check()), 1);
    });
  };
  timer = setTimeout(check, EXIT_DRAIN_QUIET_MS / 4);
  return () => {
    cancelled = true;
    if (timer) clearTimeout(timer);
  };
}

export class PtyProcess implements SessionPty {
  private readonly _pty: pty.IPty;
  private readonly _socket: ReadSocket;
  private _exited = false;
  private _lastDataAt = Date.now();
  private _cancelDrain: (() => void) | null = null;
  private _killTimer: NodeJS.Timeout | null = null;
  /** Reasons the reading is paused (flow.ts: clients, screen, handover); read only when empty. */
  private readonly _pausedBy = new Set<PauseReason>();
  private _draining = false;
  /** Our own handle on the slave side; see the constructor. */
  private _slaveFd: number | null = null;
  /** Input written straight to the master fd (null with another node-pty, which then queues it itself). */
  private readonly _input: PtyInput | null;
  private readonly _onData: (buf: Buffer) => void;
  /** While detached for a hand-over: output read and not delivered, in order (see detach). */
  private _held: Buffer[] | null = null;

  /** Throws when the process cannot be started (missing program, bad cwd). */
  constructor(opts: PtyOptions, onData: (buf: Buffer) => void, onExit: (e: PtyExit) => void) {
    this._onData = onData;
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
    //    only once the pty has been quiet (see drainThen).
    const ptsPath = (this._pty as unknown as { _pty?: string })._pty;
    if (ptsPath) {
      try {
        // O_NOCTTY: the daemon must never acquire the session's terminal as its controlling terminal.
        this._slaveFd = openSync(ptsPath, fsConstants.O_RDWR | fsConstants.O_NOCTTY);
      } catch {
        this._slaveFd = null; // without it we fall back to node-pty's behaviour, still with the drain below
      }
    }
    const fd = (this._pty as unknown as { fd?: unknown }).fd;
    this._input = typeof fd === 'number' ? new PtyInput(fd) : null;
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
      if (this._held) {
        this._held.push(d as unknown as Buffer);
        return;
      }
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

  get exiting(): boolean {
    return !this._exited && (this._cancelDrain !== null || this._draining);
  }

  /** See drainThen. The process is gone: no reader may hold back the last bytes any more (they are few). */
  private _startDrain(finish: () => void): void {
    if (this._cancelDrain) return;
    this._pausedBy.clear();
    this._socket.resume();
    this._cancelDrain = drainThen(
      () => this._lastDataAt,
      () => {
        this._cancelDrain = null;
        this._draining = true;
        finish();
      },
    );
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

  /** Input bytes waiting for the program to read them (beyond the kernel's own pty buffer). */
  get queuedInputBytes(): number {
    // With another node-pty (no fd to write to directly), the remainder waits in node-pty's private queue.
    const queue = (this._pty as unknown as { _writeStream?: { _writeQueue?: { buffer: Uint8Array; offset: number }[] } })._writeStream?._writeQueue;
    let n = this._input?.queued ?? 0;
    if (Array.isArray(queue)) for (const t of queue) n += t.buffer.length - t.offset;
    return n;
  }

  write(data: string | Uint8Array): void {
    if (this._exited) return;
    const buf = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (this._input) this._input.write(buf);
    else this._pty.write(buf);
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
    if (this._exited || this._cancelDrain || this._draining) return;
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

  detach(): DetachedPty | string {
    const fd = (this._pty as unknown as { fd?: unknown }).fd;
    if (typeof fd !== 'number') return 'this node-pty does not expose the pty descriptor';
    if (this._exited || this._cancelDrain || this._draining) return 'the program is exiting';
    if (this._held) return 'already detached';
    if (this._input && this._input.queued > 0) return `${this._input.queued} bytes of input are still queued for the program`;
    this._pausedBy.add('handover');
    this._held = [];
    stopReading(this._socket, (b) => this._held!.push(b));
    return { pid: this.pid, masterFd: fd, slaveFd: this._slaveFd ?? -1, pending: this._held };
  }

  reattach(): void {
    const held = this._held;
    if (!held) return;
    this._held = null;
    for (const b of held) {
      this._lastDataAt = Date.now();
      this._onData(b);
    }
    this.resume('handover');
  }

  /** SIGHUP to the whole process group (what a closing terminal does), then SIGKILL after the grace period. */
  kill(graceMs = KILL_GRACE_MS): void {
    if (this._exited) return;
    if (!this._killTimer) this._killTimer = hangUpGroup(this._pty.pid, graceMs);
    else for (const sig of ['SIGHUP', 'SIGCONT'] as const) signalGroup(this._pty.pid, sig);
  }

  private _clearTimers(): void {
    if (this._killTimer) clearTimeout(this._killTimer);
    this._cancelDrain?.();
    this._input?.close();
    this._killTimer = null;
    this._cancelDrain = null;
  }
}
