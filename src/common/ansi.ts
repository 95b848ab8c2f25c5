// Turning terminal output into clean text: escape sequences removed, lines laid out the way a terminal
// lays them out. Pure and streaming: chunks may split a sequence or a UTF-8 character anywhere.
//
// The stripper holds one line, a row of cells under a cursor, so text placed with cursor moves comes out
// with the spaces it stands for (Ink TUIs such as Claude Code set words apart with `ESC[nC` and `ESC[nG`
// rather than spaces) and text written over text replaces it:
//   - a printable character writes at the cursor, overwriting, and moves it right by its width (1; 2 for
//     CJK and most emoji; combining marks join the cell before and take none); other C0 controls, DEL and
//     C1 controls write nothing;
//   - CR goes to column 0; BS and `ESC[nD` move left, never past column 0 (BS erases nothing, as on a
//     terminal); `ESC[nC`/`ESC[na` move right; `ESC[nG`/`ESC[n\`` set the column (1-based); a gap left by
//     a move reads as spaces;
//   - a tab moves to the next multiple of 8; at the end of the line it is kept as a tab (tab-separated
//     output stays so), over existing text it only moves, as on a terminal;
//   - `ESC[K`/`ESC[0K` erase to the end of the line, `ESC[1K` to its start (cursor included), `ESC[2K` all
//     of it; `ESC[nX` blanks n cells; `ESC[nP` deletes and `ESC[n@` inserts cells (line editors use them);
//     `ESC[J`/`ESC[1J` erase the line as `ESC[K`/`ESC[1K` do when the cursor is on it, or all of it when
//     it lies in the erased part of the screen; `ESC[2J` erases it; `ESC[3J` (scrollback) does nothing;
//   - LF and `ESC E` (to column 0) and `ESC D` (column kept) end the line: it is emitted with trailing
//     blanks (spaces, tabs, no-break spaces) trimmed, even when empty.
//
// Other rows. A line stream cannot take back a line it has emitted and we keep no screen (the daemon's
// headless terminal is the screen), so a move to another row (`ESC[nA`, `ESC[nF`, `ESC M` up; `ESC[nB`,
// `ESC[nE`, `ESC[ne` down; `ESC[r;cH`, `ESC[r;cf`, `ESC[nd`; restoring a saved cursor) only moves the
// cursor. The line ends when something is written on another row: it is emitted then if it holds text (a
// blank one is dropped, or a TUI hopping between rows would leave runs of empty lines nobody wrote), and
// the other row starts a fresh line at the cursor's column. So a redrawn row comes out again as a new line,
// and the log shows its states in order, where writing the redraw over the held line would merge two
// rows' text into one. Moving away and back without writing elsewhere keeps the line: full-screen TUIs
// park the cursor on another row between updates of a spinner or a counter, and those updates resolve
// within the line instead of each coming out as a fragment. Erasing on another row leaves the line alone.
// Rows are known from an absolute move (H, f, d) and followed through relative moves; LF also goes one row
// down, but we do not know the screen's height, so cannot tell whether it scrolled: after a LF rows are
// counted afresh, from a number no absolute move names (an absolute move then never joins the line held
// since, which at worst splits a row in two, never merges two). Relative moves and LF alone keep counting
// from where the stream started. Scrolling (`ESC[nS`, `ESC[nT`, `ESC[nL`, `ESC[nM`, `ESC M` on the top
// row) and switching screens move the content under the cursor, so they detach the line (its row then
// matches none).
//
// Widths are capped so a hostile stream cannot make us allocate or print without bound: a move never takes
// the cursor past column MAX_COL - 1 (nor past the text already on a longer line), so a few bytes such as
// `ESC[99999999C` yield at most MAX_COL blank cells; and a line that text alone makes longer than MAX_LINE
// cells is broken there, as a terminal wraps at its margin (nothing is lost, and memory stays bounded on a
// stream that never ends a line). MAX_LINE is far above MAX_COL because long lines written as plain text
// (JSON events, long compiler command lines) are common and must come out whole.

const MAX_COL = 4096;
const MAX_LINE = 1 << 20;
/** The row the stream starts on, before any absolute move: far from every real row number. */
const START_ROW = -(2 ** 40);
/** How far apart the fresh counts after a LF start (more than any real run of relative moves). */
const ROW_EPOCH = 2 ** 24;

