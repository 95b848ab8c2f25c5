// The one-line notice `cw attach` shows in the last row on attach: how to detach and to scroll. Pure.
import type { Prefix } from './prefix.js';

/** tmux's prefix unless the user changed it there: the key a user inside tmux presses for tmux. */
const TMUX_PREFIX_LABEL = 'Ctrl+B';

/**
 * The notice's text. Inside tmux ($TMUX set) it says whose the prefix is: with cw's default, which is tmux's
 * too, the user presses it twice (tmux sends one through); with another, tmux's own goes to tmux.
 */
export function noticeText(name: string, prefix: Prefix, inTmux: boolean): string {
  const p = prefix.label;
  if (!inTmux) return `[cw] attached to ${name} · ${p} d to detach · ${p} [ to scroll`;
  if (p === TMUX_PREFIX_LABEL) {
    return `[cw] attached to ${name} · ${p} is tmux's too, press it twice: ${p} ${p} d detaches, ${p} ${p} [ scrolls (or set [attach] prefix)`;
  }
  return `[cw] attached to ${name} · ${p} d to detach · ${p} [ to scroll (cw's prefix; tmux's own prefix goes to tmux)`;
}

/**
 * Draws `text` in reverse video on the last row of a cols x rows terminal and puts the cursor back: save
 * cursor, move, draw (cut to the width, one column short of the edge so no wrap is left pending), restore.
 */
export function noticeSequence(text: string, cols: number, rows: number): string {
  const width = Math.max(1, cols - 1);
  const chars = Array.from(text);
  const shown = chars.length > width ? chars.slice(0, width - 1).join('') + '…' : text.padEnd(width);
  return `\x1b7\x1b[${rows};1H\x1b[0;7m${shown}\x1b[0m\x1b8`;
}
