// The screen worker: one @xterm/headless terminal per session, parsed off the daemon's main thread so the
// parser (the slowest stage of the output pipeline) never delays reading the pty or writing the log.
// Messages are handled strictly in order, so a snapshot request reflects every byte posted before it.
import { parentPort } from 'node:worker_threads';
import xtermHeadless from '@xterm/headless';
import serializeAddon from '@xterm/addon-serialize';
import type { ScreenSnapshot } from './screen-snapshot.js';
import type { ToWorker, FromWorker } from './screen-messages.js';

const { Terminal } = xtermHeadless;
const { SerializeAddon } = serializeAddon;

interface Entry {
  term: InstanceType<typeof Terminal>;
  ser: InstanceType<typeof SerializeAddon>;
  title: string;
  lastBellAt?: number;
  progress?: { state: number; value: number };
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
  const entry: Entry = { term, ser, title: '' };
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

port.on('message', (m: ToWorker) => {
  switch (m.t) {
    case 'open':
      open(m.id, m.cols, m.rows, m.scrollback);
      return;
    case 'data': {
      const e = terms.get(m.id);
      if (!e) return;
      const n = m.buf.byteLength;
      e.term.write(m.buf, () => post({ t: 'parsed', id: m.id, bytes: n }));
      return;
    }
    case 'resize': {
      const e = terms.get(m.id);
      if (e) e.term.resize(m.cols, m.rows);
      return;
    }
    case 'query': {
      const e = terms.get(m.id);
      if (!e) {
        post({ t: 'reply', req: m.req, value: null });
        return;
      }
      // An empty write's callback runs after every earlier write is parsed.
      e.term.write('', () => {
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
      });
      return;
    }
    case 'close': {
      const e = terms.get(m.id);
      if (e) e.term.dispose();
      terms.delete(m.id);
      return;
    }
  }
});