const enum St {
  Ground,
  Esc,
  /** ESC [ ... final byte 0x40–0x7e */
  Csi,
  /** ESC ] ... BEL or ST */
  Osc,
  /** ESC P / X / ^ / _ ... ST (DCS, SOS, PM, APC) */
  Str,
  /** ESC inside an OSC or string: ST is ESC \ */
  StrEsc,
  /** ESC ( etc.: one more byte */
  EscArg,
}

export class AnsiStripper {
  private _st = St.Ground;
  private readonly _decoder = new TextDecoder('utf-8', { fatal: false });
  private _strIsOsc = false;
  /**
   * The held line, one UTF-16 code unit per cell in [0, _len): the cell's character, ' ' for a blank,
   * COVERED for a cell covered by the wide character or tab to its left, or COMPLEX for a cell whose text
   * (a surrogate pair, combining marks) is in _complex. Entries past _len are stale. A typed array rather
   * than an array of strings: writing it and reading it back as a string are several times faster.
   */
  private _cells: Uint16Array = new Uint16Array(256);
  private _complex: string[] = [];
  /** Whether the line may hold COVERED or COMPLEX cells (else it reads back in one go). */
  private _special = false;
  /** Where _joined gathers a line holding special cells. */
  private _scratch: Uint16Array = new Uint16Array(0);
  private _len = 0;
  private _col = 0;
  /** The cursor's row, and the held line's (NaN when detached: it matches no row). */
  private _row = START_ROW;
  private _lineRow = START_ROW;
  private _savedRow = START_ROW;
  private _savedCol = 0;
  /** Where the last fresh count of rows started. */
  private _epoch = START_ROW;
  /** CSI being read: its first two parameters, the index of the one being read, its private marker (0 if none), and whether it had intermediates. */
  private _p0 = 0;
  private _p1 = 0;
  private _pn = 0;
  private _mark = 0;
  private _inter = false;
  /** Lines produced by the current push. */
  private _out = '';

  /** Feeds bytes; returns the complete lines produced so far (each ending in '\n'). */
  push(chunk: Uint8Array): string {
    this._feed(this._decoder.decode(chunk, { stream: true }));
    const out = this._out;
    this._out = '';
    return out;
  }

  /** The unfinished last line, if any (call at the end of the stream). */
  flush(): string {
    this._feed(this._decoder.decode());
    const line = this._out + this._joined(this._textEnd());
    this._out = '';
    this._reset();
    return line;
  }

