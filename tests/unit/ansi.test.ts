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
    expect(strip('\x1b[2J\x1b[H\x1b[?25lhello\x1b[K\x1b[?2004h\x1b[3;5H world\x1b[?25h\n')).toBe('hello world\n');
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
    expect(strip('\x1b7saved\x1b8 \x1b(Bascii\x1b)0 \x1b=keypad\x1b>\n')).toBe('saved ascii keypad\n');
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
