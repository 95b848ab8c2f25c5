import { describe, it, expect } from 'vitest';
import { AnsiStripper, resolveLine, stripAnsi } from '../../src/common/ansi.js';

const enc = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const strip = (s: string): string => stripAnsi(enc(s));

/** Feeds `bytes` cut at the given offsets and returns everything the stripper produced, flush included. */
function stripSplit(bytes: Uint8Array, cuts: number[]): string {
  const s = new AnsiStripper();
  let out = '';
  let prev = 0;
  for (const c of [...cuts, bytes.length]) {
    out += s.push(bytes.subarray(prev, c));
    prev = c;
  }
  return out + s.flush();
}

describe('AnsiStripper: escape sequences', () => {
  it('removes SGR colours and attributes', () => {
    expect(strip('\x1b[1;31mred\x1b[0m and \x1b[38;2;255;0;0mtrue\x1b[m \x1b[38;5;208mcolour\x1b[39m\n')).toBe('red and true colour\n');
  });

  it('removes CSI cursor and erase sequences, including private ones', () => {
    // `ESC[3;5H` goes to another row, so " world" starts a line of its own at column 5 (this test used to
    // expect 'hello world\n': the text of two rows glued into one).
    expect(strip('\x1b[2J\x1b[H\x1b[?25lhello\x1b[K\x1b[?2004h\x1b[3;5H world\x1b[?25h\n')).toBe('hello\n     world\n');
    expect(strip('a\x1b[>4;1mb\x1b[=1uc\n')).toBe('abc\n');
  });

  it('removes an OSC terminated by BEL', () => {
    expect(strip('\x1b]0;window title\x07prompt$ \n')).toBe('prompt$\n');
    expect(strip('\x1b]8;;https://example.invalid/\x07link\x1b]8;;\x07 text\n')).toBe('link text\n');
  });

  it('removes an OSC terminated by ST (ESC \\)', () => {
    expect(strip('\x1b]2;title ends here\x1b\\after\n')).toBe('after\n');
    expect(strip('before\x1b]133;A\x1b\\after\n')).toBe('beforeafter\n');
  });

  it('keeps an OSC open across an ESC that is not ST', () => {
    expect(strip('\x1b]0;a\x1bb\x1b\\visible\n')).toBe('visible\n');
  });

  it('removes DCS, SOS, PM and APC strings up to ST; BEL does not end them', () => {
    expect(strip('x\x1bP1$r0m\x1b\\y\n')).toBe('xy\n');
    expect(strip('x\x1bPq#0;2;0;0;0\x07still in\x1b\\y\n')).toBe('xy\n');
    expect(strip('a\x1bXsos\x1b\\b\x1b^pm\x1b\\c\x1b_apc\x1b\\d\n')).toBe('abcd\n');
  });

  it('removes two-byte escapes and charset designations', () => {
    expect(strip('\x1b(Bascii\x1b)0 \x1b=keypad\x1b>\n')).toBe('ascii keypad\n');
    // ESC 7 saves the cursor at column 0 and ESC 8 brings it back there, so what follows overwrites
    // "saved", as on a terminal (this test used to expect 'saved ascii keypad\n', ignoring the restore).
    expect(strip('\x1b7saved\x1b8 \x1b(Bascii\x1b)0 \x1b=keypad\x1b>\n')).toBe(' ascii keypad\n');
  });

  it('drops C0 controls that carry no text but keeps tabs inside a line', () => {
    expect(strip('bell\x07 \x0eshift\x0f\tx\n')).toBe('bell shift\tx\n');
  });
});