  private _feed(text: string): void {
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      switch (this._st) {
        case St.Ground:
          if (c >= 0x20 && c < 0x7f) {
            let j = i + 1;
            while (j < n) {
              const d = text.charCodeAt(j);
              if (d < 0x20 || d >= 0x7f) break;
              j++;
            }
            this._writeAscii(text, i, j);
            i = j - 1;
          } else if (c === 0x1b) this._st = St.Esc;
          else if (c === 0x0a) this._newline(0);
          else if (c === 0x0d) this._col = 0;
          else if (c === 0x08) {
            if (this._col > 0) this._col--;
          } else if (c === 0x09) this._tab();
          else if (c === 0x9b) this._csiStart();
          else if (c >= 0xa0) {
            let cp = c;
            let ch: string;
            if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
              cp = ((c - 0xd800) << 10) + (text.charCodeAt(i + 1) - 0xdc00) + 0x10000;
              ch = text.slice(i, i + 2);
              i++;
            } else ch = text[i]!;
            const w = cellWidth(cp);
            if (w === 0) this._combine(ch);
            else this._put(ch, w);
          }
          // other C0 and C1 controls and DEL (BEL, SO, SI...) write nothing
          break;
        case St.Esc:
          if (c === 0x5b) this._csiStart();
          else if (c === 0x5d) {
            this._st = St.Osc;
            this._strIsOsc = true;
          } else if (c === 0x50 || c === 0x58 || c === 0x5e || c === 0x5f) {
            this._st = St.Str;
            this._strIsOsc = false;
          } else if (c >= 0x20 && c <= 0x2f) this._st = St.EscArg;
          else {
            this._st = St.Ground;
            this._esc(c);
          }
          break;
        case St.EscArg:
          this._st = St.Ground;
          break;
        case St.Csi:
          if (c >= 0x30 && c <= 0x39) {
            if (this._pn === 0) this._p0 = Math.min(this._p0 * 10 + c - 0x30, 0xffffff);
            else if (this._pn === 1) this._p1 = Math.min(this._p1 * 10 + c - 0x30, 0xffffff);
          } else if (c === 0x3b || c === 0x3a) this._pn++;
          else if (c >= 0x40 && c <= 0x7e) {
            this._st = St.Ground;
            this._csi(c);
          } else if (c >= 0x3c && c <= 0x3f) {
            if (this._mark === 0) this._mark = c;
          } else if (c >= 0x20) this._inter = true; // intermediates (and anything else that is not a control)
          break;
        case St.Osc:
        case St.Str:
          if (c === 0x07 && this._strIsOsc) this._st = St.Ground;
          else if (c === 0x1b) this._st = St.StrEsc;
          break;
        case St.StrEsc:
          this._st = c === 0x5c ? St.Ground : this._strIsOsc ? St.Osc : St.Str;
          break;
      }
    }
  }

  /** A two-byte escape ESC c. */
  private _esc(c: number): void {
    switch (c) {
      case 0x45: // E: next line
        this._newline(0);
        break;
      case 0x44: // D: index
        this._newline(this._col);
        break;
      case 0x4d: // M: reverse index; on the top row it scrolls the screen down
        if (this._row === 0) this._lineRow = NaN;
        else this._up(1);
        break;
      case 0x37: // 7: save cursor
        this._save();
        break;
      case 0x38: // 8: restore cursor
        this._restore();
        break;
      // everything else (keypad modes, charsets' single shifts...) changes no text
    }
  }

  private _csiStart(): void {
    this._st = St.Csi;
    this._p0 = this._p1 = this._pn = this._mark = 0;
    this._inter = false;
  }

  private _csi(final: number): void {
    if (this._inter) return;
    if (this._mark !== 0) {
      // DEC private modes: only switching to or from the alternate screen matters here
      if (this._mark === 0x3f && (final === 0x68 || final === 0x6c) && (isScreenMode(this._p0) || isScreenMode(this._p1))) this._lineRow = NaN;
      return;
    }
    const n = this._p0 || 1; // count or 1-based position; 0 and missing both mean 1
    const onLine = this._row === this._lineRow;
    switch (final) {
      case 0x43: // C: cursor forward
      case 0x61: // a: character position relative
        this._col = this._clampCol(this._col + n);
        break;
      case 0x44: // D: cursor back
        this._col = Math.max(0, this._col - n);
        break;
      case 0x47: // G: cursor character absolute
      case 0x60: // `: character position absolute
        this._col = this._clampCol(n - 1);
        break;
      case 0x4b: // K: erase in line
        if (!onLine) break;
        if (this._p0 === 0) this._eraseRight();
        else if (this._p0 === 1) this._eraseLeft();
        else if (this._p0 === 2) this._len = 0;
        break;
      case 0x4a: // J: erase in display
        if (this._p0 === 2) this._len = 0;
        else if (this._p0 > 1) break;
        else if (onLine) {
          if (this._p0 === 0) this._eraseRight();
          else this._eraseLeft();
        } else if (this._row >= 0 && this._lineRow >= 0 && (this._p0 === 0) === this._lineRow > this._row) this._len = 0;
        break;
      case 0x58: // X: erase characters
        if (onLine) this._blank(this._col, this._col + n);
        break;
      case 0x50: // P: delete characters
        if (onLine) this._delete(n);
        break;
      case 0x40: // @: insert blank characters
        if (onLine) this._insert(n);
        break;
      case 0x41: // A: cursor up
        this._up(n);
        break;
      case 0x46: // F: cursor previous line
        this._up(n);
        this._col = 0;
        break;
      case 0x42: // B: cursor down
      case 0x65: // e: line position relative
        this._row += n;
        break;
      case 0x45: // E: cursor next line
        this._row += n;
        this._col = 0;
        break;
      case 0x64: // d: line position absolute
        this._row = n - 1;
        break;
      case 0x48: // H: cursor position
      case 0x66: // f: horizontal and vertical position
        this._row = n - 1;
        this._col = this._clampCol((this._pn >= 1 ? this._p1 || 1 : 1) - 1);
        break;
      case 0x72: // r: set the scrolling region, which homes the cursor
        this._row = 0;
        this._col = 0;
        break;
      case 0x53: // S: scroll up
      case 0x54: // T: scroll down
      case 0x4c: // L: insert lines
      case 0x4d: // M: delete lines
        this._lineRow = NaN;
        break;
      case 0x73: // s: save cursor
        this._save();
        break;
      case 0x75: // u: restore cursor
        this._restore();
        break;
      // everything else (SGR, modes, reports...) changes no text
    }
  }

  /** One row down by LF (or a wrap): it may have scrolled, so a known row becomes one counted afresh. */
  private _down1(): void {
    if (this._row >= 0) this._row = this._epoch -= ROW_EPOCH;
    else this._row++;
  }

  private _up(n: number): void {
    // The top row is known only when rows are: a move past it stops there.
    this._row = this._row >= 0 ? Math.max(0, this._row - n) : this._row - n;
  }

  private _save(): void {
    this._savedRow = this._row;
    this._savedCol = this._col;
  }

  private _restore(): void {
    this._row = this._savedRow;
    this._col = this._clampCol(this._savedCol);
  }

  private _clampCol(col: number): number {
    return col < MAX_COL ? col : Math.max(MAX_COL - 1, Math.min(col, this._len));
  }

  /** Before writing on a row other than the held line's: emits that line (if it holds text) and starts a fresh one here. */
  private _sync(): void {
    const end = this._textEnd();
    if (end > 0) this._out += this._joined(end) + '\n';
    this._reset();
    this._lineRow = this._row;
  }

  /** Writes text[from, to), all printable ASCII, at the cursor. */
  private _writeAscii(text: string, from: number, to: number): void {
    if (this._row !== this._lineRow) this._sync();
    let col = this._col;
    let i = from;
    while (i < to) {
      if (col >= MAX_LINE) {
        this._wrap();
        col = 0;
      }
      const end = Math.min(to, i + MAX_LINE - col);
      this._make(col, end - i);
      const cells = this._cells;
      for (; i < end; i++) cells[col++] = text.charCodeAt(i);
      if (col > this._len) this._len = col;
    }
    this._col = col;
  }

  /** Writes one character covering w cells at the cursor. */
  private _put(ch: string, w: number): void {
    if (this._row !== this._lineRow) this._sync();
    if (this._col + w > MAX_LINE) this._wrap();
    const col = this._col;
    this._make(col, w);
    const cells = this._cells;
    if (ch.length === 1) cells[col] = ch.charCodeAt(0);
    else {
      cells[col] = COMPLEX;
      this._complex[col] = ch;
      this._special = true;
    }
    if (w > 1) {
      cells.fill(COVERED, col + 1, col + w);
      this._special = true;
    }
    this._col = col + w;
    if (this._col > this._len) this._len = this._col;
  }

  /** Appends a zero-width character to the cell before the cursor (dropped if there is none). */
  private _combine(ch: string): void {
    const cells = this._cells;
    let p = this._col - 1;
    if (p >= this._len || this._row !== this._lineRow) return;
    while (p > 0 && cells[p] === COVERED) p--;
    if (p < 0 || cells[p] === 0x09) return;
    if (cells[p] === COMPLEX) this._complex[p] += ch;
    else {
      this._complex[p] = String.fromCharCode(cells[p]!) + ch;
      cells[p] = COMPLEX;
      this._special = true;
    }
  }

  private _tab(): void {
    const col = this._col;
    if (col >= MAX_LINE) return;
    const stop = Math.min((col & ~7) + 8, MAX_LINE);
    if (col >= this._len && this._row === this._lineRow) {
      this._put('\t', stop - col);
      this._special = true;
    } else this._col = stop;
  }

  /**
   * Readies cells [col, col + w) to be overwritten: pads the line with blanks up to col, and blanks what
   * is left of a wide character or tab that the write cuts through at either end.
   */
  private _make(col: number, w: number): void {
    if (col + w > this._cells.length) this._grow(col + w);
    const cells = this._cells;
    const len = this._len;
    if (col >= len) {
      cells.fill(0x20, len, col);
      this._len = col;
      return;
    }
    if (cells[col] === COVERED) this._breakBefore(col);
    if (col + w < len && cells[col + w] === COVERED) this._breakFrom(col + w);
  }

  /** Blanks the head and covered cells, left of p, of the wide character or tab that covers cell p. */
  private _breakBefore(p: number): void {
    const cells = this._cells;
    let h = p;
    while (h > 0 && cells[h - 1] === COVERED) h--;
    if (h > 0) h--;
    cells.fill(0x20, h, p);
  }

  /** Blanks the covered cells from p on (their head is being overwritten). */
  private _breakFrom(p: number): void {
    const cells = this._cells;
    for (; p < this._len && cells[p] === COVERED; p++) cells[p] = 0x20;
  }

  private _eraseRight(): void {
    const col = this._col;
    if (col >= this._len) return;
    if (this._cells[col] === COVERED) this._breakBefore(col);
    this._len = col;
  }

  private _eraseLeft(): void {
    const cells = this._cells;
    const end = this._col + 1;
    if (end >= this._len) {
      this._len = 0;
      return;
    }
    if (cells[end] === COVERED) this._breakFrom(end);
    cells.fill(0x20, 0, end);
  }

  /** Blanks cells [from, to) without moving the cursor. */
  private _blank(from: number, to: number): void {
    const cells = this._cells;
    if (from >= this._len) return;
    if (cells[from] === COVERED) this._breakBefore(from);
    if (to >= this._len) {
      this._len = from;
      return;
    }
    if (cells[to] === COVERED) this._breakFrom(to);
    cells.fill(0x20, from, to);
  }

  /** Deletes n cells at the cursor, pulling the rest of the line left. */
  private _delete(n: number): void {
    const col = this._col;
    const len = this._len;
    if (col >= len) return;
    const cells = this._cells;
    if (cells[col] === COVERED) this._breakBefore(col);
    if (col + n >= len) {
      this._len = col;
      return;
    }
    if (cells[col + n] === COVERED) this._breakFrom(col + n);
    if (this._special) this._beforeShift(col + n, len, -n);
    cells.copyWithin(col, col + n, len);
    this._len = len - n;
  }

  /** Inserts n blank cells at the cursor, pushing the rest of the line right; cells pushed past the margin are lost. */
  private _insert(n: number): void {
    const col = this._col;
    const len = this._len;
    if (col >= len) return;
    const cells = this._cells;
    if (cells[col] === COVERED) {
      this._breakBefore(col);
      this._breakFrom(col);
    }
    const margin = Math.max(MAX_COL, len);
    n = Math.min(n, margin - col);
    const kept = Math.min(len, margin - n); // cells [col, kept) move to [col + n, kept + n)
    if (kept < len && cells[kept] === COVERED) this._breakBefore(kept);
    const newLen = Math.min(len + n, margin);
    if (newLen > this._cells.length) this._grow(newLen);
    const after = this._cells;
    if (this._special) this._beforeShift(col, kept, n);
    after.copyWithin(col + n, col, kept);
    after.fill(0x20, col, col + n);
    this._len = newLen;
  }

  /**
   * Before cells [from, to) move by `by`: moves the text of complex cells along, and turns tabs into the
   * spaces they stand for (moved off their tab stop, a tab would no longer stand for the same width).
   */
  private _beforeShift(from: number, to: number, by: number): void {
    const cells = this._cells;
    const complex = this._complex;
    if (by > 0) {
      for (let p = to - 1; p >= from; p--) if (cells[p] === COMPLEX) complex[p + by] = complex[p]!;
    } else for (let p = from; p < to; p++) if (cells[p] === COMPLEX) complex[p + by] = complex[p]!;
    for (let p = from; p < to; p++) {
      if (cells[p] === 0x09) {
        cells[p] = 0x20;
        this._breakFrom(p + 1);
      }
    }
  }

  /** Index after the last cell that is not blank (a space, tab or no-break space). */
  private _textEnd(): number {
    const cells = this._cells;
    let end = this._len;
    while (end > 0) {
      const u = cells[end - 1];
      if (u !== 0x20 && u !== COVERED && u !== 0x09 && u !== 0xa0) break;
      end--;
    }
    return end;
  }

  /** The text of cells [0, end). */
  private _joined(end: number): string {
    const cells = this._cells;
    if (!this._special) return unitsToString(cells, 0, end);
    // Gather the code units into _scratch, leaving out covered cells and spelling out complex ones.
    let buf = this._scratch;
    let n = 0;
    for (let p = 0; p < end; p++) {
      const u = cells[p]!;
      if (n + 2 > buf.length) buf = this._scratch = grown(buf, n + 2 + end - p);
      if (u > COMPLEX) buf[n++] = u;
      else if (u === COMPLEX) {
        const s = this._complex[p]!;
        if (n + s.length > buf.length) buf = this._scratch = grown(buf, n + s.length + end - p);
        for (let k = 0; k < s.length; k++) buf[n++] = s.charCodeAt(k);
      }
    }
    return unitsToString(buf, 0, n);
  }

  private _grow(need: number): void {
    this._cells = grown(this._cells, need);
  }

  /** Empties the line (the cursor's column is capped: no text is left to reach past MAX_COL). */
  private _reset(): void {
    this._len = 0;
    if (this._col >= MAX_COL) this._col = MAX_COL - 1;
    this._special = false;
    if (this._cells.length > 2 * MAX_COL) {
      // give back what a very long line took
      this._cells = new Uint16Array(256);
      this._complex = [];
    }
    if (this._scratch.length > 2 * MAX_COL) this._scratch = new Uint16Array(0);
  }

  /** LF, NEL, IND: ends the held line, empty or not, and goes a row down (from the cursor's row) to col. */
  private _newline(col: number): void {
    this._out += this._joined(this._textEnd()) + '\n';
    this._down1();
    this._col = col;
    this._reset();
    this._lineRow = this._row;
  }

  /** Breaks a line that reached MAX_LINE cells, keeping all of it (blanks included), and goes on on the next row. */
  private _wrap(): void {
    this._out += this._joined(this._len) + '\n';
    this._down1();
    this._col = 0;
    this._reset();
    this._lineRow = this._row;
  }
}

