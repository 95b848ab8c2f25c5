// The daemon side of the screen worker: one worker thread serves every session's headless terminal.
import { Worker } from 'node:worker_threads';
import type { ScreenSnapshot } from './screen-snapshot.js';
import type { FromWorker, ScreenQuery, ScreenWorkerData, ToWorker } from './screen-messages.js';
import { SCREEN_POST_DELAY_MS, SCREEN_POST_MAX_BYTES, screenHibernateMs } from './limits.js';

export interface ScreenListener {
  /** Bytes the parser has finished with. */
  parsed(bytes: number): void;
  /** The terminal wants to answer a query (DA, DSR) on the pty's input. */
  respond(data: string): void;
}

export class ScreenHost {
  private _worker: Worker;
  private readonly _listeners = new Map<number, { listener: ScreenListener; cols: number; rows: number; scrollback: number }>();
  private readonly _pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private _nextReq = 1;
  private _closing = false;
  /**
   * Output waiting to be posted, per session: gathered for SCREEN_POST_DELAY_MS (or SCREEN_POST_MAX_BYTES) and
   * posted as one message, which saves the per-message cost (a structured clone and a wake-up of the worker) that
   * dominated the main thread under a fast writer. Anything that needs the screen flushes first (see _post).
   * Copied in at once into a buffer of ours (growing by doubling up to SCREEN_POST_MAX_BYTES), because the
   * caller's bytes may be a reused read buffer (direct-pty.ts) that the next read overwrites; that buffer is then
   * transferred to the worker, not cloned.
   */
  private readonly _outbox = new Map<number, { buf: Uint8Array; bytes: number }>();
  private _flushTimer: NodeJS.Timeout | null = null;
  /** Read once at start: an invalid override stops the daemon there, not the worker in a restart loop. */
  private readonly _workerData: ScreenWorkerData;

  constructor(
    private readonly _workerPath: string,
    private readonly _log: (msg: string) => void,
    private readonly _info: (msg: string) => void = () => {},
  ) {
    const h = screenHibernateMs();
    this._workerData = { hibernateMs: h.ms, logHibernation: h.overridden };
    this._worker = this._start();
  }

  private _start(): Worker {
    const w = new Worker(this._workerPath, { workerData: this._workerData });
    w.on('message', (m: FromWorker) => this._onMessage(m));
    w.on('error', (err) => this._log(`screen worker error: ${err.stack ?? err.message}`));
    w.on('exit', (code) => {
      if (this._closing) return;
      // The screens are gone with the worker; start a new one with blank screens so sessions keep working.
      this._log(`screen worker exited with code ${code}; restarting it (screens restart blank)`);
      for (const p of this._pending.values()) p.reject(new Error('screen worker restarted'));
      this._pending.clear();
      this._worker = this._start();
      for (const [id, l] of this._listeners) this._post({ t: 'open', id, cols: l.cols, rows: l.rows, scrollback: l.scrollback });
    });
    return w;
  }

  private _onMessage(m: FromWorker): void {
    switch (m.t) {
      case 'parsed':
        this._listeners.get(m.id)?.listener.parsed(m.bytes);
        return;
      case 'respond':
        this._listeners.get(m.id)?.listener.respond(m.data);
        return;
      case 'hibernated':
        this._info(`screen of session ${m.id} hibernated: ${m.bytes} bytes packed in ${m.ms.toFixed(1)} ms`);
        return;
      case 'error':
        this._log(`session ${m.id}: ${m.message}`);
        return;
      case 'revived':
        this._info(`screen of session ${m.id} revived in ${m.ms.toFixed(1)} ms`);
        return;
      case 'released':
        this._released(m);
        return;
      case 'reply': {
        const p = this._pending.get(m.req);
        this._pending.delete(m.req);
        p?.resolve(m.value);
        return;
      }
    }
  }

  private _trimWarned = false;

  private _released(m: Extract<FromWorker, { t: 'released' }>): void {
    if (m.unavailable && !this._trimWarned) {
      this._trimWarned = true;
      this._log(`memory of hibernated screens stays resident: ${m.unavailable}`);
    }
    // Every few seconds on a busy daemon: logged only where hibernation is (tests, CODEWIRE_SCREEN_HIBERNATE_MS).
    if (!this._workerData.logHibernation) return;
    const mib = (n: number): string => (n / 1024 / 1024).toFixed(1);
    this._info(
      `memory released after ${m.terminals} screen(s) slept or closed: worker heap collected in ${m.gcMs.toFixed(1)} ms, ` +
        `trimmed in ${m.trimMs.toFixed(1)} ms, rss ${mib(m.rssBefore)} → ${mib(m.rssAfter)} MiB`,
    );
  }