describe('AnsiStripper: lines', () => {
  it('turns \\r\\n into \\n', () => {
    expect(strip('one\r\ntwo\r\n\r\nthree\r\n')).toBe('one\ntwo\n\nthree\n');
  });

  it('resolves a lone \\r overwrite (a progress bar) to the final text', () => {
    expect(strip('Downloading  10%\rDownloading  55%\rDownloading 100%\r\ndone\n')).toBe('Downloading 100%\ndone\n');
    // A shorter overwrite leaves the tail of the longer text, as on a terminal.
    expect(strip('abcdef\rXY\n')).toBe('XYcdef\n');
    // A spinner redrawn with colours.
    expect(strip('\x1b[32m⠋\x1b[0m working\r\x1b[32m⠙\x1b[0m working\r\x1b[32m✔\x1b[0m finished\n')).toBe('✔ finished\n');
  });

  it('applies backspace', () => {
    expect(strip('abc\bd\n')).toBe('abd\n');
    expect(strip('ab\b\b\bxy\n')).toBe('xy\n');
    expect(strip('typo\b\b\b\bfixed\n')).toBe('fixed\n');
  });

  it('trims trailing spaces and tabs left by erased text', () => {
    expect(strip('prompt$   \t\n')).toBe('prompt$\n');
    expect(resolveLine('long text\r         \r')).toBe('');
    expect(resolveLine('long text\r    \r')).toBe('     text');
  });

  it('returns only complete lines from push and the rest from flush', () => {
    const s = new AnsiStripper();
    expect(s.push(enc('first\nsec'))).toBe('first\n');
    expect(s.push(enc('ond\nthi'))).toBe('second\n');
    expect(s.push(enc('rd \x1b[1mbold\x1b[0m'))).toBe('');
    expect(s.flush()).toBe('third bold');
    expect(s.flush()).toBe('');
  });

  it('flush resolves overwrites in the unterminated last line', () => {
    const s = new AnsiStripper();
    expect(s.push(enc(' 40%\r 80%\r100%'))).toBe('');
    expect(s.flush()).toBe('100%');
  });

  it('flush returns an empty string after a complete last line', () => {
    const s = new AnsiStripper();
    expect(s.push(enc('all done\n'))).toBe('all done\n');
    expect(s.flush()).toBe('');
  });
});

describe('AnsiStripper: streaming', () => {
  it('keeps UTF-8 multibyte characters intact', () => {
    expect(strip('café 中文 🚀 ✔\n')).toBe('café 中文 🚀 ✔\n');
  });

  it('joins a UTF-8 character split across chunks at every byte', () => {
    for (const ch of ['é', '中', '🚀']) {
      const b = enc(`a${ch}b\n`);
      for (let cut = 0; cut <= b.length; cut++) expect(stripSplit(b, [cut]), `${ch} at ${cut}`).toBe(`a${ch}b\n`);
    }
  });

  it('flushes a trailing incomplete UTF-8 sequence as a replacement character', () => {
    const s = new AnsiStripper();
    expect(s.push(Uint8Array.from([0x61, 0xe4, 0xb8]))).toBe('');
    expect(s.flush()).toBe('a\ufffd');
  });

  const mixed =
    'plain \x1b[1;32mgreen\x1b[0m café\r\n' +
    '\x1b]0;title ⚡\x07\x1b]133;A\x1b\\prompt$ ls\r\n' +
    ' 10%\r 55%\r100% 中文\r\n' +
    'x\x1bP1$r0m\x1b\\y \x1b(B🚀 tpyo\b\b\bypo\n' +
    '\x1b[?25l\x1b[2K\rlast line\x1b[K';
  const mixedWant = 'plain green café\nprompt$ ls\n100% 中文\nxy 🚀 typo\nlast line';

  it('strips a mixed stream in one chunk', () => {
    expect(strip(mixed)).toBe(mixedWant);
  });

  it('gives the same text for the mixed stream split in two at every point', () => {
    const b = enc(mixed);
    const bad: number[] = [];
    for (let cut = 0; cut <= b.length; cut++) if (stripSplit(b, [cut]) !== mixedWant) bad.push(cut);
    expect(bad).toEqual([]);
  });

  it('gives the same text for the mixed stream split in three at every pair of points', () => {
    const b = enc(mixed);
    const bad: string[] = [];
    for (let i = 0; i <= b.length; i++) for (let j = i; j <= b.length; j++) if (stripSplit(b, [i, j]) !== mixedWant) bad.push(`${i},${j}`);
    expect(bad).toEqual([]);
  });

  it('gives the same text fed one byte at a time', () => {
    const b = enc(mixed);
    expect(stripSplit(b, Array.from({ length: b.length }, (_, i) => i))).toBe(mixedWant);
  });
});

