// The screen worker's job queue: each terminal's work in arrival order, output written in batches (held back
// under a firehose, see SCREEN_FIREHOSE_*), queries and resizes after every byte posted before them.
import type { FromWorker } from './screen-messages.js';
import { planScreenWrite } from './screen-fastpath.js';
import { trimParseBuffer, type HeadlessTerminal } from './screen-hibernate.js';
import { SCREEN_FIREHOSE_BYTES_PER_WINDOW, SCREEN_FIREHOSE_FRAME_MS, SCREEN_FIREHOSE_WINDOW_MS } from './limits.js';
import type { Entry, Job } from './screen-entry.js';

export interface ScreenJobsDeps {
  post(msg: FromWorker): void;
  /** Revives a hibernated terminal, then pumps its jobs (screen-hibernation.ts). */
  wake(id: number, e: Entry): void;
}

export class ScreenJobs {
  constructor(private readonly _d: ScreenJobsDeps) {}

  /** Queues a job for a terminal (`e`, undefined once closed: a 'run' job then runs at once) and runs what can run. */
  enqueue(id: number, e: Entry | undefined, job: Job): void {
    if (!e) {
      if (job.kind === 'run') job.fn();
      return;
    }
    if (job.kind === 'data') noteData(e, job.buf.byteLength);
    else if (e.frameTimer) {
      // A query or resize wants every byte before it on the screen now, not at the next frame.
      clearTimeout(e.frameTimer);
      e.frameTimer = null;
    }
    e.jobs.push(job);
    this.pump(id, e);
  }

  /** Runs the next jobs of one terminal: a query or resize, or all queued data as one batch. */
  pump(id: number, e: Entry): void {
    while (!e.busy && e.jobs.length > 0) {
      const first = e.jobs[0]!;
      if (!e.st) {
        if (first.kind === 'data' || first.needsTerm) return this._d.wake(id, e);
        e.jobs.shift();
        first.fn();
        continue;
      }
      const term = e.st.term;
      // Snapshots do not count: the activity heartbeat takes one every few seconds from every session.
      if (first.kind === 'data' || first.needsTerm) e.lastUsed = performance.now();
      if (first.kind === 'run') {
        e.jobs.shift();
        first.fn();
        continue;
      }
      let n = 0;
      let total = 0;
      while (n < e.jobs.length && e.jobs[n]!.kind === 'data') total += (e.jobs[n++] as { buf: Uint8Array }).buf.byteLength;
      if (n === e.jobs.length && this._deferFrame(id, e)) return;
      const parts = e.jobs.splice(0, n) as { kind: 'data'; buf: Uint8Array }[];
      let batch: Uint8Array;
      if (parts.length === 1) batch = parts[0]!.buf;
      else {
        batch = new Uint8Array(total);
        let off = 0;
        for (const p of parts) {
          batch.set(p.buf, off);
          off += p.buf.byteLength;
        }
      }
      const plan = planScreenWrite(batch, fastPathAllowed(term), 2 * term.rows + e.scrollback + 2);
      e.busy = true;
      e.oldestDataAt = 0;
      e.frameDue = false;
      term.write(plan.data, () => {
        trimParseBuffer(term);
        e.busy = false;
        this._d.post({ t: 'parsed', id, bytes: total });
        this.pump(id, e);
      });
    }
  }

  /** Under a firehose, holds queued data (no query behind it) until the frame is due; true when it did. */
  private _deferFrame(id: number, e: Entry): boolean {
    if (e.frameTimer) return true;
    if (e.frameDue) return false;
    const now = performance.now();
    const firehose = Math.max(e.windowBytes, e.lastWindowBytes) > SCREEN_FIREHOSE_BYTES_PER_WINDOW;
    const wait = e.oldestDataAt + SCREEN_FIREHOSE_FRAME_MS - now;
    if (!firehose || wait <= 0) return false;
    e.frameTimer = setTimeout(() => {
      e.frameTimer = null;
      e.frameDue = true;
      this.pump(id, e);
    }, Math.ceil(wait));
    return true;
  }
}

/** Counts arriving output toward the rate window. */
function noteData(e: Entry, bytes: number): void {
  const now = performance.now();
  if (now - e.windowStart >= SCREEN_FIREHOSE_WINDOW_MS) {
    // A window with nothing in it between the last and now: the rate is what the last window saw, or nothing.
    e.lastWindowBytes = now - e.windowStart < 2 * SCREEN_FIREHOSE_WINDOW_MS ? e.windowBytes : 0;
    e.windowBytes = 0;
    e.windowStart = now;
  }
  e.windowBytes += bytes;
  if (e.oldestDataAt === 0) e.oldestDataAt = now;
}

/** True when the terminal's parser has no escape sequence half-read and the screen is a plain scrolling one. */
function fastPathAllowed(term: HeadlessTerminal): boolean {
  const core = (term as unknown as { _core?: { _inputHandler?: { _parser?: { currentState?: number } }; _bufferService?: { buffer?: { scrollTop: number; scrollBottom: number } } } })._core;
  // HACK: parser state and scroll region are internal to xterm.js; without them the fast path stays off.
  const parserState = core?._inputHandler?._parser?.currentState;
  const buf = core?._bufferService?.buffer;
  if (parserState !== 0 || !buf) return false;
  const modes = term.modes;
  return (
    term.buffer.active.type === 'normal' &&
    buf.scrollTop === 0 &&
    buf.scrollBottom === term.rows - 1 &&
    !modes.insertMode &&
    !modes.originMode
  );
}
