// The screen worker: one @xterm/headless terminal per session, parsed off the daemon's main thread so the
// parser (the slowest stage of the output pipeline) never delays reading the pty or writing the log.
// Messages are handled strictly in order, so a snapshot request reflects every byte posted before it.
// A terminal left alone for a while is hibernated (screen-hibernate.ts) and revived, in its turn in the same
// order, by the next job that needs it.
import { parentPort, workerData } from 'node:worker_threads';
import type { ScreenSnapshot } from './screen-snapshot.js';
import type { ToWorker, FromWorker, ScreenWorkerData } from './screen-messages.js';
import { planScreenWrite } from './screen-fastpath.js';
import { hibernate, linesOf, newScreenTerm, revive, trimParseBuffer, viewOf, type HeadlessTerminal, type Hibernated, type ScreenTerm, type ScreenView } from './screen-hibernate.js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { memTrimUnavailable, trimMemory } from './memtrim.js';
import { MEMORY_RELEASE_MIN_INTERVAL_MS, MEMORY_TRIM_DELAY_MS, SCREEN_HIBERNATE_COST_FACTOR } from './limits.js';

/** A job that needs the terminal itself (a parsed screen), or only what a hibernated one keeps aside. */
type Job = { kind: 'data'; buf: Uint8Array } | { kind: 'run'; fn: () => void; needsTerm: boolean };

