// The two kinds of stream a client can open on a session: an interactive attach and an output follower.
import type { EndReason, EventRecord, SessionInfo } from '../protocol/index.js';
import type { Registry } from './registry.js';
import type { Connection, Stream } from './connection.js';
import {
  ATTACH_SCROLLBACK_LINES,
  CLIP_REDRAW_MS,
  CLIENT_QUEUE_HARD_MAX_BYTES,
  HISTORY_QUEUE_BYTES,
  HISTORY_READ_BYTES,
  VIEWER_BEHIND_BYTES,
  WATCHER_QUEUE_MAX_BYTES,
} from './limits.js';
import { closeSegments, openLogRange, openLogTail, readSegment, type LogSegment } from './output-log.js';
import type { Session, SessionClient } from './session.js';

const END_MESSAGES: Record<EndReason, string> = {
  exited: 'session exited',
  detached: 'detached',
  closed: 'closed',
  too_slow: 'dropped: the client fell too far behind the output',
  eof: 'end of output',
};

abstract class BaseStream implements Stream, SessionClient {
  abstract readonly kind: 'attach' | 'watch';
  abstract readonly readOnly: boolean;
  unacked = 0;
  protected _done = false;

  constructor(
    protected readonly _conn: Connection,
    readonly id: number,
    protected readonly _session: Session,
    public cols: number,
    public rows: number,
  ) {
    _conn.streams.set(id, this);
  }

  /** The stream has ended (detached, closed, the session exited). */
  get done(): boolean {
    return this._done;
  }

  abstract output(buf: Uint8Array): void;
  input(_bytes: Uint8Array): void {}
  ack(_bytes: number): void {}

  protected _tooSlow(maxQueued: number): boolean {
    if (this._conn.transport.bufferedBytes <= maxQueued) return false;
    this._end('too_slow');
    return true;
  }

  ended(info: SessionInfo): void {
    if (this._done) return;
    this._conn.event(this.id, { type: 'exit', session: info });
    this._end('exited', false);
  }

  close(reason: 'detached' | 'closed'): void {
    this._end(reason);
  }

  protected _end(reason: EndReason, detach = true): void {
    if (this._done) return;
    this._done = true;
    if (detach) this._session.removeClient(this);
    this._conn.streams.delete(this.id);
    this._cleanup();
    this._conn.event(this.id, { type: 'end', reason, message: END_MESSAGES[reason] });
  }

  protected _cleanup(): void {}
}

/**
 * `cw attach`: the screen restored from the headless terminal, then live output with acknowledged flow control.
 * A client whose terminal is not the session's size (another client sets it) gets no raw output, which its
 * terminal would wrap for another width: it gets the screen redrawn clipped to its size (screen-clip.ts) after
 * each burst of output and each size change, until the sizes match again and a full restore puts it back on
 * the raw stream.
 */
export class AttachStream extends BaseStream {
  readonly kind = 'attach' as const;
  private _restoring = true;
  private _queue: Uint8Array[] = [];
  /** The session's size differs from this client's: it is drawn clipped, not sent the raw output. */
  private _clipped = false;
  private _clipTimer: NodeJS.Timeout | null = null;
  private _clipping = false;
  private _clipAgain = false;
  /** A read-only client that fell behind (VIEWER_BEHIND_BYTES): output skipped until its socket drains, then redrawn. */
  private _behind = false;
  /** Offered direct input (direct-input.ts): told whether it may write into the pty itself, on each change. */
  offeredDirectInput = false;
  private _direct: boolean | null = null;
  /** Bytes of this client's input taken so far (written, queued for the program, or refused), and as last told. */
  private _inputTaken = 0;
  private _toldTaken = 0;

  constructor(
    conn: Connection,
    id: number,
    session: Session,
    cols: number,
    rows: number,
    readonly readOnly: boolean,
    readonly sizePolicy: 'latest' | 'smallest' = 'latest',
  ) {
    super(conn, id, session, cols, rows);
  }

  async start(history: boolean): Promise<void> {
    this._conn.event(this.id, { type: 'started', session: this._session.info() });
    this._session.addClient(this);
    await this._restore(history);
  }

