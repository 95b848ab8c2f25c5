// The screen worker: one @xterm/headless terminal per session, parsed off the daemon's main thread so the
// parser (the slowest stage of the output pipeline) never delays reading the pty or writing the log.
// Messages are handled strictly in order, so a snapshot request reflects every byte posted before it.
import { parentPort } from 'node:worker_threads';
import xtermHeadless from '@xterm/headless';
import serializeAddon from '@xterm/addon-serialize';
import type { ScreenSnapshot } from './screen-snapshot.js';
import type { ToWorker, FromWorker } from './screen-messages.js';
import { planScreenWrite } from './screen-fastpath.js';

const { Terminal } = xtermHeadless;
const { SerializeAddon } = serializeAddon;

type Job = { kind: 'data'; buf: Uint8Array } | { kind: 'run'; fn: () => void };

interface Entry {
  term: InstanceType<typeof Terminal>;
  ser: InstanceType<typeof SerializeAddon>;
  title: string;
  lastBellAt?: number;
  progress?: { state: number; value: number };
  /**
   * Work for this terminal in arrival order. Data is written one batch at a time: while the parser works on
   * one batch, later chunks pile up and are written as the next batch (which the fast path may shorten).
   * Queries and resizes wait for the data before them, so a snapshot reflects every byte posted before it.
   */
  jobs: Job[];
  busy: boolean;
  scrollback: number;
  /** Bytes received in the current rate window, and when that window began (performance.now ms). */
  windowBytes: number;
  windowStart: number;
  /** Bytes of the previous full window: the recent output rate. */
  lastWindowBytes: number;
  /** When the oldest data job still queued arrived; a pending frame timer, if any. */
  oldestDataAt: number;
  frameTimer: NodeJS.Timeout | null;
  /** The frame timer fired: write what is queued at the next chance. */
  frameDue: boolean;
}

/**
 * A writer faster than this (bytes per FIREHOSE_WINDOW_MS) is a firehose: a `cat` of a big file, a build. Nobody
 * reads such output as it scrolls by, so, like a terminal that draws at most so many frames a second, the worker
 * parses it in batches at most every FIREHOSE_FRAME_MS: a big batch lets the fast path skip most of it, where
 * many small ones would each be parsed whole (the last screen and scrollback of every batch must be). Queries
 * (screen, status, attach) never wait: they take every queued byte first. Slower output is parsed as it comes.
 */
const FIREHOSE_WINDOW_MS = 100;
const FIREHOSE_BYTES_PER_WINDOW = 256 * 1024;
const FIREHOSE_FRAME_MS = 50;

const port = parentPort!;
const terms = new Map<number, Entry>();

function post(msg: FromWorker): void {
  port.postMessage(msg);
}

function open(id: number, cols: number, rows: number, scrollback: number): void {
  const term = new Terminal({ cols, rows, scrollback, allowProposedApi: true, convertEol: false });
  const ser = new SerializeAddon();
  term.loadAddon(ser);
  const entry: Entry = {
    term,
    ser,
    title: '',
    jobs: [],
    busy: false,
    scrollback,
    windowBytes: 0,
    windowStart: performance.now(),
    lastWindowBytes: 0,
    oldestDataAt: 0,
    frameTimer: null,
    frameDue: false,
  };
  // Replies to terminal queries (device attributes, cursor position): the daemon forwards them to the pty
  // only while no real terminal is attached, so nothing answers twice.
  term.onData((data) => post({ t: 'respond', id, data }));
  term.onTitleChange((title) => {
    entry.title = title;
    post({ t: 'title', id, title });
  });
  term.onBell(() => {
    entry.lastBellAt = Date.now();
  });
  // OSC 9;4;state;value: progress reports (Windows Terminal, ghostty; some agents use it while busy).
  term.parser.registerOscHandler(9, (data) => {
    const parts = data.split(';');
    if (parts[0] === '4') {
      entry.progress = { state: Number(parts[1] ?? 0) || 0, value: Number(parts[2] ?? 0) || 0 };
    }
    return false;
  });
  terms.set(id, entry);
}

function snapshot(e: Entry): ScreenSnapshot {
  const buf = e.term.buffer.active;
  const lines: string[] = [];
  for (let y = 0; y < e.term.rows; y++) lines.push(buf.getLine(buf.baseY + y)?.translateToString(true) ?? '');
  const snap: ScreenSnapshot = {
    cols: e.term.cols,
    rows: e.term.rows,
    lines,
    cursor: { x: buf.cursorX, y: buf.cursorY },
    title: e.title,
    altScreen: buf.type === 'alternate',
    bracketedPaste: e.term.modes.bracketedPasteMode,
  };
  if (e.progress) snap.progress = e.progress;
  if (e.lastBellAt !== undefined) snap.lastBellAt = e.lastBellAt;
  return snap;
}

