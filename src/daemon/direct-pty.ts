// A pty whose master the daemon reads and writes itself: a program started by native/handover's spawn (forkpty),
// or one handed over by the previous daemon across `cw daemon restart` (handover.ts: the program is still our
// child, the exec kept the pid, and its master is still open here). Both are one code path: read the master (a
// tty stream), write to it (PtyInput), resize it (ioctl) and learn of the program's end (waitpid on SIGCHLD,
// through the Reaper). node-pty (pty.ts, PtyProcess) remains the fallback when the addon is missing.
// Measured (bench/RESULTS.md, section 1): the read path alone runs 10-30% faster than through node-pty's socket.
import { closeSync } from 'node:fs';
import { ReadStream } from 'node:tty';
import type { PauseReason } from './flow.js';
import { KILL_GRACE_MS, PTY_READ_BYTES, REAP_POLL_MS } from './limits.js';
import { handoverAddon, type HandoverAddon } from './native.js';
import { drainThen, hangUpGroup, PtyInput, signalGroup, type DetachedPty, type PtyExit, type PtyOptions, type ReadSocket, type SessionPty } from './pty.js';

/**
 * Reaps the programs of direct ptys: those spawn() started and those inherited across an exec (node-pty's per-child
 * wait threads did not survive it); libuv waits only for children it spawned itself (by pid), so nobody else
 * collects these. Looks on every SIGCHLD and every
 * REAP_POLL_MS (signals coalesce, and one may arrive before the listener is in place).
 */
export class Reaper {
  private readonly _waiting = new Map<number, (e: PtyExit | null) => void>();
  private _timer: NodeJS.Timeout | null = null;
  private readonly _onSignal = (): void => this.check();

  constructor(private readonly _addon: HandoverAddon) {}

  /** Calls `ended` once `pid` has ended, with its status, or null when it was not ours to reap (status unknown). */
  watch(pid: number, ended: (e: PtyExit | null) => void): void {
    this._waiting.set(pid, ended);
    if (!this._timer) {
      process.on('SIGCHLD', this._onSignal);
      this._timer = setInterval(() => this.check(), REAP_POLL_MS);
      this._timer.unref();
    }
    this.check();
  }

  check(): void {
    for (const [pid, ended] of this._waiting) {
      const r = this._addon.reap(pid);
      if (r === null) continue;
      this._waiting.delete(pid);
      ended('gone' in r ? null : { exitCode: r.code, signal: r.signal });
    }
    if (this._waiting.size === 0 && this._timer) {
      clearInterval(this._timer);
      this._timer = null;
      process.off('SIGCHLD', this._onSignal);
    }
  }
}

export class DirectPty implements SessionPty {
  readonly pid: number;
  private readonly _masterFd: number;
  private _slaveFd: number;
  private readonly _socket: ReadStream & ReadSocket;
  private readonly _input: PtyInput;
  private _exited = false;
  private _ending = false;
  private _lastDataAt = Date.now();
  private readonly _pausedBy = new Set<PauseReason>();
  private _cancelDrain: (() => void) | null = null;
  private _killTimer: NodeJS.Timeout | null = null;
  private _held: Buffer[] | null = null;

  constructor(
    from: Pick<DetachedPty, 'pid' | 'masterFd' | 'slaveFd'>,
    private readonly _addon: HandoverAddon,
    reaper: Reaper,
    private readonly _onData: (buf: Buffer, reused: boolean) => void,
    private readonly _onExit: (e: PtyExit) => void,
  ) {
    this.pid = from.pid;
    this._masterFd = from.masterFd;
    this._slaveFd = from.slaveFd;
    this._input = new PtyInput(from.masterFd);
    // Every read lands in one buffer of ours (Node's `onread`), not a fresh allocation per read: the consumers
    // copy what they keep (Session.handleOutput). It also makes pause() stop the descriptor at once (readStop),
    // with nothing read ahead into a stream buffer.
    const readBuf = Buffer.allocUnsafeSlow(PTY_READ_BYTES);
    this._socket = new ReadStream(from.masterFd, {
      onread: {
        buffer: readBuf,
        callback: (n: number, b: Buffer): boolean => {
          const view = b.subarray(0, n);
          if (this._held) this._held.push(Buffer.from(view));
          else {
            this._lastDataAt = Date.now();
            this._onData(view, true);
          }
          return true;
        },
      },
    } as ConstructorParameters<typeof ReadStream>[1]) as ReadStream & ReadSocket;
    // EIO once no slave is open any more: the end comes through the reaper.
    this._socket.on('error', () => {});
    this._socket.resume();
    reaper.watch(this.pid, (e) => this._ended(e));
  }

