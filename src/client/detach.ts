// Recognises the detach chord (Ctrl+B then d) in the bytes a user types, across chunk boundaries.
// Pure. Accepts the legacy encoding (0x02, 'd') and the Kitty keyboard protocol (CSI 98;5u, CSI 100u).
// Ctrl+B Ctrl+B sends one Ctrl+B; Ctrl+B then anything else sends both. Escape sequences the terminal itself
// injects between the two keys (focus in/out, cursor or mouse reports) pass through without cancelling.

const CTRL_B = 0x02;
const KITTY_CTRL_B = /^\x1b\[98;5(?::1)?u/;
const KITTY_D = /^\x1b\[100(?:;1(?::1)?)?u/;
/** CSI sequences a terminal sends on its own: focus (I/O), cursor position (R), mouse (M/m, SGR <). */
const INJECTED = /^\x1b\[(?:[IO]|\d+;\d+R|<[\d;]+[Mm]|M[\s\S]{3})/;
/** A complete CSI or SS3 sequence at the start of the string. */
const ANY_ESCAPE = /^\x1b(?:\[[0-?]*[ -/]*[@-~]|O.)/;

export interface DetachResult {
  /** Bytes to send to the session. */
  forward: Uint8Array;
  detach: boolean;
}

export class DetachDetector {
  private _armed = false;
  /** An incomplete escape sequence held until its next chunk. */
  private _carry = '';

  feed(chunk: Uint8Array): DetachResult {
    // latin1 maps bytes 1:1 to code units, so slicing never splits a byte and encoding back is exact.
    let s = this._carry + Buffer.from(chunk).toString('latin1');
    this._carry = '';
    let out = '';
    while (s.length > 0) {
      if (!this._armed) {
        const iB = s.indexOf('\x02');
        const iK = s.indexOf('\x1b[98;5');
        const i = iB < 0 ? iK : iK < 0 ? iB : Math.min(iB, iK);
        if (i < 0) {
          out += s;
          break;
        }
        out += s.slice(0, i);
        s = s.slice(i);
        if (s.charCodeAt(0) === CTRL_B) {
          this._armed = true;
          s = s.slice(1);
          continue;
        }
        const m = KITTY_CTRL_B.exec(s);
        if (m) {
          this._armed = true;
          s = s.slice(m[0].length);
          continue;
        }
        if (s.length < 10 && !s.slice(1).includes('u')) {
          this._carry = s; // maybe a Kitty Ctrl+B split across chunks
          break;
        }
        out += s[0];
        s = s.slice(1);
        continue;
      }
      // Armed: the next key decides.
      if (s[0] === 'd' || KITTY_D.test(s)) {
        return { forward: Buffer.from(out, 'latin1'), detach: true };
      }
      if (s.charCodeAt(0) === CTRL_B || KITTY_CTRL_B.test(s)) {
        const m = KITTY_CTRL_B.exec(s);
        out += '\x02';
        s = s.slice(m ? m[0].length : 1);
        this._armed = false;
        continue;
      }
      if (s[0] === '\x1b') {
        const inj = INJECTED.exec(s);
        if (inj) {
          out += inj[0];
          s = s.slice(inj[0].length);
          continue;
        }
        if (!ANY_ESCAPE.test(s) && s.length < 16) {
          this._carry = s; // an escape sequence split across chunks: decide when it is whole
          break;
        }
      }
      out += '\x02';
      this._armed = false;
    }
    return { forward: Buffer.from(out, 'latin1'), detach: false };
  }
}
