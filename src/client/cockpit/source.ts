// One daemon as the cockpit sees it: a channel, its session list, its live event stream, and the preview stream
// of the selected session. Requests are per daemon, never per session: one `list` for every row, one `screen`
// for the preview. A lost connection is retried on the next periodic refresh (`cw daemon restart`, a network blip).
import type { Channel } from '../../channel/channel.js';
import type { EventRecord, OpArgsOf, Op, OpResults, SessionInfo } from '../../protocol/messages.js';
import { openChannelTo, type DaemonTarget } from '../run.js';
import { COCKPIT_REFRESH_MS, COCKPIT_RETRY_MAX_MS } from '../../common/limits.js';

export interface SourceEvents {
  /** The list changed (or could not be read: `error`). */
  list(sessions: SessionInfo[] | null, error: string | null): void;
  /** An event from the daemon's history stream (activity, session.created, message.*, ...). */
  event(e: EventRecord): void;
  /** Output arrived on the preview stream of session `id`. */
  output(id: number): void;
}

export class Source {
  private _ch: Channel | null = null;
  private _connecting: Promise<Channel> | null = null;
  private _preview: { id: number; stream: number } | null = null;
  private _listing = false;
  private _disposed = false;
  /** Connections failed in a row, the last one's error, and when to try again (backing off: COCKPIT_RETRY_MAX_MS). */
  private _failures = 0;
  private _lastError: Error | null = null;
  private _retryAt = 0;

  constructor(
    readonly key: string,
    private readonly _target: DaemonTarget,
    private readonly _on: SourceEvents,
  ) {}

  /** The channel, connecting (and subscribing to events) when there is none or the last one closed. */
  private _channel(): Promise<Channel> {
    if (this._ch && !this._ch.error) return Promise.resolve(this._ch);
    // Not at every refresh once it failed: a daemon that refuses a wrong token locks out an address that keeps
    // trying (HTTP 429), and one that is down need not be asked every 2 s.
    if (this._lastError && Date.now() < this._retryAt) return Promise.reject(this._lastError);
    this._connecting ??= (async () => {
      try {
        const ch = await openChannelTo(this._target).catch((err: Error) => {
          this._failures++;
          this._lastError = err;
          this._retryAt = Date.now() + Math.min(COCKPIT_RETRY_MAX_MS, COCKPIT_REFRESH_MS * 2 ** (this._failures - 1));
          throw err;
        });
        this._failures = 0;
        this._lastError = null;
        if (this._disposed) {
          ch.end();
          throw new Error('closed');
        }
        this._ch = ch;
        this._preview = null;
        ch.onClose(() => {
          if (this._ch === ch) this._ch = null;
        });
        // Only what happens from now on: the list gives the present, the events say when to read it again.
        await ch.openStream('events', { follow: true, tail: 0 }, {
          output: () => {},
          event: (ev) => {
            if (ev.type === 'event') this._on.event(ev.event);
          },
        });
        return ch;
      } finally {
        this._connecting = null;
      }
    })();
    return this._connecting;
  }

  /** One request to this daemon. */
  async request<O extends Op>(op: O, args: OpArgsOf<O>): Promise<OpResults[O]> {
    return (await this._channel()).request(op, args);
  }

  /** Reads the list again (one request in flight at most; the caller coalesces). */
  async refresh(): Promise<void> {
    if (this._listing || this._disposed) return;
    this._listing = true;
    try {
      const r = await this.request('list', { status: 'all' });
      this._on.list(r.sessions, null);
    } catch (err) {
      this._on.list(null, (err as Error).message);
    } finally {
      this._listing = false;
    }
  }

  /**
   * Follows session `id`'s output (no history: only to know when to read its screen again); null stops. A
   * session that has ended has nothing to follow: its last screen is read once.
   */
  async follow(id: number | null, running: boolean): Promise<void> {
    if (this._preview?.id === id || (id === null && !this._preview)) return;
    const ch = await this._channel();
    if (this._preview) {
      const old = this._preview.stream;
      this._preview = null;
      ch.request('close', { stream: old }).catch(() => {
        // the stream had ended already (the session exited): nothing to close
      });
    }
    if (id === null || !running) return;
    const mark = { id, stream: 0 };
    this._preview = mark;
    try {
      const s = await ch.openStream('output', { session: String(id), history: false, follow: true }, {
        output: () => this._on.output(id),
        event: (ev) => {
          if (ev.type === 'end' && this._preview === mark) this._preview = null;
        },
      });
      mark.stream = s.id;
      // Moved on while it opened: close it at once.
      if (this._preview !== mark) ch.request('close', { stream: s.id }).catch(() => {});
    } catch {
      // the session ended or was removed meanwhile: the list refresh will show it, and its screen is still read
      if (this._preview === mark) this._preview = null;
    }
  }

  dispose(): void {
    this._disposed = true;
    this._ch?.end();
    this._ch = null;
  }
}
