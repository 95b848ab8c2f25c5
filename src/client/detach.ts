// Recognises the detach chord (Ctrl+B then d) in the bytes a user types, across chunk boundaries.
// Pure. Accepts the legacy encoding (0x02, 'd') and the Kitty keyboard protocol (CSI 98;5u, CSI 100u).
// Ctrl+B Ctrl+B sends one Ctrl+B; Ctrl+B then anything else sends both. Escape sequences the terminal itself
// injects between the two keys (focus in/out, cursor or mouse reports) pass through without cancelling.

const CTRL_B = '\x02';
const KITTY_CTRL_B = /^\x1b\[98;5(?::1)?u$/;
const KITTY_D = /^\x1b\[100(?:;1(?::1)?)?u$/;
/** CSI sequences a terminal sends on its own: focus (I/O), cursor position (R), SGR mouse (< … M/m). */
const INJECTED = /^\x1b\[(?:[IO]|\d+;\d+R|<[\d;]+[Mm])$/;
/** A CSI sequence: ESC [ parameters intermediates final byte. */
const CSI = /^\x1b\[[0-?]*[ -/]*[@-~]/;
/** The start of a CSI sequence that a later chunk will complete. */
const CSI_PREFIX = /^\x1b\[[0-?]*[ -/]*$/;
/** X10 mouse report: ESC [ M and three raw bytes. */
const X10_MOUSE = /^\x1b\[M[\s\S]{3}/;

export interface DetachResult {
  /** Bytes to send to the session. */
  forward: Uint8Array;
  detach: boolean;
}

export class DetachDetector {
  private _armed = false;
  /** An unfinished CSI sequence held until its next chunk. */
  private _carry = '';

  feed(chunk: Uint8Array): DetachResult {
    // latin1 maps bytes 1:1 to code units, so slicing never splits a byte and encoding back is exact.
    const s = this._carry + Buffer.from(chunk).toString('latin1');
    this._carry = '';
    let out = '';
    let i = 0;
    while (i < s.length) {
      const token = this._token(s, i);
      if (token === null) {
        this._carry = s.slice(i);
        break;
      }
      i += token.length;
      if (!this._armed) {
        if (token === CTRL_B || KITTY_CTRL_B.test(token)) this._armed = true;
        else out += token;
        continue;
      }
      // Armed: the next key decides.
      if (token === 'd' || KITTY_D.test(token)) return { forward: Buffer.from(out, 'latin1'), detach: true };
      if (INJECTED.test(token) || X10_MOUSE.test(token)) {
        out += token; // the terminal's own report, not a key: pass it on and keep waiting
        continue;
      }
      this._armed = false;
      out += token === CTRL_B || KITTY_CTRL_B.test(token) ? CTRL_B : CTRL_B + token;
    }
    return { forward: Buffer.from(out, 'latin1'), detach: false };
  }

  /** The key or sequence starting at `i`: a whole CSI sequence or one character; null if a CSI is cut off. */
  private _token(s: string, i: number): string | null {
    // After Ctrl+B a lone ESC at the end of a chunk may start a focus report: wait for its next byte. Unarmed,
    // a lone ESC is the Escape key and must not be delayed.
    if (this._armed && s[i] === '\x1b' && i === s.length - 1) return null;
    if (s[i] !== '\x1b' || s[i + 1] !== '[') return s[i]!;
    const rest = s.slice(i);
    const mouse = X10_MOUSE.exec(rest);
    if (mouse) return mouse[0];
    if (rest === '\x1b[M' || (rest.startsWith('\x1b[M') && rest.length < 6)) return null;
    const csi = CSI.exec(rest);
    if (csi) return csi[0];
    // An unfinished CSI at the end of the chunk waits for the rest; anything else is taken as it is.
    return CSI_PREFIX.test(rest) ? null : s[i]!;
  }
}
