// Hibernation of an idle headless terminal. An xterm Terminal costs ~300 KiB even for a blank 120x40 screen
// (its services, parser tables and one typed array per row) and ~6 MiB with a full 2000-line scrollback, while
// the same screen serialized as escape sequences and deflated is a few hundred bytes to a few hundred KiB. So a
// terminal that has been idle for a while is serialized, kept as that compact form, and disposed; the next byte,
// resize or query that needs it recreates it from that form.
//
// The serialize addon carries the cells (text, colours, wide and combining characters, soft wraps), the cursor
// and both buffers. What it does not carry is copied here, field by field, from xterm's internals: the saved
// cursors (DECSC), scroll regions, tab stops, the character sets, the current attributes, the DEC private modes,
// insert mode, cursor visibility, mouse protocol and encoding, the title stacks, the join state of the last
// printed character (combining marks, REP). What can be neither is a reason not to hibernate (see
// hibernateBlocker): an escape sequence or UTF-8 character half-read, an open OSC 8 hyperlink.
// Lost on purpose, because nothing the daemon reports shows it (serialize, snapshots and lines drop it too):
// underline styles and colours of cells already written, hyperlinks of cells already written, the DECSCA
// protected flag's erase protection. The revived terminal reports exactly what the original reported.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import xtermHeadless from '@xterm/headless';
import serializeAddon from '@xterm/addon-serialize';
import type { IBuffer } from '@xterm/headless';
import type { ScreenSnapshot } from './screen-snapshot.js';

const { Terminal } = xtermHeadless;
const { SerializeAddon } = serializeAddon;

export type HeadlessTerminal = InstanceType<typeof Terminal>;
export type Serializer = InstanceType<typeof SerializeAddon>;

/** One session's terminal and its serializer. */
export interface ScreenTerm {
  term: HeadlessTerminal;
  ser: Serializer;
}

export function newScreenTerm(cols: number, rows: number, scrollback: number): ScreenTerm {
  const term = new Terminal({ cols, rows, scrollback, allowProposedApi: true, convertEol: false });
  const ser = new SerializeAddon();
  term.loadAddon(ser);
  return { term, ser };
}

/** The part of a snapshot that lives in the terminal itself (title, bell and progress are kept beside it). */
export type ScreenView = Pick<ScreenSnapshot, 'cols' | 'rows' | 'lines' | 'cursor' | 'altScreen' | 'bracketedPaste'>;

export function viewOf(term: HeadlessTerminal): ScreenView {
  const buf = term.buffer.active;
  const lines: string[] = [];
  for (let y = 0; y < term.rows; y++) lines.push(buf.getLine(buf.baseY + y)?.translateToString(true) ?? '');
  return {
    cols: term.cols,
    rows: term.rows,
    lines,
    cursor: { x: buf.cursorX, y: buf.cursorY },
    altScreen: buf.type === 'alternate',
    bracketedPaste: term.modes.bracketedPasteMode,
  };
}

