// The attach prefix key (tmux's prefix): `C-a`, `^a` or `C-b` from `--prefix` or config.toml [attach] prefix.
// Pure. A prefix is a control key, so it is one byte in the legacy encoding and CSI code;5u in the Kitty protocol.

export interface Prefix {
  /** The byte the terminal sends for it (0x01 for C-a). */
  byte: number;
  /** The Kitty keyboard protocol's key code (the lower-case letter's code point, or the symbol's). */
  kittyCode: number;
  /** How messages name it: `Ctrl+A`. */
  label: string;
  /** The canonical spelling: `C-a`. */
  spec: string;
}

/** Keys besides letters that have a control code: C-@ (NUL) is left out, as terminals send it for C-Space too. */
const SYMBOLS = '[\\]^_';

/** `C-x`, `c-x`, `^x` or `^X` → the prefix; null when the text names no control key. */
export function parsePrefix(text: string): Prefix | null {
  const m = /^(?:[cC]-|\^)(.)$/.exec(text.trim());
  if (!m) return null;
  const ch = m[1]!;
  const lower = ch.toLowerCase();
  if (lower >= 'a' && lower <= 'z') {
    return { byte: lower.charCodeAt(0) - 0x60, kittyCode: lower.charCodeAt(0), label: `Ctrl+${lower.toUpperCase()}`, spec: `C-${lower}` };
  }
  if (SYMBOLS.includes(ch)) return { byte: ch.charCodeAt(0) - 0x40, kittyCode: ch.charCodeAt(0), label: `Ctrl+${ch}`, spec: `C-${ch}` };
  return null;
}

/** tmux's prefix, and cw's default. */
export const DEFAULT_PREFIX: Prefix = parsePrefix('C-b')!;
