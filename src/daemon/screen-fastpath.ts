// Skipping work the screen can never show. When a program dumps thousands of plain lines (a log, a `cat`),
// only the last screenful plus the scrollback survive in the terminal; everything before scrolls out. For a
// batch of such output the parser may skip whole lines in the middle, keeping their colour changes, and
// reach exactly the same screen, scrollback and cursor. Pure: bytes in, bytes out; the caller checks the
// terminal's own state (normal buffer, full scroll region) before using it.

const ESC = 0x1b;
const LF = 0x0a;

/** Skipping pays off only for large batches; smaller ones are parsed as they are. */
export const FASTPATH_MIN_BATCH_BYTES = 256 * 1024;

/**
 * Scans `bytes[from, to)` for anything other than text, CR, LF, TAB, BS and complete SGR sequences
 * (`ESC [ digits ; : m`). Returns -1 when clean, else the offset of the first offending byte. C1 controls
 * encoded in UTF-8 (U+0080–U+009F) count as offending: a terminal acts on them.
 */
export function firstUnclean(bytes: Uint8Array, from: number, to: number): number {
  return scan(bytes, from, to).unclean;
}

interface Scan {
  /** Offset of the first byte the fast path cannot skip, or -1. */
  unclean: number;
  /** Offset of the last SGR sequence that starts with a reset (`ESC[m`, `ESC[0m`, `ESC[0;…m`, `ESC[;…m`), or `from`. */
  lastReset: number;
}

/**
 * One pass over the region to skip. The colour state after it depends only on the SGR sequences from the last
 * reset on (a reset forgets everything before it), so only those are kept: a build log, whose lines end in
 * `ESC[0m`, leaves a handful instead of one per colour change (and no garbage for the worker's collector).
 */
function scan(bytes: Uint8Array, from: number, to: number): Scan {
  let lastReset = from;
  for (let i = from; i < to; i++) {
    const b = bytes[i]!;
    if (b >= 0x20 && b !== 0x7f) {
      if (b === 0xc2 && i + 1 < to && bytes[i + 1]! >= 0x80 && bytes[i + 1]! <= 0x9f) return { unclean: i, lastReset };
      continue;
    }
    if (b === 0x0d || b === LF || b === 0x09 || b === 0x08) continue;
    if (b === ESC) {
      const end = sgrEnd(bytes, i, to);
      if (end < 0) return { unclean: i, lastReset };
      if (startsWithReset(bytes, i)) lastReset = i;
      i = end - 1;
      continue;
    }
    return { unclean: i, lastReset };
  }
  return { unclean: -1, lastReset };
}

/** End (exclusive) of a complete SGR sequence starting at `i`, or -1. */
function sgrEnd(bytes: Uint8Array, i: number, to: number): number {
  if (i + 2 >= to || bytes[i + 1] !== 0x5b) return -1;
  for (let j = i + 2; j < to && j - i < 64; j++) {
    const c = bytes[j]!;
    if (c === 0x6d) return j + 1; // 'm'
    if (!((c >= 0x30 && c <= 0x39) || c === 0x3b || c === 0x3a)) return -1;
  }
  return -1;
}

/**
 * Whether the complete SGR sequence at `i` begins with a reset: its first parameter is empty or `0`. Only the
 * first parameter is safe to read this way; a later 0 may be an argument (`38;5;0` is colour 0).
 */
function startsWithReset(bytes: Uint8Array, i: number): boolean {
  let j = i + 2;
  if (bytes[j] === 0x30) j++;
  return bytes[j] === 0x6d || bytes[j] === 0x3b;
}

/** Total length and the [start, end) ranges of the SGR sequences in `bytes[from, to)`, in order. */
function collectSgr(bytes: Uint8Array, from: number, to: number): { length: number; ranges: number[] } {
  const ranges: number[] = [];
  let length = 0;
  for (let i = from; i < to; i++) {
    if (bytes[i] !== ESC) continue;
    const end = sgrEnd(bytes, i, to);
    if (end > 0) {
      ranges.push(i, end);
      length += end - i;
      i = end - 1;
    }
  }
  return { length, ranges };
}

export interface ScreenWritePlan {
  /** What to give the parser instead of the batch. */
  data: Uint8Array;
  /** Bytes of the batch the parser does not have to read. */
  skipped: number;
}

/**
 * Plans the parser's input for one batch. `groundAtStart`: the parser has consumed everything before the
 * batch and sits in its ground state (no escape sequence or string half-read). `keepNewlines`: how many lines
 * at the end must be parsed for the screen to come out the same; callers pass 2 × rows + scrollback + 2 (the
 * first `rows` newlines may only move the cursor down without scrolling).
 */
export function planScreenWrite(batch: Uint8Array, groundAtStart: boolean, keepNewlines: number): ScreenWritePlan {
  const none = { data: batch, skipped: 0 };
  if (!groundAtStart || batch.length < FASTPATH_MIN_BATCH_BYTES) return none;
  // The cut: just after the keepNewlines-th newline from the end.
  let seen = 0;
  let cut = -1;
  for (let i = batch.length - 1; i >= 0; i--) {
    if (batch[i] === LF && ++seen === keepNewlines) {
      cut = i + 1;
      break;
    }
  }
  if (cut <= 0) return none;
  // Everything before the cut must be plain text and colours: then it only writes cells that scroll away.
  const { unclean, lastReset } = scan(batch, 0, cut);
  if (unclean >= 0) return none;
  const sgr = collectSgr(batch, lastReset, cut);
  const data = new Uint8Array(sgr.length + (batch.length - cut));
  let off = 0;
  for (let k = 0; k < sgr.ranges.length; k += 2) {
    data.set(batch.subarray(sgr.ranges[k]!, sgr.ranges[k + 1]!), off);
    off += sgr.ranges[k + 1]! - sgr.ranges[k]!;
  }
  data.set(batch.subarray(cut), off);
  return { data, skipped: batch.length - data.length };
}
