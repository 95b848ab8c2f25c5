// The scrollback view (prefix then [): the session's history in the user's terminal, with a status line.
// Keys: arrows / j k, PgUp PgDn / Ctrl+B Ctrl+F, g G, / ? search, n N, v select, y copy (OSC 52), q or Esc back.
// Drawing goes through `write`; the model (scrollback.ts) holds the state.
import { osc52, ScrollbackModel } from './scrollback.js';

/** Lines the mouse wheel moves, as most terminals do. */
const WHEEL_LINES = 3;
/** One key or sequence: CSI (with SGR mouse), SS3, or one character. */
const TOKEN = /\x1b\[<[\d;]*[Mm]|\x1b\[[0-?]*[ -/]*[@-~]|\x1bO[A-Za-z]|[\s\S]/g;

export class ScrollView {
  /** The search being typed after / or ?, or null. */
  private _typing: { dir: 1 | -1; text: string } | null = null;
  private _message = '';

  constructor(
    readonly model: ScrollbackModel,
    private readonly _write: (s: string) => void,
    private _cols: number,
    private _rows: number,
  ) {}

  resize(cols: number, rows: number): void {
    this._cols = cols;
    this._rows = rows;
    this.model.height = Math.max(1, rows - 1);
    this.model.goto(this.model.cursor);
    this.draw();
  }

  /** Handles typed bytes; 'exit' when the user leaves the view. */
  feed(chunk: Uint8Array): 'exit' | null {
    const s = Buffer.from(chunk).toString('utf8');
    // A lone ESC is the Escape key (a sequence arrives whole in one read).
    const tokens = s === '\x1b' ? ['\x1b'] : (s.match(TOKEN) ?? []);
    for (const t of tokens) {
      if (this._key(legacyKey(t)) === 'exit') return 'exit';
    }
    this.draw();
    return null;
  }

  private _key(t: string): 'exit' | null {
    const m = this.model;
    if (this._typing) {
      const typing = this._typing;
      if (t === '\r' || t === '\n') {
        this._typing = null;
        this._found(m.search(typing.text, typing.dir), typing.text);
      } else if (t === '\x1b' || t === '\x03') this._typing = null;
      else if (t === '\x7f' || t === '\b') typing.text = typing.text.slice(0, -1);
      else if (t === '\x15') typing.text = '';
      else if (t.length === 1 && t >= ' ') typing.text += t;
      return null;
    }
    this._message = '';
    const wheel = /^\x1b\[<(\d+);\d+;\d+M$/.exec(t);
    if (wheel) {
      const b = Number(wheel[1]);
      if (b === 64) m.move(-WHEEL_LINES);
      else if (b === 65) m.move(WHEEL_LINES);
      return null;
    }
    switch (t) {
      case 'q':
      case '\x1b':
      case '\x03':
        return 'exit';
      case '\x1b[A':
      case '\x1bOA':
      case 'k':
        m.move(-1);
        break;
      case '\x1b[B':
      case '\x1bOB':
      case 'j':
      case '\r':
        m.move(1);
        break;
      case '\x1b[5~':
      case '\x02':
        m.page(-1);
        break;
      case '\x1b[6~':
      case '\x06':
      case ' ':
        m.page(1);
        break;
      case 'g':
      case '\x1b[H':
      case '\x1bOH':
        m.goto(0);
        break;
      case 'G':
      case '\x1b[F':
      case '\x1bOF':
        m.goto(m.lines.length - 1);
        break;
      case '/':
        this._typing = { dir: 1, text: '' };
        break;
      case '?':
        this._typing = { dir: -1, text: '' };
        break;
      case 'n':
        this._found(m.search('', 1), m.query);
        break;
      case 'N':
        this._found(m.search('', -1), m.query);
        break;
      case 'v':
        m.toggleMark();
        break;
      case 'y': {
        const text = m.copyText();
        this._write(osc52(text));
        const n = text === '' ? 0 : text.split('\n').length;
        this._message = `copied ${n} line${n === 1 ? '' : 's'} to the clipboard (OSC 52)`;
        m.mark = null;
        break;
      }
      default:
        break;
    }
    return null;
  }

  private _found(r: { ok: boolean; wrapped: boolean }, query: string): void {
    if (query === '') this._message = 'no search yet: / to search';
    else if (!r.ok) this._message = `not found: ${query}`;
    else if (r.wrapped) this._message = `search wrapped: ${query}`;
    else this._message = `found: ${query}`;
  }

  /** Redraws every row and the status line. */
  draw(): void {
    const m = this.model;
    let out = '\x1b[?25l';
    const rows = m.visible();
    for (let i = 0; i < rows.length; i++) {
      const at = m.top + i;
      const style = at === m.cursor && at < m.lines.length ? '\x1b[0;7m' : m.selected(at) ? '\x1b[0;30;47m' : '\x1b[0m';
      out += `\x1b[${i + 1};1H${style}${fit(rows[i]!, this._cols)}`;
    }
    const status = this._typing
      ? `${this._typing.dir === 1 ? '/' : '?'}${this._typing.text}`
      : `[cw scrollback] ${m.position()}${m.mark !== null ? ' · selecting' : ''}${this._message ? ` · ${this._message}` : ''} · ↑↓ PgUp PgDn g G · / n N search · v select · y copy · q back`;
    out += `\x1b[${this._rows};1H\x1b[0;7m${fit(status, this._cols - 1)}\x1b[0m`;
    if (this._typing) out += `\x1b[${this._rows};${Math.min(this._cols, this._typing.text.length + 2)}H\x1b[?25h`;
    this._write(out);
  }
}

/**
 * A key in the Kitty keyboard encoding (the program may have turned it on in the user's terminal) as the legacy
 * bytes the view reads: CSI code u for a plain key, CSI code;5u for Ctrl with a letter.
 */
export function legacyKey(t: string): string {
  const k = /^\x1b\[(\d+)(?:;(\d+)(?::\d+)?)?u$/.exec(t);
  if (!k) return t;
  const code = Number(k[1]);
  const mods = Number(k[2] ?? 1);
  if (mods === 5 && code >= 97 && code <= 122) return String.fromCharCode(code - 96);
  return mods === 1 || mods === 2 ? String.fromCodePoint(code) : t;
}

/** `text` cut or padded to exactly `width` characters (padding keeps a highlighted row's colour to the edge). */
function fit(text: string, width: number): string {
  const chars = Array.from(text);
  return chars.length >= width ? chars.slice(0, width).join('') : text + ' '.repeat(width - chars.length);
}