  /**
   * Redraws this client's terminal from the headless screen: the exact screen (with its modes) when the sizes
   * match, else the clipped view. Live output meanwhile is queued and follows the restore, in order.
   */
  private async _restore(history: boolean): Promise<void> {
    const screen = this._session.screen;
    this._clipped = this._mismatch();
    if (!screen) {
      this._restoring = false;
      return;
    }
    this._restoring = true;
    if (this._clipped) {
      this._queue = [];
      this._restoring = false;
      await this._clip();
      return;
    }
    let restore = '';
    try {
      // Posted after the resize that addClient may have caused, so the screen is drawn at this client's size.
      restore = await screen.serialize(history ? ATTACH_SCROLLBACK_LINES : 0);
    } catch {
      // The screen worker restarted: attach to a blank screen rather than fail; the program's next redraw fills it.
    }
    if (this._done) return;
    // Home and clear, then the exact screen (with its modes: alternate buffer, cursor keys, bracketed paste).
    this._send(Buffer.from(`\x1b[H\x1b[2J${restore}`));
    this._restoring = false;
    const queued = this._queue.splice(0);
    // The size changed again while the screen was serialized: the raw output may not fit; redraw clipped.
    if (this._mismatch()) return this.sizeChanged();
    for (const b of queued) this._send(b);
  }

  private _mismatch(): boolean {
    return this.cols !== this._session.row.cols || this.rows !== this._session.row.rows;
  }

  /** The session's size or this client's changed: switch between the raw stream and the clipped view. */
  sizeChanged(): void {
    if (this._done || this._restoring) return; // _restore() looks at the sizes once it is through
    if (this._mismatch()) {
      this._clipped = true;
      this._scheduleClip();
    } else if (this._clipped) {
      this._clipped = false;
      void this._restore(false);
    }
  }

  private _scheduleClip(): void {
    if (this._clipTimer || this._done) return;
    if (this._clipping) {
      this._clipAgain = true;
      return;
    }
    this._clipTimer = setTimeout(() => {
      this._clipTimer = null;
      void this._clip();
    }, CLIP_REDRAW_MS);
  }

  private async _clip(): Promise<void> {
    const screen = this._session.screen;
    if (!screen || this._done || !this._clipped) return;
    this._clipping = true;
    let view: string | null = null;
    try {
      view = await screen.clip(this.cols, this.rows);
    } catch {
      // The screen worker restarted: the next output or size change draws again.
    }
    this._clipping = false;
    if (this._done || !this._clipped) return;
    if (view) this._send(Buffer.from(view));
    if (this._clipAgain) {
      this._clipAgain = false;
      this._scheduleClip();
    }
  }

  output(buf: Uint8Array): void {
    if (this._done) return;
    if (this._restoring) this._queue.push(buf);
    else if (this._clipped) this._scheduleClip();
    else this._send(buf);
  }

  private _send(buf: Uint8Array): void {
    if (this.readOnly) {
      // A viewer never pauses the program and is never dropped for being slow: it skips what it cannot take and
      // is redrawn once it can (the screen is exact; the bytes skipped are in the log).
      if (this._behind) return;
      if (this._conn.transport.bufferedBytes > VIEWER_BEHIND_BYTES) return void this._catchUp();
    } else if (this._tooSlow(CLIENT_QUEUE_HARD_MAX_BYTES)) return;
    this._conn.output(this.id, buf);
    this._session.sent(this, buf.length);
  }

  private async _catchUp(): Promise<void> {
    this._behind = true;
    await this._conn.transport.whenDrained();
    this._behind = false;
    if (this._done) return;
    // A restore under way was posted after the skipped bytes reached the screen, so it draws them already.
    if (!this._restoring) await this._restore(false);
  }

  override ack(bytes: number): void {
    this._session.acked(this, bytes);
  }

  override input(bytes: Uint8Array): void {
    if (this.readOnly || this._done) return;
    this._inputTaken += bytes.length;
    this._session.write(bytes, this);
  }

  /**
   * Tells a client offered direct input whether it may write into the pty itself: on a change, and, while it may,
   * once its input sent through the daemon has all been taken (`taken`), which it waits for before writing
   * directly again, so nothing it typed overtakes what it sent before.
   */
  directInputMayHaveChanged(): void {
    if (!this.offeredDirectInput || this._done) return;
    const ok = this._session.mayWriteDirectly(this);
    if (ok === this._direct && !(ok && this._inputTaken !== this._toldTaken)) return;
    this._direct = ok;
    this._toldTaken = this._inputTaken;
    this._conn.event(this.id, { type: 'input', direct: ok, taken: this._inputTaken });
  }

  /** A resize to the size the client already has is a refresh (tmux's refresh-client): the screen is redrawn. */
  resize(cols: number, rows: number): void {
    if (this._done) return;
    if (cols === this.cols && rows === this.rows) {
      if (!this._restoring) void this._restore(false);
      return;
    }
    this._session.resizeFrom(this, cols, rows);
    this.sizeChanged();
  }

  protected override _cleanup(): void {
    if (this._clipTimer) clearTimeout(this._clipTimer);
    this._clipTimer = null;
  }
}

/** `cw watch` and `cw logs`: history from the log, then (when following) live output until the session ends. */
export class OutputStream extends BaseStream {
  readonly kind = 'watch' as const;
  readonly readOnly = true;
  private _segments: LogSegment[] = [];
  private _live: Uint8Array[] | null = null;
  private _liveBytes = 0;
  private _following = false;

