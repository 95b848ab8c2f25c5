// A session's live terminal in the page: xterm.js fed by an `attach` stream, with the same flow control as
// `cw attach` (ACK every FLOW_ACK_BYTES once xterm has parsed the bytes, so a busy agent waits for the
// browser instead of flooding it). Read-only by default; "Type" reattaches as an interactive client.
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import { FLOW_ACK_BYTES } from '../common/flow.js';
import type { SessionInfo, StreamEventOf } from '../protocol/messages.js';
import type { WebChannel } from './channel.js';
import { utf8 } from './dom.js';

export interface TermCallbacks {
  /** The stream ended (detached, exited, connection lost): why, for the status line. */
  ended(message: string): void;
  status(message: string): void;
}

export class TermView {
  readonly term: Terminal;
  private readonly _fit = new FitAddon();
  private _stream: number | null = null;
  private _unacked = 0;
  private _interactive = false;
  private _session: SessionInfo | null = null;
  private _generation = 0;
  private _resizeTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly _onWindowResize = (): void => this._scheduleResize();

  constructor(
    private readonly _host: HTMLElement,
    private readonly _ch: () => WebChannel | null,
    private readonly _cb: TermCallbacks,
  ) {
    this.term = new Terminal({
      // No web fonts: the system's monospace, so nothing is fetched from anywhere.
      fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, "Liberation Mono", monospace',
      fontSize: 13,
      scrollback: 5000,
      cursorBlink: false,
      disableStdin: true,
      theme: { background: '#0b0d12', foreground: '#d8dee9', cursor: '#88c0d0', selectionBackground: '#3b4252' },
    });
    this.term.loadAddon(this._fit);
    this.term.open(_host);
    this.term.onData((d) => this._type(utf8(d)));
    this.term.onBinary((d) => this._type(Uint8Array.from(d, (c) => c.charCodeAt(0) & 0xff)));
    window.addEventListener('resize', this._onWindowResize);
  }

  get interactive(): boolean {
    return this._interactive;
  }

  get sessionId(): number | null {
    return this._session?.id ?? null;
  }

  private _type(bytes: Uint8Array): void {
    const ch = this._ch();
    if (this._interactive && this._stream !== null && ch) ch.input(this._stream, bytes);
  }

  /** Attaches to a session (detaching from the previous one). */
  async open(s: SessionInfo, interactive = false): Promise<void> {
    await this.detach();
    this._session = s;
    await this._attach(interactive);
  }

  /** Switches between watching and typing: a new attach with the other mode (the screen is restored exactly). */
  async setInteractive(on: boolean): Promise<void> {
    if (!this._session || on === this._interactive) return;
    await this.detach(false);
    await this._attach(on);
  }

  private async _attach(interactive: boolean): Promise<void> {
    const ch = this._ch();
    const s = this._session;
    if (!ch || !s) return;
    const gen = ++this._generation;
    this._interactive = interactive;
    this._unacked = 0;
    this.term.reset();
    this.term.options.disableStdin = !interactive;
    let cols = s.cols;
    let rows = s.rows;
    if (interactive) {
      // The session takes the browser's size while we type (like a terminal that attached and typed).
      const dims = this._fit.proposeDimensions();
      if (dims && dims.cols > 1 && dims.rows > 1) ({ cols, rows } = dims);
    }
    this.term.resize(cols, rows);
    this._cb.status('attaching…');
    try {
      const { id } = await ch.openStream(
        'attach',
        { session: String(s.id), cols, rows, history: true, readOnly: !interactive },
        {
          output: (bytes, sid) => {
            if (gen !== this._generation) return;
            // Ack once xterm has parsed the bytes: the same point as `cw attach` acking after its terminal took them.
            // By the stream id that came with them: the restored screen can arrive before openStream returns, and
            // bytes never acked would hold the session back for as long as the page stays attached.
            this.term.write(bytes, () => {
              if (gen !== this._generation) return;
              this._unacked += bytes.length;
              if (this._unacked >= FLOW_ACK_BYTES) {
                this._ch()?.ack(sid, this._unacked);
                this._unacked = 0;
              }
            });
          },
          event: (ev: StreamEventOf) => {
            if (gen !== this._generation) return;
            if (ev.type === 'started') {
              this._session = ev.session;
              if (!interactive) this.term.resize(ev.session.cols, ev.session.rows);
            } else if (ev.type === 'exit') {
              const i = ev.session;
              this.term.write(`\r\n\x1b[2m[session ${i.id} ${i.state === 'killed' ? 'was killed' : i.signal ? `exited (${i.signal})` : `exited (code ${i.exitCode})`}]\x1b[0m\r\n`);
            } else if (ev.type === 'end') {
              this._stream = null;
              this._cb.ended(ev.message);
            }
          },
        },
      );
      if (gen !== this._generation) {
        ch.request('close', { stream: id }).catch(() => {});
        return;
      }
      this._stream = id;
      this._cb.status(interactive ? 'typing: keys go to the session' : 'watching (read-only)');
      if (interactive) this.term.focus();
    } catch (err) {
      if (gen === this._generation) this._cb.ended((err as Error).message);
    }
  }

  /** An ended session: its last screen (from `screen --ansi`), nothing live. */
  async showSaved(s: SessionInfo, ansi: string, cols: number, rows: number): Promise<void> {
    await this.detach();
    this._session = s;
    this._interactive = false;
    this.term.reset();
    this.term.options.disableStdin = true;
    this.term.resize(cols, rows);
    this.term.write(ansi.replace(/\r?\n/g, '\r\n'));
    this._cb.status(`ended (${s.state}): its last screen`);
  }

  private _scheduleResize(): void {
    if (this._resizeTimer) clearTimeout(this._resizeTimer);
    this._resizeTimer = setTimeout(() => this.fitNow(), 120);
  }

  /** Follows the browser window: only an interactive client resizes the session. */
  fitNow(): void {
    if (!this._interactive || this._stream === null) return;
    const dims = this._fit.proposeDimensions();
    if (!dims || dims.cols < 2 || dims.rows < 2) return;
    if (dims.cols === this.term.cols && dims.rows === this.term.rows) return;
    this.term.resize(dims.cols, dims.rows);
    this._ch()?.request('resize', { stream: this._stream, cols: dims.cols, rows: dims.rows }).catch(() => {});
  }

  /** Leaves the session running; `forget` also drops which session this view showed. */
  async detach(forget = true): Promise<void> {
    const stream = this._stream;
    this._generation++;
    this._stream = null;
    if (forget) this._session = null;
    if (stream !== null) await this._ch()?.request('close', { stream }).catch(() => {});
  }
}
