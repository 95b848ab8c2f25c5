// Text a session or a peer controls, made safe to print in the operator's terminal. A state card, a command
// line, a working directory, a foreground job's name, an activity reason or a message body can carry ESC/BEL
// sequences (OSC 52 writes the clipboard, OSC 0 retitles the window, CSI 2J clears the screen, OSC 8 draws a
// fake link), C1 controls (8-bit CSI/OSC, which some terminals honour) and bidi overrides that reorder what is
// shown. Each of them becomes a visible escape; ordinary Unicode (CJK, emoji, accents) is kept as it is.
// Only human-readable output goes through here: --json output stays exact.
import { FIELD_MAX_CHARS } from './limits.js';

/** The bound safeLine applies by default (defined with the other tunables), for code that lays out fields itself. */
export { FIELD_MAX_CHARS };

const NAMED: Record<number, string> = {
  0x00: '\\0',
  0x07: '\\a',
  0x08: '\\b',
  0x09: '\\t',
  0x0a: '\\n',
  0x0b: '\\v',
  0x0c: '\\f',
  0x0d: '\\r',
  0x1b: '\\e',
  0x7f: '\\x7f',
};

/**
 * Invisible characters that change the order or direction text is drawn in (Trojan Source, CVE-2021-42574):
 * ALM, LRM, RLM, the embeddings and overrides LRE..RLO with PDF, and the isolates LRI..PDI. The line and
 * paragraph separators are here too: some viewers break a line at them, so they could start a fake line.
 */
function isDirectionOrBreak(cp: number): boolean {
  return cp === 0x061c || cp === 0x200e || cp === 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp === 0x2028 || cp === 0x2029;
}

const hex = (cp: number, width: number): string => cp.toString(16).toUpperCase().padStart(width, '0');

/** The visible form of one code point, or null when it is printed as it is. */
function escapeCodePoint(cp: number, multiline: boolean): string | null {
  if (cp < 0x20 || cp === 0x7f) {
    // Only a newline and a tab may pass, and only in a multi-line text (a body); a carriage return, a vertical
    // tab or a form feed would let a line draw over another one, so they are escaped everywhere.
    if (multiline && (cp === 0x0a || cp === 0x09)) return null;
    return NAMED[cp] ?? `\\x${hex(cp, 2).toLowerCase()}`;
  }
  if (cp >= 0x80 && cp <= 0x9f) return `<U+${hex(cp, 4)}>`;
  if (isDirectionOrBreak(cp)) return `<U+${hex(cp, 4)}>`;
  return null;
}

function render(text: string, multiline: boolean, maxChars: number): string {
  const pieces: string[] = [];
  const widths: number[] = [];
  let shown = 0;
  // By code point: a cut never splits a surrogate pair, and the count is close to what a reader sees.
  for (const ch of text) {
    const escaped = escapeCodePoint(ch.codePointAt(0)!, multiline);
    const width = escaped === null ? 1 : escaped.length;
    if (shown + width > maxChars) {
      // Cut whole pieces (an escape is never cut in half) until the ellipsis fits.
      while (pieces.length > 0 && shown + 1 > maxChars) {
        pieces.pop();
        shown -= widths.pop()!;
      }
      return `${pieces.join('')}…`;
    }
    pieces.push(escaped ?? ch);
    widths.push(width);
    shown += width;
  }
  return pieces.join('');
}

/** A one-line field (name, command, cwd, state card, reason): every control escaped, at most maxChars shown. */
export function safeLine(text: string | null | undefined, maxChars = FIELD_MAX_CHARS): string {
  return render(text ?? '', false, maxChars);
}

/** A multi-line text (a message body): newlines and tabs kept, every other control escaped; no length bound by default. */
export function safeText(text: string, maxChars = Number.POSITIVE_INFINITY): string {
  return render(text, true, maxChars);
}