function isScreenMode(mode: number): boolean {
  return mode === 47 || mode === 1047 || mode === 1049;
}

/** Cell values that are not a character's code unit (C0 controls never take a cell). */
const COVERED = 0;
const COMPLEX = 1;

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
const utf16 = new TextDecoder('utf-16le');

/** A copy of a with room for at least need units (the size doubles, so appending stays linear). */
function grown(a: Uint16Array, need: number): Uint16Array {
  let size = Math.max(a.length, 64);
  while (size < need) size *= 2;
  const b = new Uint16Array(size);
  b.set(a);
  return b;
}

/** cells[from, to) read as UTF-16 code units. */
function unitsToString(cells: Uint16Array, from: number, to: number): string {
  if (from >= to) return '';
  if (LITTLE_ENDIAN) return utf16.decode(cells.subarray(from, to));
  let s = '';
  for (let p = from; p < to; p += 4096) s += String.fromCharCode(...cells.subarray(p, Math.min(to, p + 4096)));
  return s;
}

// Zero width: nonspacing and enclosing marks, format characters (ZWJ, bidi marks...), variation selectors.
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}]$/u;
const EMOJI = /^\p{Emoji_Presentation}$/u;
/** Widths of BMP characters already looked up, plus one (0: not yet). */
const bmpWidths = new Uint8Array(0x10000);