interface Entry {
  /** The live terminal, or null while it hibernates. */
  st: ScreenTerm | null;
  /** The hibernated state while `st` is null. */
  sleeping: Hibernated | null;
  title: string;
  lastBellAt?: number;
  progress?: { state: number; value: number };
  /** The last OSC 7501 state report (Codex: `state=working:app=codex`, `state=blocked:…:kind=permission`). */
  appState?: string;
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
  /** When a job last used the terminal (performance.now ms): data, a resize, a read other than a snapshot. */
  lastUsed: number;
  /** How long the last hibernation plus revival took (ms): the terminal stays awake in proportion. */
  cycleMs: number;
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

const { hibernateMs, logHibernation } = workerData as ScreenWorkerData;
/** Idle terminals are looked for this many times per hibernate delay: each sleeps within 1.25× the delay. */
const HIBERNATE_CHECKS_PER_DELAY = 4;

const port = parentPort!;
const terms = new Map<number, Entry>();

function post(msg: FromWorker): void {
  port.postMessage(msg);
}

function open(id: number, cols: number, rows: number, scrollback: number): void {
  const entry: Entry = {
    st: null,
    sleeping: null,
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
    lastUsed: performance.now(),
    cycleMs: 0,
  };
  entry.st = newScreenTerm(cols, rows, scrollback);
  wire(id, entry, entry.st.term);
  terms.set(id, entry);
}

/** Connects a terminal (new or revived) to its entry and the daemon. */
function wire(id: number, entry: Entry, term: HeadlessTerminal): void {
  // Replies to terminal queries (device attributes, cursor position): the daemon forwards them to the pty
  // only while no real terminal is attached, so nothing answers twice.
  term.onData((data) => post({ t: 'respond', id, data }));
  // The title travels in snapshots (activity rules read it); nobody needs a message per change.
  term.onTitleChange((title) => {
    entry.title = title;
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
  // OSC 7501: an application's own state report. Codex 0.171 sends `state=idle|working|done|blocked:app=codex`
  // (`:kind=permission|question` when blocked) on every change; captured by the kit, see agents/codex.ts.
  term.parser.registerOscHandler(7501, (data) => {
    entry.appState = data.slice(0, 200);
    return false;
  });
}

function snapshot(e: Entry): ScreenSnapshot {
  // A hibernated terminal has not changed since it went to sleep: its view then is its view now.
  const v: ScreenView = e.st ? viewOf(e.st.term) : e.sleeping!.view;
  const snap: ScreenSnapshot = {
    cols: v.cols,
    rows: v.rows,
    lines: v.lines,
    cursor: v.cursor,
    title: e.title,
    altScreen: v.altScreen,
    bracketedPaste: v.bracketedPaste,
  };
  if (e.progress) snap.progress = e.progress;
  if (e.appState) snap.appState = e.appState;
  if (e.lastBellAt !== undefined) snap.lastBellAt = e.lastBellAt;
  return snap;
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

/** Recreates a hibernated terminal, then runs the jobs waiting for it (nothing else runs for it meanwhile). */
function wake(id: number, e: Entry): void {
  const h = e.sleeping!;
  e.sleeping = null;
  e.busy = true;
  const t0 = performance.now();
  const ready = (st: ScreenTerm): void => {
    e.st = st;
    wire(id, e, st.term);
    e.busy = false;
    const now = performance.now();
    e.cycleMs += now - t0;
    e.lastUsed = now;
    if (logHibernation) post({ t: 'revived', id, ms: now - t0 });
    pump(id, e);
  };
  try {
    revive(h, ready);
  } catch (err) {
    // Cannot happen with the xterm that packed it; if it does, this one session restarts blank (as all do when
    // the worker restarts) rather than the worker dying with every screen.
    post({ t: 'error', id, message: `could not revive the screen: ${(err as Error).message}` });
    ready(newScreenTerm(h.cols, h.rows, h.scrollback));
  }
}

/** Runs the next jobs of one terminal: a query or resize, or all queued data as one batch. */
function pump(id: number, e: Entry): void {
  while (!e.busy && e.jobs.length > 0) {
    const first = e.jobs[0]!;
    if (!e.st) {
      if (first.kind === 'data' || first.needsTerm) return wake(id, e);
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
    const plan = planScreenWrite(batch, fastPathAllowed(term), 2 * term.rows + e.scrollback + 2);
    e.busy = true;
    e.oldestDataAt = 0;
    e.frameDue = false;
    term.write(plan.data, () => {
      trimParseBuffer(term);
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

// ---------------------------------------------------------------------------------------------------------
// Hibernation: a sweep finds terminals unused for the delay and puts them to sleep one per turn of the event
// loop, so the messages of other sessions are handled in between (packing a full scrollback takes tens of ms).

/** Terminals due for hibernation, in the order found; handled one per turn. */
const due = new Set<number>();
let draining = false;

function idleEnough(e: Entry, now: number): boolean {
  return (
    e.st !== null &&
    !e.busy &&
    e.jobs.length === 0 &&
    e.frameTimer === null &&
    now - e.lastUsed >= Math.max(hibernateMs, SCREEN_HIBERNATE_COST_FACTOR * e.cycleMs)
  );
}

function sweep(): void {
  const now = performance.now();
  for (const [id, e] of terms) if (idleEnough(e, now)) due.add(id);
  if (due.size > 0 && !draining) {
    draining = true;
    setImmediate(hibernateNext);
  }
}

function hibernateNext(): void {
  const id = due.values().next().value;
  if (id === undefined) {
    draining = false;
    return;
  }
  due.delete(id);
  const e = terms.get(id);
  // Checked again: output, a read or a close may have come in since the sweep.
  if (e && idleEnough(e, performance.now())) {
    const t0 = performance.now();
    let h: Hibernated | null = null;
    try {
      h = hibernate(e.st!);
    } catch (err) {
      post({ t: 'error', id, message: `could not hibernate the screen: ${(err as Error).message}` });
    }
    if (h) {
      e.st!.term.dispose();
      e.st = null;
      e.sleeping = h;
      disposedSinceCollect++;
      const ms = performance.now() - t0;
      e.cycleMs = ms;
      if (logHibernation) post({ t: 'hibernated', id, bytes: h.packed.length, ms });
    } else {
      // Half a sequence or character is pending (see hibernateBlocker), or packing failed: look again after
      // another delay.
      e.lastUsed = performance.now();
    }
  }
  setImmediate(hibernateNext);
}

// ---------------------------------------------------------------------------------------------------------
// Giving memory back. A disposed terminal's rows are typed arrays whose memory (malloc'd, outside the JS heap) is
// freed only when this thread's heap is collected; an idle worker allocates too little for V8 to ever do that. So
// after terminals were disposed (hibernated or closed), and once nothing is left to hibernate, the worker collects
// its heap and returns the freed pages to the system (malloc_trim, which serves every thread's arena; see
// native/memtrim). Done here, not on the daemon's main thread, which relays every keystroke: a trim of a few
// hundred MiB of arena takes tens of ms. Looked at on each sweep; done at most once per
// MEMORY_RELEASE_MIN_INTERVAL_MS.

let disposedSinceCollect = 0;
let lastCollectAt = -Infinity;
let collectGarbage: (() => void) | null | undefined;

function fullGc(): (() => void) | null {
  if (collectGarbage === undefined) {
    try {
      // HACK: Node offers no way to start a collection without --expose-gc at start-up; setting the flag now
      // makes the next new context carry `gc`. The flag only adds that global.
      setFlagsFromString('--expose-gc');
      collectGarbage = runInNewContext('gc') as () => void;
    } catch {
      collectGarbage = null;
    }
  }
  return collectGarbage;
}

function releaseMemory(): void {
  if (disposedSinceCollect === 0 || draining || due.size > 0) return;
  const now = performance.now();
  if (now - lastCollectAt < MEMORY_RELEASE_MIN_INTERVAL_MS) return;
  const gc = fullGc();
  if (!gc) return;
  const terminals = disposedSinceCollect;
  disposedSinceCollect = 0;
  lastCollectAt = now;
  const rssBefore = process.memoryUsage.rss();
  gc();
  const gcMs = performance.now() - now;
  // V8 frees the dead arrays' memory on a background thread after the collection (concurrent array buffer
  // sweeping), so the trim waits for that.
  setTimeout(() => {
    const t = performance.now();
    trimMemory();
    const trimMs = performance.now() - t;
    post({ t: 'released', terminals, gcMs, trimMs, rssBefore, rssAfter: process.memoryUsage.rss(), unavailable: memTrimUnavailable() });
  }, MEMORY_TRIM_DELAY_MS).unref();
}

setInterval(() => {
  sweep();
  releaseMemory();
}, Math.max(1, Math.floor(hibernateMs / HIBERNATE_CHECKS_PER_DELAY))).unref();

port.on('message', (m: ToWorker) => {
  switch (m.t) {
    case 'open':
      open(m.id, m.cols, m.rows, m.scrollback);
      return;
    case 'data':
      enqueue(m.id, { kind: 'data', buf: m.buf });
      return;
    case 'resize':
      enqueue(m.id, { kind: 'run', needsTerm: true, fn: () => terms.get(m.id)?.st?.term.resize(m.cols, m.rows) });
      return;
    case 'query':
      enqueue(m.id, {
        kind: 'run',
        needsTerm: m.what !== 'snapshot',
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
              value = e.st!.ser.serialize({ scrollback: m.scrollback ?? 0 });
              break;
            case 'lines':
              value = linesOf(e.st!.term, m.scrollback ?? 0);
              break;
          }
          post({ t: 'reply', req: m.req, value });
        },
      });
      return;
    case 'close':
      enqueue(m.id, {
        kind: 'run',
        needsTerm: false,
        fn: () => {
          const e = terms.get(m.id);
          if (e?.st) {
            e.st.term.dispose();
            disposedSinceCollect++;
          }
          terms.delete(m.id);
        },
      });
      return;
  }
});
