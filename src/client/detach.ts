// Recognises the prefix chords (Ctrl+B then d, [ or r by default) in the bytes a user types, across chunk
// boundaries. Pure. Accepts the legacy encoding (0x02, 'd') and the Kitty keyboard protocol (CSI 98;5u, CSI 100u).
// Prefix prefix sends one prefix; prefix then anything else sends both. Escape sequences the terminal itself
// injects between the two keys (focus in/out, cursor or mouse reports) pass through without cancelling.
import { DEFAULT_PREFIX, type Prefix } from './attach/prefix.js';

/** What a chord asks for: leave, enter the scrollback view, redraw the screen. */
export type PrefixAction = 'detach' | 'scroll' | 'redraw';

/** The key after the prefix → its action, as the character and as its Kitty key code. */
const COMMANDS: ReadonlyArray<readonly [key: string, action: PrefixAction]> = [
  ['d', 'detach'],
  ['[', 'scroll'],
  ['r', 'redraw'],
];

/** CSI sequences a terminal sends on its own: focus (I/O), cursor position (R), SGR mouse (< … M/m). */
const INJECTED = /^\x1b\[(?:[IO]|\d+;\d+R|<[\d;]+[Mm])$/;
/** An SGR mouse report: button;x;y and M (press) or m (release). */
const SGR_MOUSE = /^\x1b\[<(\d+);\d+;\d+[Mm]$/;
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
  /** The chord's action (detach included); what followed it in the same chunk is dropped. */
  action?: PrefixAction;
}

export class DetachDetector {
  /**
   * The mouse reports are cw's own (it turned reporting on for the wheel because the program had not): a wheel-up
   * opens the scrollback view and every report is kept from the program, which never asked for them.
   */
  wheel = false;
  private _armed = false;
  /** An unfinished CSI sequence held until its next chunk. */
  private _carry = '';
  private readonly _byte: string;
  private readonly _kittyPrefix: RegExp;

  constructor(private readonly _prefix: Prefix = DEFAULT_PREFIX) {
    this._byte = String.fromCharCode(_prefix.byte);
    this._kittyPrefix = new RegExp(`^\\x1b\\[${_prefix.kittyCode};5(?::1)?u$`);
  }

  feed(chunk: Uint8Array): DetachResult {
    // latin1 maps bytes 1:1 to code units, so slicing never splits a byte and encoding back is exact.
    const s = this._carry + Buffer.from(chunk).toString('latin1');
    this._carry = '';
    let out = '';
    let i = 0;
    const done = (action: PrefixAction): DetachResult => {
      this._armed = false; // the chord is over: the next prefix starts a new one
      return { forward: Buffer.from(out, 'latin1'), detach: action === 'detach', action };
    };
    while (i < s.length) {
      const token = this._token(s, i);
      if (token === null) {
        this._carry = s.slice(i);
        break;
      }
      i += token.length;
      if (this.wheel && (SGR_MOUSE.test(token) || X10_MOUSE.test(token))) {
        const button = Number(SGR_MOUSE.exec(token)?.[1] ?? token.charCodeAt(3) - 32);
        this._armed = false;
        if (button === 64) return done('scroll'); // wheel up; every other report is dropped
        continue;
      }
      const isPrefix = token === this._byte || this._kittyPrefix.test(token);
      if (!this._armed) {
        if (isPrefix) this._armed = true;
        else out += token;
        continue;
      }
      // Armed: the next key decides.
      const action = commandOf(token);
      if (action) return done(action);
      if (INJECTED.test(token) || X10_MOUSE.test(token)) {
        out += token; // the terminal's own report, not a key: pass it on and keep waiting
        continue;
      }
      this._armed = false;
      out += isPrefix ? this._byte : this._byte + token;
    }
    return { forward: Buffer.from(out, 'latin1'), detach: false };
  }

  /** The key or sequence starting at `i`: a whole CSI sequence or one character; null if a CSI is cut off. */
  private _token(s: string, i: number): string | null {
    // After the prefix a lone ESC at the end of a chunk may start a focus report: wait for its next byte. Unarmed,
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

/** The action of the key after the prefix, legacy or Kitty-encoded (CSI code u, CSI code;1u). */
function commandOf(token: string): PrefixAction | null {
  for (const [key, action] of COMMANDS) {
    if (token === key) return action;
    const m = /^\x1b\[(\d+)(?:;1(?::1)?)?u$/.exec(token);
    if (m && Number(m[1]) === key.charCodeAt(0)) return action;
  }
  return null;
}
