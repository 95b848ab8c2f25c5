// Turning terminal output into clean text: escape sequences removed, carriage-return overwrites resolved.
// Pure and streaming: chunks may split a sequence or a UTF-8 character anywhere.

const enum St {
  Ground,
  Esc,
  /** ESC [ ... final byte 0x40–0x7e */
  Csi,
  /** ESC ] ... BEL or ST */
  Osc,
  /** ESC P / X / ^ / _ ... ST (DCS, SOS, PM, APC) */
  Str,
  /** ESC inside an OSC or string: ST is ESC \ */
  StrEsc,
  /** ESC ( etc.: one more byte */
  EscArg,
}

export class AnsiStripper {
  private _st = St.Ground;
  private _line = '';
  private readonly _decoder = new TextDecoder('utf-8', { fatal: false });
  private _strIsOsc = false;

  /** Feeds bytes; returns the complete lines produced so far (each ending in '\n'). */
  push(chunk: Uint8Array): string {
    const text = this._decoder.decode(chunk, { stream: true });
    let out = '';
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      const c = ch.charCodeAt(0);
      switch (this._st) {
        case St.Ground:
          if (c === 0x1b) this._st = St.Esc;
          else if (c === 0x0a) {
            out += resolveLine(this._line) + '\n';
            this._line = '';
          } else if (c === 0x9b) this._st = St.Csi;
          else if (c >= 0x20 || c === 0x09 || c === 0x0d || c === 0x08) this._line += ch;
          // other C0 controls (BEL, SO, SI...) carry no text
          break;
        case St.Esc:
          if (c === 0x5b) this._st = St.Csi;
          else if (c === 0x5d) {
            this._st = St.Osc;
            this._strIsOsc = true;
          } else if (c === 0x50 || c === 0x58 || c === 0x5e || c === 0x5f) {
            this._st = St.Str;
            this._strIsOsc = false;
          } else if (c >= 0x20 && c <= 0x2f) this._st = St.EscArg;
          else this._st = St.Ground;
          break;
        case St.EscArg:
          this._st = St.Ground;
          break;
        case St.Csi:
          if (c >= 0x40 && c <= 0x7e) this._st = St.Ground;
          break;
        case St.Osc:
        case St.Str:
          if (c === 0x07 && this._strIsOsc) this._st = St.Ground;
          else if (c === 0x1b) this._st = St.StrEsc;
          break;
        case St.StrEsc:
          this._st = c === 0x5c ? St.Ground : this._strIsOsc ? St.Osc : St.Str;
          break;
      }
    }
    return out;
  }

  /** The unfinished last line, if any (call at the end of the stream). */
  flush(): string {
    const rest = this._decoder.decode();
    if (rest) this._line += rest;
    const line = this._line;
    this._line = '';
    return line ? resolveLine(line) : '';
  }
}

/** A line as a terminal would leave it: text after a lone CR overwrites from column 0; backspace erases. */
export function resolveLine(raw: string): string {
  let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (line.includes('\r')) {
    let cells: string[] = [];
    for (const seg of line.split('\r')) {
      const chars = [...seg];
      cells = chars.concat(cells.slice(chars.length));
    }
    line = cells.join('');
  }
  if (line.includes('\b')) {
    const cells: string[] = [];
    for (const ch of line) {
      if (ch === '\b') cells.pop();
      else cells.push(ch);
    }
    line = cells.join('');
  }
  return line.replace(/[ \t]+$/, '');
}

/** Strips a whole buffer at once. */
export function stripAnsi(bytes: Uint8Array): string {
  const s = new AnsiStripper();
  return s.push(bytes) + s.flush();
}
