// Watches the session's output on its way to the user's terminal, which cw attach keeps on its alternate screen
// so that detaching gives the user's own screen back. Pure.
// - A program leaving its alternate screen (DECRST 1049, 1047 or 47) would put the user's terminal on its main
//   screen and draw the program's main screen over the user's: that mode is dropped from the sequence and the
//   caller redraws the program's main screen from the daemon's copy instead.
// - A program entering its alternate screen finds the user's terminal already there, where DECSET 1049 does
//   nothing: it becomes what 1049 does on a terminal on its main screen, save the cursor and clear.
// - Whether the program turned mouse reporting on (DECSET 1000, 1002, 1003), so that cw's own wheel handling
//   (the scrollback view) steps aside while the program wants the mouse.

/** A DEC private mode set or reset: CSI ? Pm h|l. */
const PRIVATE_MODE = /\x1b\[\?([\d;]*)([hl])/g;
/** An unfinished CSI ? … at the end of a chunk. */
const PARTIAL = /\x1b(?:\[(?:\?[\d;]*)?)?$/;
const ALT = new Set(['1049', '1047', '47']);
const MOUSE = new Set(['1000', '1002', '1003']);

export interface GuardResult {
  /** The bytes to write to the user's terminal. */
  out: Uint8Array;
  /** The program left its alternate screen: redraw its main screen. */
  leftAlt: boolean;
}

export class ScreenGuard {
  /** Mouse reporting modes the program has on. */
  private readonly _mouse = new Set<string>();
  private _carry = '';

  get programMouse(): boolean {
    return this._mouse.size > 0;
  }

  feed(chunk: Uint8Array): GuardResult {
    // Most output has no private mode at all: pass it through untouched (this is the typing path).
    if (this._carry === '' && !hasEsc(chunk)) return { out: chunk, leftAlt: false };
    // latin1 maps bytes 1:1 to code units, so the bytes come back exactly (UTF-8 included).
    let s = this._carry + Buffer.from(chunk).toString('latin1');
    this._carry = '';
    const partial = PARTIAL.exec(s.slice(-32));
    if (partial) {
      this._carry = partial[0];
      s = s.slice(0, s.length - partial[0].length);
    }
    let leftAlt = false;
    const out = s.replace(PRIVATE_MODE, (whole, params: string, hl: string) => {
      const modes = params.split(';');
      for (const m of modes) {
        if (MOUSE.has(m)) {
          if (hl === 'h') this._mouse.add(m);
          else this._mouse.delete(m);
        }
      }
      if (!modes.some((m) => ALT.has(m))) return whole;
      const kept = modes.filter((m) => !ALT.has(m));
      const rest = kept.length ? `\x1b[?${kept.join(';')}${hl}` : '';
      if (hl === 'l') {
        leftAlt = true;
        return rest;
      }
      return `${modes.includes('1049') ? '\x1b7' : ''}\x1b[2J${rest}`;
    });
    return { out: Buffer.from(out, 'latin1'), leftAlt };
  }
}

function hasEsc(b: Uint8Array): boolean {
  return b.indexOf(0x1b) >= 0;
}