  get exited(): boolean {
    return this._exited;
  }

  get exiting(): boolean {
    return this._ending && !this._exited;
  }

  get queuedInputBytes(): number {
    return this._input.queued;
  }

  get masterFd(): number | null {
    return this._exited || this._ending ? null : this._masterFd;
  }

  /** The program ended: read what it left in the pty, then close our side and report the end. */
  private _ended(e: PtyExit | null): void {
    this._ending = true;
    this._input.close();
    if (this._killTimer) clearTimeout(this._killTimer);
    this._pausedBy.clear();
    if (!this._held) this._socket.resume();
    this._cancelDrain = drainThen(
      () => this._lastDataAt,
      () => {
        this._cancelDrain = null;
        this._socket.destroy();
        if (this._slaveFd >= 0) {
          try {
            closeSync(this._slaveFd);
          } catch {
            // already closed
          }
          this._slaveFd = -1;
        }
        this._exited = true;
        // Not ours to reap (it ended while the daemons changed hands and the old one reaped it): no status.
        this._onExit(e ?? { exitCode: -1, signal: 0 });
      },
    );
  }

  write(data: string | Uint8Array): void {
    if (this._exited || this._ending) return;
    this._input.write(typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }

  resize(cols: number, rows: number): void {
    if (this._exited || this._ending) return;
    try {
      this._addon.resize(this._masterFd, Math.max(1, cols), Math.max(1, rows));
    } catch {
      // The pty can close between the exit check and the ioctl.
    }
  }

  pause(reason: PauseReason): void {
    if (this._exited || this._ending) return;
    this._pausedBy.add(reason);
    this._socket.pause();
  }

  resume(reason: PauseReason): void {
    if (!this._pausedBy.delete(reason)) return;
    if (this._pausedBy.size === 0 && !this._held) this._socket.resume();
  }

  kill(graceMs = KILL_GRACE_MS): void {
    if (this._exited || this._ending) return;
    if (!this._killTimer) this._killTimer = hangUpGroup(this.pid, graceMs);
    else for (const sig of ['SIGHUP', 'SIGCONT'] as const) signalGroup(this.pid, sig);
  }

  detach(): DetachedPty | string {
    if (this._exited || this._ending) return 'the program is exiting';
    if (this._held) return 'already detached';
    if (this._input.queued > 0) return `${this._input.queued} bytes of input are still queued for the program`;
    this._pausedBy.add('handover');
    this._held = [];
    // With `onread`, pausing stops the descriptor itself (readStop): nothing is read ahead, so nothing is held.
    this._socket.pause();
    return { pid: this.pid, masterFd: this._masterFd, slaveFd: this._slaveFd, pending: this._held };
  }

  reattach(): void {
    const held = this._held;
    if (!held) return;
    this._held = null;
    for (const b of held) {
      this._lastDataAt = Date.now();
      this._onData(b, false);
    }
    this.resume('handover');
  }
}

let theReaper: Reaper | null = null;

/** The daemon's one reaper (null without the addon). */
export function reaper(): Reaper | null {
  const { addon } = handoverAddon();
  if (!addon) return null;
  return (theReaper ??= new Reaper(addon));
}

/** Whether programs can be started on direct ptys here (the addon loads, and CODEWIRE_PTY does not ask for node-pty). */
export function directPtyAvailable(): boolean {
  return process.env.CODEWIRE_PTY !== 'node-pty' && handoverAddon().addon !== null;
}

/**
 * Starts `file` on a new direct pty. Throws when it cannot start, with the errno's code (ENOENT, EACCES, ENOEXEC)
 * and a message saying what failed (the directory, or the program).
 */
export function spawnDirect(opts: PtyOptions, onData: (buf: Buffer, reused: boolean) => void, onExit: (e: PtyExit) => void): DirectPty {
  const addon = handoverAddon().addon!;
  const env = Object.entries(opts.env).map(([k, v]) => `${k}=${v}`);
  const r = addon.spawn(opts.file, [opts.argv0 ?? opts.file, ...opts.args], env, opts.cwd, Math.max(1, opts.cols), Math.max(1, opts.rows));
  return new DirectPty(r, addon, reaper()!, onData, onExit);
}
