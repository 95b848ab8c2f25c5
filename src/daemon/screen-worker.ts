// The screen worker: one @xterm/headless terminal per session, parsed off the daemon's main thread so the
// parser (the slowest stage of the output pipeline) never delays reading the pty or writing the log.
// Messages are handled strictly in order, so a snapshot request reflects every byte posted before it.
// This file holds the message loop and the terminals' entries; screen-jobs.ts queues and batches each
// terminal's work; screen-hibernation.ts decides when a terminal left alone hibernates (screen-hibernate.ts packs
// it) and revives it, in its turn in the same order, for the next job that needs it; screen-memory.ts gives the
// memory of disposed terminals back to the system.
import { parentPort, workerData } from 'node:worker_threads';
import type { ScreenSnapshot } from './screen-snapshot.js';
import type { ToWorker, FromWorker, ScreenWorkerData } from './screen-messages.js';
import { linesOf, newScreenTerm, viewOf, type HeadlessTerminal, type ScreenView } from './screen-hibernate.js';
import { ScreenJobs } from './screen-jobs.js';
import { clipScreen } from './screen-clip.js';
import { newEntry, type Entry, type Job } from './screen-entry.js';
import { ScreenHibernation } from './screen-hibernation.js';
import { MemoryRelease } from './screen-memory.js';
import { SCREEN_APP_STATE_MAX_CHARS, SCREEN_HIBERNATE_CHECKS_PER_DELAY } from './limits.js';


const { hibernateMs, logHibernation } = workerData as ScreenWorkerData;

const port = parentPort!;
const terms = new Map<number, Entry>();

function post(msg: FromWorker): void {
  port.postMessage(msg);
}

const hibernation = new ScreenHibernation({
  terms,
  hibernateMs,
  logHibernation,
  post,
  wire,
  pump: (id, e) => jobs.pump(id, e),
  disposed: () => memory.noteDisposed(),
});
const jobs = new ScreenJobs({ post, wake: (id, e) => hibernation.wake(id, e) });
const memory = new MemoryRelease(post, () => hibernation.pending);

function open(id: number, cols: number, rows: number, scrollback: number): void {
  const st = newScreenTerm(cols, rows, scrollback);
  const entry = newEntry(st, scrollback);
  wire(id, entry, st.term);
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
    entry.appState = data.slice(0, SCREEN_APP_STATE_MAX_CHARS);
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

function enqueue(id: number, job: Job): void {
  jobs.enqueue(id, terms.get(id), job);
}

setInterval(() => {
  hibernation.sweep();
  memory.release();
}, Math.max(1, Math.floor(hibernateMs / SCREEN_HIBERNATE_CHECKS_PER_DELAY))).unref();

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
            case 'clip':
              value = clipScreen(e.st!.term, m.size!.cols, m.size!.rows);
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
            memory.noteDisposed();
          }
          terms.delete(m.id);
        },
      });
      return;
  }
});
