import { describe, it, expect } from 'vitest';
import { DetachDetector } from '../../src/client/detach.js';

const CTRL_B = '\x02';
const KITTY_CTRL_B = '\x1b[98;5u';

/** Feeds the chunks (latin1 strings, one char per byte) and returns everything forwarded and whether it detached. */
function run(chunks: string[], d = new DetachDetector()): { forward: string; detach: boolean; perChunk: string[] } {
  let forward = '';
  const perChunk: string[] = [];
  for (const c of chunks) {
    const r = d.feed(Buffer.from(c, 'latin1'));
    expect(r.forward).toBeInstanceOf(Uint8Array);
    const f = Buffer.from(r.forward).toString('latin1');
    perChunk.push(f);
    forward += f;
    if (r.detach) return { forward, detach: true, perChunk };
  }
  return { forward, detach: false, perChunk };
}

const one = (s: string): { forward: string; detach: boolean } => {
  const { forward, detach } = run([s]);
  return { forward, detach };
};

describe('DetachDetector: legacy encoding', () => {
  it('detaches on Ctrl+B d, forwarding the bytes typed before the chord', () => {
    expect(one('ls -la\r\x02d')).toEqual({ forward: 'ls -la\r', detach: true });
    expect(one('\x02d')).toEqual({ forward: '', detach: true });
  });

  it('drops what follows the chord in the same chunk', () => {
    expect(one('a\x02dafter')).toEqual({ forward: 'a', detach: true });
  });

  it('forwards exactly one Ctrl+B for Ctrl+B Ctrl+B, and is disarmed afterwards', () => {
    expect(one('\x02\x02')).toEqual({ forward: '\x02', detach: false });
    // Disarmed: a following d is just a d.
    expect(one('\x02\x02d')).toEqual({ forward: '\x02d', detach: false });
    // Three Ctrl+B: one forwarded, the third arms again.
    expect(one('\x02\x02\x02d')).toEqual({ forward: '\x02', detach: true });
  });

  it('forwards Ctrl+B x as both bytes', () => {
    expect(one('\x02x')).toEqual({ forward: '\x02x', detach: false });
    expect(one('a\x02xb')).toEqual({ forward: 'a\x02xb', detach: false });
    expect(one('\x02D')).toEqual({ forward: '\x02D', detach: false }); // capital D is another key
  });

  it('detects the chord split across two chunks', () => {
    const r = run(['echo hi\x02', 'd']);
    expect(r).toEqual({ forward: 'echo hi', detach: true, perChunk: ['echo hi', ''] });
  });

  it('holds a trailing Ctrl+B until the next key decides', () => {
    const r = run(['abc\x02', 'x', 'y']);
    expect(r.perChunk).toEqual(['abc', '\x02x', 'y']);
    expect(r.detach).toBe(false);
  });

  it('forwards bytes without a prefix unchanged, including arrows and other escapes', () => {
    for (const s of ['\x1b[A', '\x1b[B\x1b[C\x1b[D', '\x1bOP', 'hello\r', '\x03', '\x1b', 'd', '\x1b[100u', '\x1b[200~paste\x1b[201~', 'dddd']) {
      expect(one(s), JSON.stringify(s)).toEqual({ forward: s, detach: false });
    }
  });

  it('passes binary bytes (including 0x80-0xff) through unchanged', () => {
    const all = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i))
      .filter((c) => c !== CTRL_B && c !== '\x1b')
      .join('');
    expect(one(all)).toEqual({ forward: all, detach: false });
    const utf8 = Buffer.from('café 中文 🚀', 'utf8').toString('latin1');
    expect(one(utf8)).toEqual({ forward: utf8, detach: false });
  });
});

describe('DetachDetector: Kitty keyboard protocol', () => {
  it('detaches on Kitty Ctrl+B then a legacy d', () => {
    expect(one(`x${KITTY_CTRL_B}d`)).toEqual({ forward: 'x', detach: true });
    expect(run([KITTY_CTRL_B, 'd'])).toMatchObject({ forward: '', detach: true });
  });

  it('detaches on Kitty Ctrl+B then Kitty d, with or without the modifier field', () => {
    expect(one(`${KITTY_CTRL_B}\x1b[100u`)).toEqual({ forward: '', detach: true });
    expect(one(`${KITTY_CTRL_B}\x1b[100;1u`)).toEqual({ forward: '', detach: true });
    expect(one(`\x1b[98;5:1u\x1b[100;1:1u`)).toEqual({ forward: '', detach: true });
    expect(one(`\x02\x1b[100u`)).toEqual({ forward: '', detach: true });
  });

  it('detects a Kitty d split across chunks after the prefix', () => {
    expect(run([KITTY_CTRL_B, '\x1b[10', '0u'])).toMatchObject({ forward: '', detach: true });
    expect(run(['\x02\x1b', '[100;', '1u'])).toMatchObject({ forward: '', detach: true });
  });

  it('detects a Kitty Ctrl+B split after its first six bytes', () => {
    for (let cut = 6; cut < KITTY_CTRL_B.length; cut++) {
      expect(run([KITTY_CTRL_B.slice(0, cut), `${KITTY_CTRL_B.slice(cut)}d`]), String(cut)).toMatchObject({ forward: '', detach: true });
    }
  });

  it('turns Kitty Ctrl+B Ctrl+B into one legacy Ctrl+B', () => {
    expect(one(`${KITTY_CTRL_B}${KITTY_CTRL_B}`)).toEqual({ forward: '\x02', detach: false });
  });

  it('forwards a Kitty key that is not Ctrl+B or d untouched', () => {
    expect(one('\x1b[97;5u')).toEqual({ forward: '\x1b[97;5u', detach: false });
    expect(one('\x1b[98u')).toEqual({ forward: '\x1b[98u', detach: false }); // plain b
  });
});

