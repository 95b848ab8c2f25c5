// A session's screen drawn for a terminal of another size (tmux's window-size): rows and columns past the
// client's are cut, and a client larger than the session sees the rest blank. Runs in the screen worker, on the
// headless terminal that is the truth, so the client's own terminal never wraps or scrolls a line the
// program drew for another width (which is what garbled two clients of different sizes).
import type { IBufferCell } from '@xterm/headless';
import type { HeadlessTerminal } from './screen-hibernate.js';

/**
 * Escape sequences that redraw every row of a cols x rows terminal with the session's screen, clipped, and put
 * the cursor where the program's is (hidden when the program hid it or it falls outside). When the cursor is
 * below the client's last row, the view shows the rows that end at the cursor's, as tmux pans to it.
 */
export function clipScreen(term: HeadlessTerminal, cols: number, rows: number): string {
  const buf = term.buffer.active;
  const w = Math.min(cols, term.cols);
  const h = Math.min(rows, term.rows);
  const top = buf.cursorY >= h ? buf.cursorY - h + 1 : 0;
  const cell = buf.getNullCell();
  let out = '\x1b[?25l\x1b[0m';
  for (let y = 0; y < rows; y++) {
    out += `\x1b[${y + 1};1H`;
    const line = y < h ? buf.getLine(buf.baseY + top + y) : undefined;
    let x = 0;
    if (line) {
      // Trailing blanks are left to the erase below: a mostly empty screen costs a few bytes a row.
      let end = w;
      while (end > 0 && blank(line.getCell(end - 1, cell)!)) end--;
      let sgr = '\x1b[0m';
      while (x < end) {
        line.getCell(x, cell);
        const width = cell.getWidth();
        if (width === 0) {
          x++; // the right half of a wide character, drawn with its left half
          continue;
        }
        if (x + width > w) break; // a wide character cut by the edge: leave its column blank
        const s = sgrOf(cell);
        if (s !== sgr) out += s;
        sgr = s;
        out += cell.getChars() || ' ';
        x += width;
      }
      out += '\x1b[0m';
    }
    // EL at the last column would erase that column's character (the wrap is pending there): only before it.
    if (x < cols) out += '\x1b[K';
  }
  const cx = buf.cursorX;
  const cy = buf.cursorY - top;
  if (cx < w && cy >= 0 && cy < h) {
    out += `\x1b[${cy + 1};${cx + 1}H`;
    if (!cursorHidden(term)) out += '\x1b[?25h';
  }
  return out;
}

/** A cell that looks like an erased one: no character (or a space) on the default background, not inverse. */
function blank(c: IBufferCell): boolean {
  const ch = c.getChars();
  return (ch === '' || ch === ' ') && c.isBgDefault() && !c.isInverse() && !c.isUnderline() && !c.isStrikethrough();
}

/** The SGR sequence that sets a cell's attributes from the default ones. */
export function sgrOf(c: IBufferCell): string {
  let p = '0';
  if (c.isBold()) p += ';1';
  if (c.isDim()) p += ';2';
  if (c.isItalic()) p += ';3';
  if (c.isUnderline()) p += ';4';
  if (c.isBlink()) p += ';5';
  if (c.isInverse()) p += ';7';
  if (c.isInvisible()) p += ';8';
  if (c.isStrikethrough()) p += ';9';
  p += colour(c.isFgRGB(), c.isFgPalette(), c.getFgColor(), 30, 90, 38);
  p += colour(c.isBgRGB(), c.isBgPalette(), c.getBgColor(), 40, 100, 48);
  return `\x1b[${p}m`;
}

function colour(rgb: boolean, palette: boolean, v: number, base: number, bright: number, extended: number): string {
  if (rgb) return `;${extended};2;${(v >> 16) & 255};${(v >> 8) & 255};${v & 255}`;
  if (!palette) return '';
  if (v < 8) return `;${base + v}`;
  if (v < 16) return `;${bright + v - 8}`;
  return `;${extended};5;${v}`;
}

/** HACK: xterm has no public API for DECTCEM (cursor shown or hidden); read its core, and show it when that moved. */
function cursorHidden(term: HeadlessTerminal): boolean {
  const core = (term as unknown as { _core?: { coreService?: { isCursorHidden?: unknown } } })._core;
  return core?.coreService?.isCursorHidden === true;
}