describe('AnsiStripper: cursor moves within a line', () => {
  it("spaces the words Claude Code places with column moves (2.1.332's own bytes)", () => {
    expect(strip('\x1b[38;2;255;255;255m●\x1b[3G\x1b[39mFake\x1b[8Gmodel\x1b[14Greply\x1b[20Gnumber\x1b[27G21.\r\n')).toBe('● Fake model reply number 21.\n');
    expect(strip('\x1b[38;2;153;153;153m✻\x1b[3GCooked for 8s · done 6:43 PM\r\n')).toBe('✻ Cooked for 8s · done 6:43 PM\n');
  });

  it('spaces words placed with cursor-forward moves', () => {
    expect(strip('●\x1b[1CFake\x1b[1Cmodel\x1b[1Creply\x1b[1Cnumber\x1b[1C21.\n')).toBe('● Fake model reply number 21.\n');
    expect(strip('\x1b[38;2;153;153;153m✻\x1b[1CCooked\x1b[1Cfor\x1b[1C8s\x1b[1C·\x1b[1Cdone\x1b[1C6:43\x1b[1CPM\x1b[39m\r\n')).toBe('✻ Cooked for 8s · done 6:43 PM\n');
    // A missing or zero count means 1; ESC[na is the same move.
    expect(strip('a\x1b[Cb\x1b[0Cc\x1b[2ad\n')).toBe('a b c  d\n');
  });

  it('pads a column move past the end of the text with spaces, and trims a move that writes nothing', () => {
    expect(strip('ab\x1b[10Gc\n')).toBe('ab       c\n');
    expect(strip('ab\x1b[5Cc\n')).toBe('ab     c\n');
    expect(strip('ab\x1b[20G\n')).toBe('ab\n');
    expect(strip('\x1b[4Gindented\n')).toBe('   indented\n');
    expect(strip('ab\x1b[7`c\n')).toBe('ab    c\n');
  });

  it('overwrites after moving left or to an earlier column', () => {
    expect(strip('abcdef\x1b[3Dxy\n')).toBe('abcxyf\n');
    expect(strip('abcdef\x1b[2Gxy\n')).toBe('axydef\n');
    expect(strip('abcdef\x1b[Gxy\n')).toBe('xycdef\n');
    expect(strip('ab\x1b[9Dx\n')).toBe('xb\n');
  });

  it('resolves CR overwrites, with and without an erase', () => {
    expect(strip('Downloading  10%\rDownloading 100%\n')).toBe('Downloading 100%\n');
    expect(strip('Downloading  10%\r\x1b[Kdone\n')).toBe('done\n');
    expect(strip('long status text\r\x1b[2Kshort\n')).toBe('short\n');
  });

  it('erases in line: to the end, to the start, all of it', () => {
    expect(strip('hello world\x1b[6G\x1b[K\n')).toBe('hello\n');
    expect(strip('hello world\x1b[6G\x1b[0K!\n')).toBe('hello!\n');
    expect(strip('hello world\x1b[6G\x1b[1K\n')).toBe('      world\n');
    // ESC[2K blanks the line and leaves the cursor where it was.
    expect(strip('hello\x1b[2Kbye\n')).toBe('     bye\n');
    expect(strip('hello world\x1b[6G\x1b[J\n')).toBe('hello\n');
    expect(strip('hello world\x1b[2J\n')).toBe('\n');
  });

  it('erases, deletes and inserts characters as a line editor does', () => {
    expect(strip('abcdef\x1b[2G\x1b[2X\n')).toBe('a  def\n');
    expect(strip('abcdef\x1b[2G\x1b[2P\n')).toBe('adef\n');
    expect(strip('abcdef\x1b[2G\x1b[2@\n')).toBe('a  bcdef\n');
    // Typing the missing "e" into "echo hllo" in bash: three left, insert one, write it.
    expect(strip('$ echo hllo\x1b[3D\x1b[1@e\r\n')).toBe('$ echo hello\n');
    // Deleting a typo: a backspace, then delete-character.
    expect(strip('$ lss\b\x1b[P -l\r\n')).toBe('$ ls -l\n');
  });

  it('moves left on backspace without erasing, as a terminal does', () => {
    expect(strip('abc\b\n')).toBe('abc\n');
    expect(strip('abc\b \b\n')).toBe('ab\n');
    expect(strip('abc\b\b\x1b[K\n')).toBe('a\n');
  });

  it('gives wide characters two cells and combining marks none', () => {
    expect(strip('中文\x1b[5Gx\n')).toBe('中文x\n');
    expect(strip('中文\x1b[6Gx\n')).toBe('中文 x\n');
    expect(strip('🚀\x1b[3Gx\n')).toBe('🚀x\n');
    expect(strip('e\u0301\x1b[3Gx\n')).toBe('e\u0301 x\n');
    expect(strip('a\u200db\x1b[4Gc\n')).toBe('a\u200db c\n');
    // Overwriting half of a wide character blanks the other half.
    expect(strip('中文\rx\n')).toBe('x 文\n');
    expect(strip('中文\x1b[2Gx\n')).toBe(' x文\n');
    expect(strip('中文\rab\n')).toBe('ab文\n');
    expect(strip('ab\x1b[2G中\n')).toBe('a中\n');
    expect(strip('abc\x1b[2G中\n')).toBe('a中\n');
    expect(strip('中文\x1b[2G\x1b[K\n')).toBe('\n');
  });

  it('moves to the next multiple of 8 on a tab, keeping it when it ends the text', () => {
    expect(strip('a\tb\n')).toBe('a\tb\n');
    expect(strip('a\tb\x1b[11Gc\n')).toBe('a\tb c\n');
    // Over existing text a tab only moves.
    expect(strip('abcdefghij\r\tX\n')).toBe('abcdefghXj\n');
    // Writing into the span of a tab turns the rest of it into spaces.
    expect(strip('a\tb\x1b[4Gx\n')).toBe('a  x    b\n');
  });

  it('trims trailing blanks, no-break spaces included', () => {
    expect(strip('❯\u00a0\x1b[7m \x1b[27m\n')).toBe('❯\n');
    expect(strip('a\u00a0b\n')).toBe('a\u00a0b\n');
  });
});