describe('DetachDetector: terminal-injected sequences between the keys', () => {
  it('forwards focus-in between Ctrl+B and d without cancelling', () => {
    expect(one('\x02\x1b[Id')).toEqual({ forward: '\x1b[I', detach: true });
    expect(one('\x02\x1b[O\x1b[Id')).toEqual({ forward: '\x1b[O\x1b[I', detach: true });
    expect(run(['\x02', '\x1b[I', 'd'])).toEqual({ forward: '\x1b[I', detach: true, perChunk: ['', '\x1b[I', ''] });
    expect(run(['\x02\x1b', '[', 'I', 'd'])).toMatchObject({ forward: '\x1b[I', detach: true });
  });

  it('forwards cursor-position and SGR mouse reports without cancelling', () => {
    expect(one('\x02\x1b[12;40Rd')).toEqual({ forward: '\x1b[12;40R', detach: true });
    expect(one('\x02\x1b[<0;10;5Md')).toEqual({ forward: '\x1b[<0;10;5M', detach: true });
  });

  it('cancels the prefix on a key-like escape sequence and forwards both', () => {
    expect(one('\x02\x1b[Ad')).toEqual({ forward: '\x02\x1b[Ad', detach: false });
  });
});

describe('DetachDetector: split points', () => {
  function assertEverySplit(input: string, want: { forward: string; detach: boolean }, skip: (cut: number) => boolean = () => false): void {
    expect(one(input)).toEqual(want);
    const bad: string[] = [];
    for (let cut = 0; cut <= input.length; cut++) {
      if (skip(cut)) continue;
      const r = run([input.slice(0, cut), input.slice(cut)]);
      if (r.forward !== want.forward || r.detach !== want.detach) bad.push(`${cut}: ${JSON.stringify(r.forward)} ${r.detach}`);
    }
    const bytewise = run([...input]);
    if (!skip(-1) && (bytewise.forward !== want.forward || bytewise.detach !== want.detach)) bad.push(`bytewise: ${JSON.stringify(bytewise.forward)}`);
    expect(bad).toEqual([]);
  }

  it('gives the same result at every split point of a mixed legacy input ending in a detach', () => {
    assertEverySplit('ls\x1b[A\x02\x02x\x02y\x1b[I\x02\x1b[Iz\x1bOP\x02\x1b[I\x1b[12;1R\x1b[100;1u', {
      forward: 'ls\x1b[A\x02x\x02y\x1b[I\x1b[I\x02z\x1bOP\x1b[I\x1b[12;1R',
      detach: true,
    });
  });

  it('gives the same result at every split point of a mixed input without a detach', () => {
    assertEverySplit('vim\r\x1b[A\x02\x02\x02q:wq\r\x1b[B', { forward: 'vim\r\x1b[A\x02\x02q:wq\r\x1b[B', detach: false });
  });

  // By design, a lone ESC that ends a chunk while no Ctrl+B is pending is the Escape key and goes out at once
  // (holding it would delay every Escape press); so a Kitty Ctrl+B cut right after its ESC byte is not seen as
  // the prefix. Terminals write the sequence in one piece; every other cut point must work.
  it('gives the same result at every split point of the Kitty chord, except right after its first ESC', () => {
    assertEverySplit(`${KITTY_CTRL_B}\x1b[I\x1b[100;1u`, { forward: '\x1b[I', detach: true }, (cut) => cut === -1 || cut === 1);
  });

  it('gives the same result at every split point of a mixed input with a Kitty Ctrl+B in the middle', () => {
    const input = `ls\x1b[A\x02\x02x${KITTY_CTRL_B}\x1b[Iz\x02\x1b[I\x1b[100;1u`;
    const kittyEsc = input.indexOf(KITTY_CTRL_B) + 1;
    assertEverySplit(
      input,
      { forward: 'ls\x1b[A\x02x\x1b[I\x02z\x1b[I', detach: true },
      (cut) => cut === -1 || cut === kittyEsc,
    );
  });
});

describe('DetachDetector: escape after the prefix', () => {
  // Regression: an ESC after Ctrl+B that cannot start a CSI (Alt+x, Escape then typing) was held back.
  it('does not hold back Alt+x typed after Ctrl+B', () => {
    const r = run(['\x02', '\x1bx', 'a']);
    expect(r.forward).toBe('\x02\x1bxa');
  });

  it('does not swallow Ctrl+B, Escape, d', () => {
    const r = run(['\x02', '\x1b', 'd']);
    expect(r.forward).toBe('\x02\x1bd');
  });
});
