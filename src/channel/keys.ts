// Named keys for `cw send --key`, as an xterm-compatible terminal sends them (normal cursor-key mode).

const NAMED: Record<string, string> = {
  enter: '\r',
  return: '\r',
  tab: '\t',
  'shift-tab': '\x1b[Z',
  'btab': '\x1b[Z',
  escape: '\x1b',
  esc: '\x1b',
  space: ' ',
  backspace: '\x7f',
  bspace: '\x7f',
  delete: '\x1b[3~',
  dc: '\x1b[3~',
  insert: '\x1b[2~',
  up: '\x1b[A',
  down: '\x1b[B',
  right: '\x1b[C',
  left: '\x1b[D',
  home: '\x1b[H',
  end: '\x1b[F',
  pageup: '\x1b[5~',
  ppage: '\x1b[5~',
  pagedown: '\x1b[6~',
  npage: '\x1b[6~',
  f1: '\x1bOP',
  f2: '\x1bOQ',
  f3: '\x1bOR',
  f4: '\x1bOS',
  f5: '\x1b[15~',
  f6: '\x1b[17~',
  f7: '\x1b[18~',
  f8: '\x1b[19~',
  f9: '\x1b[20~',
  f10: '\x1b[21~',
  f11: '\x1b[23~',
  f12: '\x1b[24~',
};

/** Key names users can pass to --key, for help and errors. */
export const KEY_NAMES = ['Enter', 'Tab', 'S-Tab', 'Escape', 'Space', 'BSpace', 'Delete', 'Up', 'Down', 'Left', 'Right', 'Home', 'End', 'PageUp', 'PageDown', 'F1'.concat('..F12'), 'C-a..C-z', 'M-x', 'any single character'];

/**
 * Bytes for a key name: Enter, Escape, Tab, Up, C-c (Ctrl+C), M-x (Alt+x), S-Tab, F1..F12, or a single
 * character (so `--key 1` answers a numbered dialog). Names are case-insensitive. Returns null if unknown.
 */
export function keyBytes(name: string): string | null {
  if ([...name].length === 1) return name;
  const lower = name.toLowerCase();
  if (lower === 's-tab') return '\x1b[Z';
  if (Object.hasOwn(NAMED, lower)) return NAMED[lower]!;
  const ctrl = /^(?:c|ctrl)-(.)$/i.exec(name);
  if (ctrl) {
    const ch = ctrl[1]!.toLowerCase();
    const code = ch.charCodeAt(0);
    if (code >= 0x61 && code <= 0x7a) return String.fromCharCode(code - 0x60);
    const special: Record<string, string> = { '@': '\x00', '[': '\x1b', '\\': '\x1c', ']': '\x1d', '^': '\x1e', _: '\x1f', ' ': '\x00', '?': '\x7f' };
    return Object.hasOwn(special, ch) ? special[ch]! : null;
  }
  const meta = /^(?:m|alt|meta)-(.+)$/i.exec(name);
  if (meta) {
    const inner = keyBytes(meta[1]!);
    return inner === null ? null : `\x1b${inner}`;
  }
  return null;
}

/** The hint that lists the key names, for every host that takes them (cw send, cw fleet send, MCP send). */
export const KEY_HINT = 'keys: Enter, Escape, Tab, S-Tab, Space, BSpace, Up, Down, Left, Right, Home, End, PageUp, PageDown, F1..F12, C-x, M-x, or one character';
