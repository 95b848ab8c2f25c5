// Runs one real agent in a real pseudoterminal with a headless terminal beside it, the way the cw daemon
// does, so the capture kit can drive it through its states and write what the screen shows as a fixture.
// Terminal queries (cursor position, device attributes) are answered by the headless terminal, as cw does
// while nobody is attached.
import pty from 'node-pty';
import xtermHeadless from '@xterm/headless';

const { Terminal } = xtermHeadless;

export class AgentPty {
  /**
   * @param {{ file: string, args?: string[], env: Record<string,string>, cwd: string, cols?: number, rows?: number }} opts
   */
  constructor(opts) {
    this.cols = opts.cols ?? 120;
    this.rows = opts.rows ?? 40;
    this.title = '';
    this.raw = [];
    this.exited = null;
    this._listeners = new Set();
    this.term = new Terminal({ cols: this.cols, rows: this.rows, scrollback: 5000, allowProposedApi: true });
    this.term.onTitleChange((t) => {
      this.title = t;
      this._notify();
    });
    this.pty = pty.spawn(opts.file, opts.args ?? [], {
      name: 'xterm-256color',
      cols: this.cols,
      rows: this.rows,
      cwd: opts.cwd,
      env: { TERM: 'xterm-256color', COLORTERM: 'truecolor', ...opts.env },
    });
    this.term.onData((d) => {
      if (!this.exited) this.pty.write(d);
    });
    this.pty.onData((d) => {
      this.raw.push(d);
      this.term.write(d, () => this._notify());
    });
    this.pty.onExit((e) => {
      this.exited = e;
      this._notify();
    });
  }

  _notify() {
    for (const l of [...this._listeners]) l();
  }

  /** Visible rows, cursor, title and modes: the same shape as the daemon's ScreenSnapshot. */
  screen() {
    const buf = this.term.buffer.active;
    const lines = [];
    for (let y = 0; y < this.term.rows; y++) lines.push(buf.getLine(buf.baseY + y)?.translateToString(true) ?? '');
    return {
      cols: this.term.cols,
      rows: this.term.rows,
      lines,
      cursor: { x: buf.cursorX, y: buf.cursorY },
      title: this.title,
      altScreen: buf.type === 'alternate',
    };
  }

  /** The screen as plain text (for logs and error messages). */
  text() {
    return this.screen().lines.join('\n').replace(/\n+$/, '');
  }

  /** Everything the program wrote, as one string. */
  output() {
    return this.raw.join('');
  }

  write(data) {
    this.pty.write(data);
  }

  /** Types text as one bracketed paste when `paste`, then Enter after `enterDelayMs`. */
  async type(text, { enter = true, paste = false, enterDelayMs = 150 } = {}) {
    this.write(paste ? `\x1b[200~${text}\x1b[201~` : text);
    if (enter) {
      await new Promise((r) => setTimeout(r, enterDelayMs));
      this.write('\r');
    }
  }

  resize(cols, rows) {
    this.cols = cols;
    this.rows = rows;
    this.pty.resize(cols, rows);
    this.term.resize(cols, rows);
  }

  /**
   * Resolves with the screen once `pred(screen, text)` holds; rejects with the current screen after the
   * timeout. Evaluated on every parsed write and title change, and every 200 ms (timers in the agent).
   */
  waitFor(pred, { timeoutMs = 30_000, what = 'condition' } = {}) {
    return new Promise((resolve, reject) => {
      let done = false;
      const check = () => {
        if (done) return;
        const s = this.screen();
        let ok = false;
        try {
          ok = pred(s, s.lines.join('\n'));
        } catch {
          ok = false;
        }
        if (ok) finish(null, s);
        else if (this.exited && !pred.allowExit) finish(new Error(`agent exited (${JSON.stringify(this.exited)}) while waiting for ${what}\n--- screen ---\n${this.text()}`));
      };
      const finish = (err, s) => {
        done = true;
        clearInterval(tick);
        clearTimeout(timer);
        this._listeners.delete(check);
        if (err) reject(err);
        else resolve(s);
      };
      const tick = setInterval(check, 200);
      const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n--- screen (title ${JSON.stringify(this.title)}) ---\n${this.text()}`)), timeoutMs);
      this._listeners.add(check);
      check();
    });
  }

  /** Waits until the screen has not changed for `quietMs` (the agent finished drawing). */
  async settle(quietMs = 700, timeoutMs = 15_000) {
    let last = '';
    let since = Date.now();
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const now = JSON.stringify(this.screen()) + this.title;
      if (now !== last) {
        last = now;
        since = Date.now();
      } else if (Date.now() - since >= quietMs) return this.screen();
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.screen();
  }

  async kill() {
    if (this.exited) return;
    const gone = new Promise((r) => this.pty.onExit(() => r()));
    try {
      process.kill(-this.pty.pid, 'SIGTERM');
    } catch {
      this.pty.kill('SIGTERM');
    }
    const t = setTimeout(() => {
      try {
        process.kill(-this.pty.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, 3000);
    await gone;
    clearTimeout(t);
    this.term.dispose();
  }
}

/**
 * A fixture file for tests/fixtures/screens/AGENT/: `key: value` header, `---`, the visible rows verbatim
 * (trailing blank rows dropped). See tests/unit/activity-infer.test.ts for the keys.
 */
export function fixtureText(screen, { expect, note, source, quietMs }) {
  const lines = [...screen.lines];
  while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
  const header = [
    `cols: ${screen.cols}`,
    `rows: ${screen.rows}`,
    `title: ${screen.title.replace(/\n/g, ' ')}`,
    `expect: ${expect}`,
    `cursor: ${screen.cursor.x},${screen.cursor.y}`,
  ];
  if (screen.altScreen) header.push('altScreen: true');
  if (quietMs !== undefined) header.push(`quietMs: ${quietMs}`);
  if (source) header.push(`source: ${source}`);
  if (note) header.push(`note: ${note}`);
  return `${header.join('\n')}\n---\n${lines.join('\n')}\n`;
}