  /** `fromByte`: history from that position of the session's output (see OpArgs.output) instead of `tail`. */
  async start(dir: string, tail: number | undefined, history: boolean, follow: boolean, fromByte?: number): Promise<void> {
    // Same tick as addClient: the log's size now is exactly where live output begins, so the history's first byte
    // is that many bytes before the session's output count (less when a rotation dropped what fromByte asked for).
    this._segments = !history ? [] : fromByte !== undefined ? openLogTail(dir, this._session.row.outputBytes - fromByte) : openLogRange(dir, tail);
    const historyBytes = this._segments.reduce((n, seg) => n + seg.to - seg.from, 0);
    const info = this._session.info();
    this._conn.event(this.id, { type: 'started', session: info, historyFrom: Math.max(0, info.outputBytes - historyBytes) });
    this._following = follow && this._session.running;
    if (this._following) {
      this._live = [];
      this._session.addClient(this);
    }
    try {
      for (const seg of this._segments) {
        for (let buf = readSegment(seg, HISTORY_READ_BYTES); buf; buf = readSegment(seg, HISTORY_READ_BYTES)) {
          if (this._done) return;
          this._conn.output(this.id, buf);
          if (this._conn.transport.bufferedBytes > HISTORY_QUEUE_BYTES) await this._conn.transport.whenDrained();
        }
      }
    } finally {
      closeSegments(this._segments);
    }
    if (this._done) return;
    this._conn.event(this.id, { type: 'history-end' });
    const queued = this._live ?? [];
    this._live = null;
    for (const b of queued) this.output(b);
    if (!this._following) {
      if (this._session.running) this._end('eof', false);
      else this.ended(this._session.info());
    }
  }

  output(buf: Uint8Array): void {
    if (this._done) return;
    if (this._live) {
      // Live output while history is still being sent: bounded like any watcher's queue.
      this._liveBytes += buf.length;
      if (this._liveBytes > WATCHER_QUEUE_MAX_BYTES) this._end('too_slow');
      else this._live.push(buf);
      return;
    }
    if (this._tooSlow(WATCHER_QUEUE_MAX_BYTES)) return;
    this._conn.output(this.id, buf);
  }

  override ended(info: SessionInfo): void {
    // History still being sent: the exit is reported once it is through (start() checks the session again).
    if (this._live) {
      this._following = false;
      this._session.removeClient(this);
      return;
    }
    super.ended(info);
  }

  protected override _cleanup(): void {
    closeSegments(this._segments);
  }
}

/** `cw events`: the event history, then (when following) live events, without gaps or repeats. */
export class EventStream implements Stream {
  private _done = false;
  private _live: EventRecord[] | null = [];
  private _lastId = 0;
  private readonly _onEvent = (ev: EventRecord): void => {
    if (this._done || !this._wanted(ev)) return;
    if (this._live) this._live.push(ev);
    else this._send(ev);
  };

  constructor(
    private readonly _conn: Connection,
    readonly id: number,
    private readonly _registry: Registry,
    private readonly _sessions: number[] | null,
  ) {
    _conn.streams.set(id, this);
  }

  private _wanted(ev: EventRecord): boolean {
    return this._sessions === null || (ev.sessionId !== null && this._sessions.includes(ev.sessionId));
  }

  start(since: number | undefined, tail: number, follow: boolean): void {
    if (follow) this._registry.events.on('event', this._onEvent);
    const history =
      since !== undefined
        ? this._registry.eventHistory(since, 100_000).filter((e) => this._wanted(e))
        : this._registry.lastEvents(this._sessions, tail);
    for (const ev of history) this._send(ev);
    const queued = this._live ?? [];
    this._live = null;
    for (const ev of queued) if (ev.id === 0 || ev.id > this._lastId) this._send(ev);
    this._conn.event(this.id, { type: 'history-end' });
    if (!follow) this._end('eof');
  }

  private _send(ev: EventRecord): void {
    if (ev.id) this._lastId = Math.max(this._lastId, ev.id);
    if (this._conn.transport.bufferedBytes > WATCHER_QUEUE_MAX_BYTES) return this._end('too_slow');
    this._conn.event(this.id, { type: 'event', event: ev });
  }

  input(): void {}
  ack(): void {}

  close(reason: 'detached' | 'closed'): void {
    this._end(reason);
  }

  private _end(reason: EndReason): void {
    if (this._done) return;
    this._done = true;
    this._registry.events.off('event', this._onEvent);
    this._conn.streams.delete(this.id);
    this._conn.event(this.id, { type: 'end', reason, message: END_MESSAGES[reason] });
  }
}