describe('AnsiStripper: other rows', () => {
  it('lays out a full-screen Claude Code redraw as one line per row (2.1.332, parking the cursor between updates)', () => {
    const frame =
      '\x1b[H\r\x1b[13B\x1b[38;2;255;255;255m●\x1b[3G\x1b[39mFake\x1b[8Gmodel\x1b[14Greply\x1b[20Gnumber\x1b[27G1.' +
      '\r\x1b[2B\x1b[38;2;153;153;153m✻\x1b[3GSautéed for 0s · done 8:29 PM\r\x1b[9B\x1b[39m\x1b[K\r\x1b[3B❯\u00a0' +
      '\r\x1b[41C\x1b[2B\x1b[38;2;153;153;153m← for agents\x1b[39m\x1b[K\x1b[30;1H\x1b[28;3H';
    expect(strip(frame)).toBe('● Fake model reply number 1.\n✻ Sautéed for 0s · done 8:29 PM\n❯\n                                         ← for agents');
  });

  it('resolves a spinner updated in place between moves to other rows', () => {
    const s =
      '\x1b[5;1H✻ Cooking… (1s)\x1b[9;3H' +
      '\x1b[5;1H✶\x1b[13G2\x1b[9;3H' +
      '\x1b[H\r\x1b[4B*\x1b[13G3\x1b[9;3H' +
      '\x1b[7;1Hdone\n';
    expect(strip(s)).toBe('* Cooking… (3s)\ndone\n');
  });

  it('ends the line when text is written on another row, starting the new one at the cursor column', () => {
    expect(strip('abc\x1b[Axyz\n')).toBe('abc\n   xyz\n');
    expect(strip('abc\x1b[1Fxyz\n')).toBe('abc\nxyz\n');
    expect(strip('abc\x1b[2Bxyz\n')).toBe('abc\n   xyz\n');
    expect(strip('abc\x1b[Exyz\n')).toBe('abc\nxyz\n');
    expect(strip('\x1b[5;1Habc\x1b[6;3Hdef\n')).toBe('abc\n  def\n');
    expect(strip('abc\x1b[4dxyz\n')).toBe('abc\n   xyz\n');
    expect(strip('abc\x1bMxyz\n')).toBe('abc\n   xyz\n');
  });

  it('keeps the line when the cursor comes back to its row before anything is written elsewhere', () => {
    expect(strip('abc\x1b[2A\x1b[2Bdef\n')).toBe('abcdef\n');
    expect(strip('\x1b[5;1Habc\x1b[9;1H\x1b[5;4Hdef\n')).toBe('abcdef\n');
    expect(strip('\x1b[5;1Habc\x1b[30;1H\x1b[H\x1b[4B\x1b[4Gdef\n')).toBe('abcdef\n');
    // Erasing on another row does not touch it.
    expect(strip('abc\x1b[A\x1b[2K\x1b[Bdef\n')).toBe('abcdef\n');
    // Rows are followed across LF (ESC D goes down a row keeping the column).
    expect(strip('one\ntwo\x1b[A\x1b[Bthree\n')).toBe('one\ntwothree\n');
    expect(strip('one\x1bDtwo\n')).toBe('one\n   two\n');
  });

  it('does not join a line by an absolute move after a LF, which may have scrolled', () => {
    // Row 6 is where "abc" is only if the LF did not scroll the screen: it comes out as two lines.
    expect(strip('\x1b[5;1H\nabc\x1b[6;4Hdef\n')).toBe('\nabc\n   def\n');
    // Once placed absolutely again, rows are known again.
    expect(strip('\x1b[5;1H\n\x1b[6;1Habc\x1b[9;1H\x1b[6;4Hdef\n')).toBe('\nabcdef\n');
  });

  it('redraws of an inline Ink frame come out again, the erased last row excepted', () => {
    const frame = (t: string): string => `line1\r\nline2\r\n✻ Cooking… (${t})`;
    const erase = '\x1b[2K\x1b[1A\x1b[2K\x1b[1A\x1b[2K\x1b[G';
    expect(strip(frame('1s') + erase + frame('2s'))).toBe('line1\nline2\nline1\nline2\n✻ Cooking… (2s)');
  });

  it('emits nothing for a row that holds only blanks, but every LF still ends a line', () => {
    expect(strip('\x1b[1;1H   \x1b[2;1Hx\n')).toBe('x\n');
    expect(strip('\x1b[1;1Ha\x1b[5;1H\n\n')).toBe('a\n\n');
    expect(strip('\x1b[1;1H \x1b[5;1H\n')).toBe('\n');
  });

  it('erases the line from another row only with the part of the screen it lies in', () => {
    expect(strip('\x1b[5;1Habc\x1b[3;1H\x1b[J\x1b[5;1Hdef\n')).toBe('def\n');
    expect(strip('\x1b[5;1Habc\x1b[3;1H\x1b[1J\x1b[5;4Hdef\n')).toBe('abcdef\n');
    expect(strip('\x1b[5;1Habc\x1b[9;1H\x1b[1J\x1b[5;4Hdef\n')).toBe('   def\n');
    expect(strip('\x1b[5;1Habc\x1b[9;1H\x1b[2J\x1b[5;4Hdef\n')).toBe('   def\n');
  });

  it('detaches the line when the screen scrolls or switches', () => {
    expect(strip('\x1b[5;1Habc\x1b[S\x1b[5;4Hdef\n')).toBe('abc\n   def\n');
    expect(strip('\x1b[5;1Habc\x1b[2L\x1b[5;4Hdef\n')).toBe('abc\n   def\n');
    expect(strip('\x1b[5;1Habc\x1b[?1049h\x1b[5;4Hdef\n')).toBe('abc\n   def\n');
  });

  it('saves and restores the cursor, row included', () => {
    expect(strip('Progress:\x1b7  10%\x1b8  55%\x1b8 100%\n')).toBe('Progress: 100%\n');
    expect(strip('\x1b[3;1Hprompt> \x1b7\x1b[10;1Hstatus\x1b8typed\n')).toBe('prompt>\nstatus\n        typed\n');
    expect(strip('ab\x1b[s\x1b[5Gx\x1b[uc\n')).toBe('abc x\n');
  });
});