/** Scrollback (up to `maxScrollback` lines) plus visible rows as plain text, top to bottom, soft wraps joined. */
export function linesOf(term: HeadlessTerminal, maxScrollback: number): string[] {
  const buf = term.buffer.active;
  const start = Math.max(0, buf.baseY - maxScrollback);
  const out: string[] = [];
  for (let y = start; y < buf.baseY + term.rows; y++) {
    const line = buf.getLine(y);
    if (!line) continue;
    const text = line.translateToString(true);
    // A soft-wrapped row continues the previous line.
    if (line.isWrapped && out.length > 0) out[out.length - 1] += text;
    else out.push(text);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// xterm's internals. HACK: none of this is public API; every field is checked on the way in, so a version of
// xterm that renamed one simply never hibernates (internals() returns null) instead of reviving wrongly.

interface Attr {
  fg: number;
  bg: number;
  extended: { urlId: number; clone(): unknown };
}
interface BufferInternals {
  x: number;
  y: number;
  ybase: number;
  ydisp: number;
  lines: { length: number; get(i: number): { isWrapped: boolean } | undefined };
  savedX: number;
  savedY: number;
  savedCurAttrData: Attr;
  savedCharset: unknown;
  scrollTop: number;
  scrollBottom: number;
  tabs: Record<number, boolean | undefined>;
}
interface Internals {
  parser: { currentState: number; precedingJoinState: number };
  input: {
    _curAttrData: Attr;
    _windowTitle: string;
    _iconName: string;
    _windowTitleStack: string[];
    _iconNameStack: string[];
    _utf8Decoder: { interim: Uint8Array };
    _stringDecoder: { _interim: number };
    _parseStack: { paused: boolean };
  };
  normal: BufferInternals;
  alt: BufferInternals;
  core: { decPrivateModes: Record<string, unknown>; modes: { insertMode: boolean }; isCursorHidden: boolean; isCursorInitialized: boolean };
  mouse: { activeProtocol: string; activeEncoding: string };
  charset: { charset: unknown; glevel: number; _charsets: unknown[] };
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isNum = (v: unknown): v is number => typeof v === 'number';

function bufferOk(b: unknown): b is BufferInternals {
  return (
    isObj(b) &&
    isNum(b.x) && isNum(b.y) && isNum(b.ybase) && isNum(b.ydisp) && isNum(b.savedX) && isNum(b.savedY) &&
    isObj(b.lines) && isNum(b.lines.length) && typeof b.lines.get === 'function' &&
    isNum(b.scrollTop) && isNum(b.scrollBottom) && isObj(b.tabs) && attrOk(b.savedCurAttrData) && 'savedCharset' in b
  );
}
function attrOk(a: unknown): a is Attr {
  return isObj(a) && isNum(a.fg) && isNum(a.bg) && isObj(a.extended) && isNum(a.extended.urlId) && typeof a.extended.clone === 'function';
}

function internals(term: HeadlessTerminal): Internals | null {
  const core = (term as unknown as { _core?: Record<string, unknown> })._core;
  if (!isObj(core)) return null;
  const input = core._inputHandler;
  const buffers = isObj(core._bufferService) ? core._bufferService.buffers : undefined;
  const coreService = core.coreService;
  const mouse = core.coreMouseService;
  const charset = core._charsetService;
  if (!isObj(input) || !isObj(buffers) || !isObj(coreService) || !isObj(mouse) || !isObj(charset)) return null;
  const parser = input._parser;
  if (!isObj(parser) || !isNum(parser.currentState) || !isNum(parser.precedingJoinState)) return null;
  if (!attrOk(input._curAttrData) || typeof input._windowTitle !== 'string' || typeof input._iconName !== 'string') return null;
  if (!Array.isArray(input._windowTitleStack) || !Array.isArray(input._iconNameStack)) return null;
  if (!isObj(input._utf8Decoder) || !(input._utf8Decoder.interim instanceof Uint8Array)) return null;
  if (!isObj(input._stringDecoder) || !isNum(input._stringDecoder._interim)) return null;
  if (!isObj(input._parseStack) || typeof input._parseStack.paused !== 'boolean') return null;
  if (!bufferOk(buffers.normal) || !bufferOk(buffers.alt)) return null;
  if (!isObj(coreService.decPrivateModes) || !isObj(coreService.modes) || typeof coreService.isCursorHidden !== 'boolean') return null;
  if (typeof mouse.activeProtocol !== 'string' || typeof mouse.activeEncoding !== 'string') return null;
  // `charset` (the active table) is absent until a designation sets it.
  if (!isNum(charset.glevel) || !Array.isArray(charset._charsets)) return null;
  return {
    parser: parser as Internals['parser'],
    input: input as unknown as Internals['input'],
    normal: buffers.normal,
    alt: buffers.alt,
    core: coreService as unknown as Internals['core'],
    mouse: mouse as unknown as Internals['mouse'],
    charset: charset as unknown as Internals['charset'],
  };
}

/** xterm's own starting size of its decode buffer, in UTF-32 code units (16 KiB). */
const PARSE_BUFFER_KEEP = 4096;

/**
 * Gives back the decode buffer a big write grew: xterm sizes it to the longest write it ever parsed, up to
 * 128 Ki code units (512 KiB), and keeps it for the terminal's life, so every terminal a firehose batch ever
 * reached would hold one. Not while a parse is paused: xterm resumes it from that buffer.
 */
export function trimParseBuffer(term: HeadlessTerminal): void {
  const input = (term as unknown as { _core?: { _inputHandler?: Record<string, unknown> } })._core?._inputHandler;
  const buf = input?._parseBuffer;
  const stack = input?._parseStack;
  if (!(buf instanceof Uint32Array) || buf.length <= PARSE_BUFFER_KEEP || !isObj(stack) || stack.paused !== false) return;
  input!._parseBuffer = new Uint32Array(PARSE_BUFFER_KEEP);
}

/**
 * Why this terminal cannot be hibernated right now, or null when it can. The caller also makes sure no write is
 * pending (the worker's job queue is empty and the parser idle).
 */
export function hibernateBlocker(term: HeadlessTerminal): string | null {
  const x = internals(term);
  if (!x) return 'unknown xterm internals';
  // Half an escape sequence, OSC or DCS string: its bytes live in the parser and cannot be serialized.
  if (x.parser.currentState !== 0 || x.input._parseStack.paused) return 'parser inside a sequence';
  // Half a UTF-8 character at the end of the last chunk: the rest would decode against a fresh decoder.
  if (x.input._utf8Decoder.interim.some((b) => b !== 0) || x.input._stringDecoder._interim !== 0) return 'half a character';
  // An open OSC 8 hyperlink: its id points into this terminal's link registry, which does not survive.
  if (x.input._curAttrData.extended.urlId !== 0) return 'open hyperlink';
  return null;
}

interface CarriedBuffer {
  /** The cursor; x may be `cols` (a wrap pending), which no escape sequence can set. */
  x: number;
  y: number;
  ydisp: number;
  /** Rows that continue the row above (soft wraps); the replay writes every row on its own. */
  wrapped: number[];
  savedX: number;
  savedY: number;
  savedFg: number;
  savedBg: number;
  /** A reference to one of xterm's charset tables (module constants, shared by every terminal of the worker). */
  savedCharset: unknown;
  scrollTop: number;
  scrollBottom: number;
  /** Columns with a tab stop, or null for xterm's default (every 8 columns). */
  tabs: number[] | null;
}

interface Carried {
  normal: CarriedBuffer;
  alt: CarriedBuffer;
  fg: number;
  bg: number;
  extended: unknown;
  decPrivateModes: Record<string, unknown>;
  insertMode: boolean;
  cursorHidden: boolean;
  cursorInitialized: boolean;
  cursorBlink: boolean;
  mouseProtocol: string;
  mouseEncoding: string;
  charsets: unknown[];
  glevel: number;
  charset: unknown;
  precedingJoinState: number;
  windowTitle: string;
  iconName: string;
  windowTitleStack: string[];
  iconNameStack: string[];
}

/** A disposed terminal's state: enough to recreate it exactly. */
export interface Hibernated {
  cols: number;
  rows: number;
  scrollback: number;
  /**
   * The replay, UTF-8, raw-deflated, held as a one-byte string (one char per byte): in the JS heap, which V8
   * compacts and gives back, not in malloc's, where each long-lived block would pin the freed terminals' rows
   * above it and keep them resident.
   */
  packed: string;
  /** Length of the serialized text, for diagnostics. */
  chars: number;
  carried: Carried;
  /** What snapshots of this terminal show, answered without reviving it. */
  view: ScreenView;
}

/** Stops of xterm's default tab setup: every 8 columns from 0. */
function defaultTabs(tabs: Record<number, boolean | undefined>, cols: number): number[] | null {
  const set: number[] = [];
  for (const k of Object.keys(tabs)) if (tabs[Number(k)]) set.push(Number(k));
  set.sort((a, b) => a - b);
  let isDefault = true;
  let expect = 0;
  for (const c of set) {
    if (c !== expect) isDefault = false;
    expect += 8;
  }
  if (expect < cols) isDefault = false;
  return isDefault ? null : set;
}

function carryBuffer(b: BufferInternals, cols: number): CarriedBuffer {
  const wrapped: number[] = [];
  for (let i = 0; i < b.lines.length; i++) if (b.lines.get(i)?.isWrapped) wrapped.push(i);
  return {
    x: b.x,
    y: b.y,
    ydisp: b.ydisp,
    wrapped,
    savedX: b.savedX,
    savedY: b.savedY,
    savedFg: b.savedCurAttrData.fg,
    savedBg: b.savedCurAttrData.bg,
    savedCharset: b.savedCharset,
    scrollTop: b.scrollTop,
    scrollBottom: b.scrollBottom,
    tabs: defaultTabs(b.tabs, cols),
  };
}

// ---------------------------------------------------------------------------------------------------------
// The replay: escape sequences that rebuild both buffers cell by cell in a fresh terminal of the same size.
// Not the serialize addon's output: that one is meant for a real terminal of any size, and it emits attribute
// changes as differences in a fixed order, so `bold on, dim off` comes out as `1;22`, and 22 turns both off: the
// bold is lost (likewise dim after bold-and-dim). Here every attribute change is absolute (`0;…`), each row is
// written on its own (soft wraps, the cursor and pending wraps are put back directly), and blank cells are
// skipped or erased with their background, as they were, never written as spaces.

const CM_MASK = 0x3000000;
const CM_P16 = 0x1000000;
const CM_P256 = 0x2000000;
const CM_RGB = 0x3000000;

interface Cell {
  fg: number;
  bg: number;
  getWidth(): number;
  getChars(): string;
  getFgColorMode(): number;
  getBgColorMode(): number;
  getFgColor(): number;
  getBgColor(): number;
  isBold(): number;
  isDim(): number;
  isItalic(): number;
  isUnderline(): number;
  isBlink(): number;
  isInverse(): number;
  isInvisible(): number;
  isStrikethrough(): number;
  isOverline(): number;
}

function colourParams(mode: number, c: number, base: number, ext: number): string {
  switch (mode & CM_MASK) {
    case CM_P16:
      return `;${c < 8 ? base + c : base + 60 + (c - 8)}`;
    case CM_P256:
      return `;${ext};5;${c}`;
    case CM_RGB:
      return `;${ext};2;${(c >>> 16) & 0xff};${(c >>> 8) & 0xff};${c & 0xff}`;
    default:
      return '';
  }
}

/** The SGR that sets exactly this cell's attributes, from a reset. */
function sgrOf(cell: Cell): string {
  let p = '0';
  if (cell.isBold()) p += ';1';
  if (cell.isDim()) p += ';2';
  if (cell.isItalic()) p += ';3';
  if (cell.isUnderline()) p += ';4';
  if (cell.isBlink()) p += ';5';
  if (cell.isInverse()) p += ';7';
  if (cell.isInvisible()) p += ';8';
  if (cell.isStrikethrough()) p += ';9';
  if (cell.isOverline()) p += ';53';
  p += colourParams(cell.getFgColorMode(), cell.getFgColor(), 30, 38);
  p += colourParams(cell.getBgColorMode(), cell.getBgColor(), 40, 48);
  return `\x1b[${p}m`;
}

/** Background colour bits of an attribute: all that a blank cell keeps (xterm's erase attributes). */
const BG_COLOUR_MASK = CM_MASK | 0xffffff;

/** Rows of one buffer as escape sequences, top row first, separated by CR LF; attributes reset at the end. */
function replayBuffer(buf: IBuffer, cols: number): string {
  const cell = buf.getNullCell() as unknown as Cell;
  const parts: string[] = [];
  let fg = 0;
  let bg = 0;
  for (let y = 0; y < buf.length; y++) {
    if (y > 0) {
      // Reset first: a line feed at the bottom scrolls in a blank row with the current background.
      if (fg !== 0 || bg !== 0) parts.push('\x1b[0m');
      fg = 0;
      bg = 0;
      parts.push('\r\n');
    }
    const line = buf.getLine(y);
    if (!line) continue;
    /** Blank cells to move over before the next thing written. */
    let skip = 0;
    let x = 0;
    while (x < cols) {
      line.getCell(x, cell as never);
      const width = Math.max(1, cell.getWidth());
      const chars = cell.getChars();
      if (chars !== '') {
        if (skip > 0) parts.push(`\x1b[${skip}C`);
        skip = 0;
        if (cell.fg !== fg || cell.bg !== bg) {
          parts.push(sgrOf(cell));
          fg = cell.fg;
          bg = cell.bg;
        }
        parts.push(chars);
        x += width;
        continue;
      }
      // A blank cell keeps only a background; with the default one there is nothing to write.
      const blankBg = cell.bg & BG_COLOUR_MASK;
      if (blankBg === 0) {
        skip += width;
        x += width;
        continue;
      }
      if (skip > 0) parts.push(`\x1b[${skip}C`);
      if (fg !== 0 || bg !== blankBg) {
        parts.push(`\x1b[0${colourParams(cell.getBgColorMode(), cell.getBgColor(), 40, 48)}m`);
        fg = 0;
        bg = blankBg;
      }
      // The whole run of blanks with this background at once: ECH erases with it and does not move the cursor.
      let n = width;
      while (x + n < cols) {
        line.getCell(x + n, cell as never);
        if (cell.getChars() !== '' || (cell.bg & BG_COLOUR_MASK) !== blankBg) break;
        n += Math.max(1, cell.getWidth());
      }
      parts.push(`\x1b[${n}X`);
      skip = n;
      x += n;
    }
  }
  if (fg !== 0 || bg !== 0) parts.push('\x1b[0m');
  return parts.join('');
}

/** Escape sequences that rebuild the normal buffer, and the alternate one over it when it is active. */
function replayOf(term: HeadlessTerminal): string {
  let s = replayBuffer(term.buffer.normal, term.cols);
  if (term.buffer.active.type === 'alternate') s += `\x1b[?1049h\x1b[H${replayBuffer(term.buffer.alternate, term.cols)}`;
  return s;
}

/** Raw deflate at its fastest level: a 2000-line scrollback packs in a few ms; text compresses 5–10×. */
const PACK_LEVEL = 1;

/**
 * Captures everything needed to recreate `t`, or returns null when hibernateBlocker says no. Does not dispose it.
 */
export function hibernate(t: ScreenTerm): Hibernated | null {
  const { term } = t;
  if (hibernateBlocker(term) !== null) return null;
  const x = internals(term)!;
  const text = replayOf(term);
  const packed = deflateRawSync(Buffer.from(text, 'utf8'), { level: PACK_LEVEL }).toString('latin1');
  const cur = x.input._curAttrData;
  const carried: Carried = {
    normal: carryBuffer(x.normal, term.cols),
    alt: carryBuffer(x.alt, term.cols),
    fg: cur.fg,
    bg: cur.bg,
    extended: cur.extended.clone(),
    decPrivateModes: { ...x.core.decPrivateModes },
    insertMode: x.core.modes.insertMode,
    cursorHidden: x.core.isCursorHidden,
    cursorInitialized: x.core.isCursorInitialized,
    cursorBlink: term.options.cursorBlink ?? false,
    mouseProtocol: x.mouse.activeProtocol,
    mouseEncoding: x.mouse.activeEncoding,
    charsets: [...x.charset._charsets],
    glevel: x.charset.glevel,
    charset: x.charset.charset,
    precedingJoinState: x.parser.precedingJoinState,
    windowTitle: x.input._windowTitle,
    iconName: x.input._iconName,
    windowTitleStack: [...x.input._windowTitleStack],
    iconNameStack: [...x.input._iconNameStack],
  };
  return { cols: term.cols, rows: term.rows, scrollback: term.options.scrollback ?? 0, packed, chars: text.length, carried, view: viewOf(term) };
}

function restoreBuffer(b: BufferInternals, c: CarriedBuffer): void {
  b.x = c.x;
  b.y = c.y;
  b.ydisp = c.ydisp;
  for (const i of c.wrapped) {
    const line = b.lines.get(i);
    if (line) line.isWrapped = true;
  }
  b.savedX = c.savedX;
  b.savedY = c.savedY;
  b.savedCurAttrData.fg = c.savedFg;
  b.savedCurAttrData.bg = c.savedBg;
  b.savedCharset = c.savedCharset;
  b.scrollTop = c.scrollTop;
  b.scrollBottom = c.scrollBottom;
  if (c.tabs) {
    const tabs: Record<number, boolean> = {};
    for (const col of c.tabs) tabs[col] = true;
    b.tabs = tabs;
  }
}

/**
 * Recreates a hibernated terminal: a new one of the same size, the serialized buffers written into it (parsing is
 * asynchronous), then the carried state put back. `done` gets it once it is exactly the terminal that was
 * hibernated. No terminal reply can come out of the replay: it holds only text, SGR, cursor moves and 1049h.
 */
export function revive(h: Hibernated, done: (t: ScreenTerm) => void): void {
  const t = newScreenTerm(h.cols, h.rows, h.scrollback);
  const text = inflateRawSync(Buffer.from(h.packed, 'latin1')).toString('utf8');
  t.term.write(text, () => {
    const x = internals(t.term);
    // Same xterm module as the one that hibernated it, so its internals are there; without them the replayed
    // cells are still right, only the carried state is missing.
    if (!x) return done(t);
    const c = h.carried;
    restoreBuffer(x.normal, c.normal);
    restoreBuffer(x.alt, c.alt);
    const cur = x.input._curAttrData;
    cur.fg = c.fg;
    cur.bg = c.bg;
    cur.extended = (c.extended as Attr['extended']).clone() as Attr['extended'];
    Object.assign(x.core.decPrivateModes, c.decPrivateModes);
    x.core.modes.insertMode = c.insertMode;
    x.core.isCursorHidden = c.cursorHidden;
    x.core.isCursorInitialized = c.cursorInitialized;
    if (t.term.options.cursorBlink !== c.cursorBlink) t.term.options.cursorBlink = c.cursorBlink;
    x.mouse.activeProtocol = c.mouseProtocol;
    x.mouse.activeEncoding = c.mouseEncoding;
    x.charset._charsets = [...c.charsets];
    x.charset.glevel = c.glevel;
    x.charset.charset = c.charset;
    x.parser.precedingJoinState = c.precedingJoinState;
    x.input._windowTitle = c.windowTitle;
    x.input._iconName = c.iconName;
    x.input._windowTitleStack = [...c.windowTitleStack];
    x.input._iconNameStack = [...c.iconNameStack];
    done(t);
  });
}

/**
 * Everything of a terminal's state that hibernation promises to keep, as plain data: tests compare it before
 * and after a round trip (cells are compared through the serializer and the snapshot).
 */
export function stateOf(term: HeadlessTerminal): Record<string, unknown> | null {
  const x = internals(term);
  if (!x) return null;
  const buf = (b: BufferInternals): Record<string, unknown> => ({
    x: b.x,
    y: b.y,
    ybase: b.ybase,
    ydisp: b.ydisp,
    savedX: b.savedX,
    savedY: b.savedY,
    savedFg: b.savedCurAttrData.fg,
    savedBg: b.savedCurAttrData.bg,
    savedCharset: b.savedCharset,
    scrollTop: b.scrollTop,
    scrollBottom: b.scrollBottom,
    tabs: defaultTabs(b.tabs, term.cols),
    wrapped: carryBuffer(b, term.cols).wrapped,
  });
  const ext = x.input._curAttrData.extended as unknown as Record<string, unknown>;
  return {
    active: term.buffer.active.type,
    normal: buf(x.normal),
    alt: buf(x.alt),
    normalLength: term.buffer.normal.length,
    altLength: term.buffer.alternate.length,
    fg: x.input._curAttrData.fg,
    bg: x.input._curAttrData.bg,
    underlineStyle: ext.underlineStyle,
    underlineColor: ext.underlineColor,
    decPrivateModes: { ...x.core.decPrivateModes },
    insertMode: x.core.modes.insertMode,
    cursorHidden: x.core.isCursorHidden,
    cursorBlink: term.options.cursorBlink ?? false,
    mouseProtocol: x.mouse.activeProtocol,
    mouseEncoding: x.mouse.activeEncoding,
    charsets: [...x.charset._charsets],
    glevel: x.charset.glevel,
    charset: x.charset.charset,
    precedingJoinState: x.parser.precedingJoinState,
    windowTitle: x.input._windowTitle,
    iconName: x.input._iconName,
    windowTitleStack: [...x.input._windowTitleStack],
    iconNameStack: [...x.input._iconNameStack],
  };
}
