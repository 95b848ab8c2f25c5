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
}

const port = parentPort!;
const terms = new Map<number, Entry>();

function post(msg: FromWorker): void {
  port.postMessage(msg);
}

function open(id: number, cols: number, rows: number, scrollback: number): void {
  const term = new Terminal({ cols, rows, scrollback, allowProposedApi: true, convertEol: false });
  const ser = new SerializeAddon();
  term.loadAddon(ser);
  const entry: Entry = { term, ser, title: '', jobs: [], busy: false, scrollback };
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