describe('AnsiStripper: limits', () => {
  it('caps a move at column 4096', () => {
    expect(strip('a\x1b[99999999Cb\n')).toBe(`a${' '.repeat(4094)}b\n`);
    expect(strip('a\x1b[99999999999999999999Gb\n')).toBe(`a${' '.repeat(4094)}b\n`);
    expect(strip('\x1b[1;99999Hb\n')).toBe(`${' '.repeat(4095)}b\n`);
  });

  it('lets a longer line written as text reach its own end with a move, but no further', () => {
    const long = 'y'.repeat(10_000);
    expect(strip(`${long}\x1b[20000Gz\n`)).toBe(`${long}z\n`);
    expect(strip(`${long}\x1b[5000Gz\n`)).toBe(`${'y'.repeat(4999)}z${'y'.repeat(5000)}\n`);
    // A new row starts empty: the cursor comes back within the cap.
    expect(strip(`${long}\x1b[Bz\n`)).toBe(`${long}\n${' '.repeat(4095)}z\n`);
  });

  it('keeps a long plain line whole, and breaks one longer than 1 MiB cells', () => {
    const json = JSON.stringify({ type: 'assistant', text: 'x'.repeat(200_000) });
    expect(strip(`${json}\n`)).toBe(`${json}\n`);
    const max = 1 << 20;
    expect(strip(`${'a'.repeat(max)}bcd\n`)).toBe(`${'a'.repeat(max)}\nbcd\n`);
    expect(strip(`${'a'.repeat(max - 1)}中x\n`)).toBe(`${'a'.repeat(max - 1)}\n中x\n`);
  });
});

