// The cockpit's terminal: entering and leaving the full-screen mode, and writing a frame as the difference from
// the previous one. Pure strings; cockpit.ts writes them.

/**
 * Alternate screen, hidden cursor, no autowrap (a row that came out a column too wide is cut, not wrapped onto
 * the next one), mouse clicks and wheel in SGR encoding (1000 + 1006), cleared.
 */
export const ENTER_SCREEN = '\x1b[?1049h\x1b[?25l\x1b[?7l\x1b[?1000h\x1b[?1006h\x1b[0m\x1b[2J';
/** Everything ENTER_SCREEN turned on, off again, in reverse order: the shell is as it was. */
export const LEAVE_SCREEN = '\x1b[0m\x1b[?1006l\x1b[?1000l\x1b[?7h\x1b[?25h\x1b[?1049l';

/**
 * What to write to turn `prev` into `next`: only the lines that changed, each from its first column. No previous
 * frame (the first one, after a resize or an attach), or one of another height: everything, after a clear.
 */
export function diffFrame(prev: readonly string[] | null, next: readonly string[]): string {
  const all = !prev || prev.length !== next.length;
  let out = all ? '\x1b[0m\x1b[2J' : '';
  for (let i = 0; i < next.length; i++) {
    if (!all && prev[i] === next[i]) continue;
    out += `\x1b[${i + 1};1H${next[i]}\x1b[0m`;
  }
  return out;
}
