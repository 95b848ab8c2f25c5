// Reads the keys and mouse reports a terminal sends in raw mode (xterm encodings, SGR mouse). Pure: a chunk of
// input in, key events out. A lone ESC at the end of a chunk is the Escape key: terminals send an escape
// sequence in one write, and the cockpit would rather not wait to tell the two apart.

export type Key =
  | { name: 'char'; ch: string }
  | { name: 'up' | 'down' | 'left' | 'right' | 'pgup' | 'pgdn' | 'home' | 'end' | 'enter' | 'esc' | 'backspace' | 'tab' | 'ctrl-c' | 'ctrl-d' | 'ctrl-u' }
  /** SGR mouse (mode 1006): button 0-2 press or release, 64/65 the wheel; x and y are 0-based cells. */
  | { name: 'mouse'; button: number; x: number; y: number; release: boolean };

const CSI_KEYS: Record<string, Key['name']> = {
  A: 'up', B: 'down', C: 'right', D: 'left', H: 'home', F: 'end',
  '1~': 'home', '7~': 'home', '4~': 'end', '8~': 'end', '5~': 'pgup', '6~': 'pgdn',
};
const CONTROL: Record<string, Key['name']> = { '\r': 'enter', '\n': 'enter', '\x7f': 'backspace', '\b': 'backspace', '\t': 'tab', '\x03': 'ctrl-c', '\x04': 'ctrl-d', '\x15': 'ctrl-u' };

/** The keys in one chunk of terminal input, in order. Unknown sequences and other control characters are dropped. */
export function parseKeys(input: string): Key[] {
  const out: Key[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (c === '\x1b') {
      const rest = input.slice(i);
      const mouse = /^\x1b\[<(\d+);(\d+);(\d+)([Mm])/.exec(rest);
      if (mouse) {
        out.push({ name: 'mouse', button: Number(mouse[1]), x: Number(mouse[2]) - 1, y: Number(mouse[3]) - 1, release: mouse[4] === 'm' });
        i += mouse[0].length;
        continue;
      }
      const csi = /^\x1b[[O]([0-9;]*)([~A-Za-z])/.exec(rest);
      if (csi) {
        // Modifiers (ESC [ 1 ; 5 A) do not change what an arrow does here.
        const params = csi[1]!.split(';')[0]!;
        const name = CSI_KEYS[csi[2] === '~' ? `${params}~` : csi[2]!];
        if (name) out.push({ name } as Key);
        i += csi[0].length;
        continue;
      }
      if (/^\x1b\[[0-9;?<]*$/.test(rest) && rest.length > 1) break; // a cut-off sequence: dropped with the chunk's end
      out.push({ name: 'esc' });
      i++;
      continue;
    }
    const ch = String.fromCodePoint(input.codePointAt(i)!);
    i += ch.length;
    const name = CONTROL[ch];
    if (name) out.push({ name } as Key);
    else if (ch >= ' ') out.push({ name: 'char', ch });
  }
  return out;
}