  private _post(m: ToWorker): void {
    // Resizes, queries and closes apply after every byte written before them.
    if ('id' in m) this._flush(m.id);
    this._worker.postMessage(m);
  }

  open(id: number, cols: number, rows: number, scrollback: number, listener: ScreenListener): Screen {
    this._listeners.set(id, { listener, cols, rows, scrollback });
    this._post({ t: 'open', id, cols, rows, scrollback });
    return new Screen(this, id);
  }

  write(id: number, buf: Uint8Array): void {
    let q = this._outbox.get(id);
    if (!q) this._outbox.set(id, (q = { buf: new Uint8Array(Math.max(4096, Math.min(SCREEN_POST_MAX_BYTES, buf.byteLength))), bytes: 0 }));
    if (q.bytes + buf.byteLength > q.buf.byteLength) {
      const grown = new Uint8Array(Math.max(q.bytes + buf.byteLength, Math.min(SCREEN_POST_MAX_BYTES, q.buf.byteLength * 2)));
      grown.set(q.buf.subarray(0, q.bytes));
      q.buf = grown;
    }
    q.buf.set(buf, q.bytes);
    q.bytes += buf.byteLength;
    if (q.bytes >= SCREEN_POST_MAX_BYTES) this._flush(id);
    else this._flushTimer ??= setTimeout(() => this._flushAll(), SCREEN_POST_DELAY_MS);
  }

  private _flushAll(): void {
    this._flushTimer = null;
    for (const id of [...this._outbox.keys()]) this._flush(id);
  }

  /** Posts a session's queued output as one transferred buffer; called before any other message for it. */
  private _flush(id: number): void {
    const q = this._outbox.get(id);
    if (!q) return;
    this._outbox.delete(id);
    // Our own buffer (see _outbox), so its memory is transferred instead of cloned; trimmed to what it holds
    // when mostly empty, so the worker does not keep a large buffer for a few bytes.
    const buf = q.bytes * 2 < q.buf.byteLength ? q.buf.slice(0, q.bytes) : q.buf.subarray(0, q.bytes);
    this._worker.postMessage({ t: 'data', id, buf } satisfies ToWorker, [buf.buffer as ArrayBuffer]);
  }

  resize(id: number, cols: number, rows: number): void {
    const l = this._listeners.get(id);
    if (l) {
      l.cols = cols;
      l.rows = rows;
    }
    this._post({ t: 'resize', id, cols, rows });
  }

  query(id: number, what: ScreenQuery, scrollback?: number, size?: { cols: number; rows: number }): Promise<unknown> {
    const req = this._nextReq++;
    return new Promise((resolve, reject) => {
      this._pending.set(req, { resolve, reject });
      this._post({ t: 'query', id, req, what, ...(scrollback !== undefined ? { scrollback } : {}), ...(size ? { size } : {}) });
    });
  }

  close(id: number): void {
    this._listeners.delete(id);
    this._post({ t: 'close', id });
  }

  async dispose(): Promise<void> {
    this._closing = true;
    if (this._flushTimer) clearTimeout(this._flushTimer);
    this._flushTimer = null;
    await this._worker.terminate();
  }
}

/** One session's screen: a handle on its terminal in the worker. */
export class Screen {
  private _closed = false;
  constructor(
    private readonly _host: ScreenHost,
    readonly id: number,
  ) {}

  write(buf: Uint8Array): void {
    if (!this._closed) this._host.write(this.id, buf);
  }

  resize(cols: number, rows: number): void {
    if (!this._closed) this._host.resize(this.id, cols, rows);
  }

  snapshot(): Promise<ScreenSnapshot> {
    return this._host.query(this.id, 'snapshot') as Promise<ScreenSnapshot>;
  }

  /** Escape sequences that redraw the screen exactly, with up to `scrollback` lines of history before it. */
  serialize(scrollback: number): Promise<string> {
    return this._host.query(this.id, 'serialize', scrollback) as Promise<string>;
  }

  /** Scrollback (up to `scrollback` lines) and visible rows as text, soft wraps joined. */
  lines(scrollback: number): Promise<string[]> {
    return this._host.query(this.id, 'lines', scrollback) as Promise<string[]>;
  }

  /** Escape sequences that draw the screen on a terminal of cols x rows, clipped (screen-clip.ts). */
  clip(cols: number, rows: number): Promise<string> {
    return this._host.query(this.id, 'clip', undefined, { cols, rows }) as Promise<string>;
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    this._host.close(this.id);
  }
}