/** Scrollback plus visible rows as plain text, top to bottom. */
function allLines(e: Entry, maxScrollback: number): string[] {
  const buf = e.term.buffer.active;
  const start = Math.max(0, buf.baseY - maxScrollback);
  const out: string[] = [];
  for (let y = start; y < buf.baseY + e.term.rows; y++) {
    const line = buf.getLine(y);
    if (!line) continue;
    const text = line.translateToString(true);
    // A soft-wrapped row continues the previous line.
    if (line.isWrapped && out.length > 0) out[out.length - 1] += text;
    else out.push(text);
  }
  return out;
}

/** True when the terminal's parser has no escape sequence half-read and the screen is a plain scrolling one. */
function fastPathAllowed(e: Entry): boolean {
  const core = (e.term as unknown as { _core?: { _inputHandler?: { _parser?: { currentState?: number } }; _bufferService?: { buffer?: { scrollTop: number; scrollBottom: number } } } })._core;
  // HACK: parser state and scroll region are internal to xterm.js; without them the fast path stays off.
  const parserState = core?._inputHandler?._parser?.currentState;
  const buf = core?._bufferService?.buffer;
  if (parserState !== 0 || !buf) return false;
  const modes = e.term.modes;
  return (
    e.term.buffer.active.type === 'normal' &&
    buf.scrollTop === 0 &&
    buf.scrollBottom === e.term.rows - 1 &&
    !modes.insertMode &&
    !modes.originMode
  );
}

/** Under a firehose, holds queued data (no query behind it) until the frame is due; true when it did. */
function deferFrame(id: number, e: Entry): boolean {
  if (e.frameTimer) return true;
  if (e.frameDue) return false;
  const now = performance.now();
  const firehose = Math.max(e.windowBytes, e.lastWindowBytes) > FIREHOSE_BYTES_PER_WINDOW;
  const wait = e.oldestDataAt + FIREHOSE_FRAME_MS - now;
  if (!firehose || wait <= 0) return false;
  e.frameTimer = setTimeout(() => {
    e.frameTimer = null;
    e.frameDue = true;
    pump(id, e);
  }, Math.ceil(wait));
  return true;
}

/** Counts arriving output toward the rate window. */
function noteData(e: Entry, bytes: number): void {
  const now = performance.now();
  if (now - e.windowStart >= FIREHOSE_WINDOW_MS) {
    // A window with nothing in it between the last and now: the rate is what the last window saw, or nothing.
    e.lastWindowBytes = now - e.windowStart < 2 * FIREHOSE_WINDOW_MS ? e.windowBytes : 0;
    e.windowBytes = 0;
    e.windowStart = now;
  }
  e.windowBytes += bytes;
  if (e.oldestDataAt === 0) e.oldestDataAt = now;
}

/** Runs the next jobs of one terminal: a query or resize, or all queued data as one batch. */
function pump(id: number, e: Entry): void {
  while (!e.busy && e.jobs.length > 0) {
    const first = e.jobs[0]!;
    if (first.kind === 'run') {
      e.jobs.shift();
      first.fn();
      continue;
    }
    let n = 0;
    let total = 0;
    while (n < e.jobs.length && e.jobs[n]!.kind === 'data') total += (e.jobs[n++] as { buf: Uint8Array }).buf.byteLength;
    if (n === e.jobs.length && deferFrame(id, e)) return;
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
    const plan = planScreenWrite(batch, fastPathAllowed(e), 2 * e.term.rows + e.scrollback + 2);
    e.busy = true;
    e.oldestDataAt = 0;
    e.frameDue = false;
    e.term.write(plan.data, () => {
      e.busy = false;
      post({ t: 'parsed', id, bytes: total });
      pump(id, e);
    });
  }
}

function enqueue(id: number, job: Job): void {
  const e = terms.get(id);
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
  pump(id, e);
}

port.on('message', (m: ToWorker) => {
  switch (m.t) {
    case 'open':
      open(m.id, m.cols, m.rows, m.scrollback);
      return;
    case 'data':
      enqueue(m.id, { kind: 'data', buf: m.buf });
      return;
    case 'resize':
      enqueue(m.id, { kind: 'run', fn: () => terms.get(m.id)?.term.resize(m.cols, m.rows) });
      return;
    case 'query':
      enqueue(m.id, {
        kind: 'run',
        fn: () => {
          const e = terms.get(m.id);
          if (!e) {
            post({ t: 'reply', req: m.req, value: null });
            return;
          }
          let value: unknown;
          switch (m.what) {
            case 'snapshot':
              value = snapshot(e);
              break;
            case 'serialize':
              value = e.ser.serialize({ scrollback: m.scrollback ?? 0 });
              break;
            case 'lines':
              value = allLines(e, m.scrollback ?? 0);
              break;
          }
          post({ t: 'reply', req: m.req, value });
        },
      });
      return;
    case 'close':
      enqueue(m.id, {
        kind: 'run',
        fn: () => {
          terms.get(m.id)?.term.dispose();
          terms.delete(m.id);
        },
      });
      return;
  }
});