/** Cells a character takes on a terminal: 0, 1 or 2 (East Asian wide and fullwidth, emoji). */
function cellWidth(cp: number): number {
  if (cp < 0x300) return 1;
  if (cp < 0x10000) {
    const known = bmpWidths[cp]!;
    if (known !== 0) return known - 1;
    const w = computeWidth(cp);
    bmpWidths[cp] = w + 1;
    return w;
  }
  return computeWidth(cp);
}

function computeWidth(cp: number): number {
  const s = String.fromCodePoint(cp);
  if (ZERO_WIDTH.test(s) || (cp >= 0x1160 && cp <= 0x11ff)) return 0; // Hangul medial vowels, final consonants
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xa960 && cp <= 0xa97f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe10 && cp <= 0xfe19) ||
    (cp >= 0xfe30 && cp <= 0xfe6f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd) ||
    EMOJI.test(s)
  )
    return 2;
  return 1;
}

/** A line's text as a terminal would leave it: overwrites after CR, backspaces and cursor moves resolved. */
export function resolveLine(raw: string): string {
  return stripAnsi(new TextEncoder().encode(raw));
}

/** Strips a whole buffer at once. */
export function stripAnsi(bytes: Uint8Array): string {
  const s = new AnsiStripper();
  return s.push(bytes) + s.flush();
}