describe('AnsiStripper: moves split across chunks', () => {
  const moves =
    'ab\x1b[12Gc\x1b[3D\x1b[1K中\x1b[38;2;1;2;3mx\x1b[0m\x1b[2;5Hy\x1b7z\x1b[4;1Hq\x1b8w\x1b[2K\x1b[3C🚀e\u0301\x1b[1@\x1b[P\x1b[X\tt\x1bM\x1b[1;1f\x9b5Gk\r\n' +
    '●\x1b[3GFake\x1b[8Gmodel\x1b[1Creply\r\n';
  const movesWant = '         中x\n    yz\nq\n         🚀e\u0301\tt\n    k\n● Fake model reply\n';

  it('lays out the vector in one chunk', () => {
    expect(strip(moves)).toBe(movesWant);
  });

  it('gives the same text split in two at every point', () => {
    const b = enc(moves);
    const bad: number[] = [];
    for (let cut = 0; cut <= b.length; cut++) if (stripSplit(b, [cut]) !== movesWant) bad.push(cut);
    expect(bad).toEqual([]);
  });

  it('gives the same text split in three at every pair of points', () => {
    const b = enc(moves);
    const bad: string[] = [];
    for (let i = 0; i <= b.length; i++) for (let j = i; j <= b.length; j++) if (stripSplit(b, [i, j]) !== movesWant) bad.push(`${i},${j}`);
    expect(bad).toEqual([]);
  });

  it('gives the same text fed one byte at a time', () => {
    const b = enc(moves);
    expect(stripSplit(b, Array.from({ length: b.length }, (_, i) => i))).toBe(movesWant);
  });
});
