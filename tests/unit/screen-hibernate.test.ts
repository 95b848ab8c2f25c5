// Hibernation must be invisible: a revived terminal serializes, snapshots and reads exactly like the one that was
// disposed, and keeps behaving like it on the output that comes after (saved cursor, scroll region, tabs, ...).
import { describe, expect, it } from 'vitest';
import {
  hibernate,
  hibernateBlocker,
  linesOf,
  newScreenTerm,
  revive,
  stateOf,
  trimParseBuffer,
  viewOf,
  type Hibernated,
  type ScreenTerm,
} from '../../src/daemon/screen-hibernate.js';
import { mulberry32 } from '../support/harness.js';

const COLS = 120;
const ROWS = 40;
const SCROLLBACK = 2000;

const write = (t: ScreenTerm, d: string | Uint8Array): Promise<void> => new Promise((r) => t.term.write(d, r));
const revived = (h: Hibernated): Promise<ScreenTerm> => new Promise((r) => revive(h, r));

/** Everything a terminal shows or will act on, compared before and after a round trip. */
function everything(t: ScreenTerm): Record<string, unknown> {
  return {
    serialized: t.ser.serialize(),
    screenOnly: t.ser.serialize({ scrollback: 0 }),
    view: viewOf(t.term),
    lines: linesOf(t.term, SCROLLBACK),
    state: stateOf(t.term),
  };
}

/** A build-log-like line: words, colours (16, 256, RGB), wide and combining characters, sometimes longer than a row. */
function logLines(seed: number, n: number): string {
  const r = mulberry32(seed);
  const words = ['build', 'ok', 'warning:', 'src/x.ts', '██', '日本語', 'naïve', 'e\u0301', '🙂', '\t', '0123456789'];
  let out = '';
  for (let i = 0; i < n; i++) {
    let line = '';
    const k = Math.floor(r() * 16);
    for (let j = 0; j < k; j++) {
      const p = r();
      if (p < 0.1) line += `\x1b[${30 + Math.floor(r() * 8)}m`;
      else if (p < 0.15) line += `\x1b[38;5;${Math.floor(r() * 256)}m`;
      else if (p < 0.2) line += `\x1b[48;2;${Math.floor(r() * 256)};${Math.floor(r() * 256)};${Math.floor(r() * 256)}m`;
      else if (p < 0.25) line += `\x1b[${[1, 2, 3, 4, 5, 7, 8, 9, 53][Math.floor(r() * 9)]}m`;
      else if (p < 0.3) line += '\x1b[0m';
      line += `${words[Math.floor(r() * words.length)]} `;
    }
    if (r() < 0.05) line += 'w'.repeat(COLS * 2 + 7);
    out += `${line}\x1b[0m\r\n`;
  }
  return out;
}

interface Case {
  name: string;
  /** What the program printed before it went idle. */
  before: string;
  /** What it prints after: must land the same on the original and the revived terminal. */
  after: string;
  size?: [number, number];
  /** Resize the terminal after `before` (reflow) and before hibernating. */
  resize?: [number, number];
}

const CASES: Case[] = [
  { name: 'blank terminal', before: '', after: 'first output\r\n$ ' },
  { name: 'bash at its prompt', before: 'bash-5.2$ ', after: 'ls\r\nfile-a  file-b\r\nbash-5.2$ ' },
  {
    name: 'colours, attributes and background fills, current colours left set',
    before:
      '\x1b[31mred\x1b[0m \x1b[1;32mbold green\x1b[0m \x1b[38;5;208m256-orange\x1b[0m \x1b[38;2;10;20;30;48;2;200;100;50mrgb\x1b[0m\r\n' +
      '\x1b[3mitalic\x1b[23m \x1b[4munder\x1b[24m \x1b[7minverse\x1b[27m \x1b[9mstrike\x1b[29m \x1b[53mover\x1b[55m \x1b[2mdim\x1b[22m\r\n' +
      '\x1b[44mblue to the end of the line\x1b[K\x1b[0m\r\n\x1b[45m  \x1b[0m  gap  \x1b[46m   \x1b[0m\r\n\x1b[1;33;41m',
    after: 'still yellow on red\x1b[0m plain\r\n',
  },
  {
    name: 'wide and combining characters, a wide character at the wrap',
    before: `日本語テキスト 🙂 emoji e\u0301 cafe\u0301\r\n${'x'.repeat(COLS - 1)}中文\r\nhalf: ${'y'.repeat(COLS - 7)}界`,
    after: '中文\r\nend',
  },
  {
    name: 'alternate screen with colours left set, cursor mid-screen',
    before:
      'main line 1\r\nmain line 2\r\n\x1b[?1049h\x1b[H\x1b[2J\x1b[44m\x1b[2J\x1b[3;5H\x1b[1;37m+--------+\x1b[4;5H| boxed  |\x1b[5;5H+--------+' +
      '\x1b[40;1H\x1b[0;7m status: ready \x1b[0;41m\x1b[4;7H',
    after: 'X\x1b[0m\x1b[?1049lback on main\r\n',
  },
  { name: 'full scrollback with soft wraps', before: `${logLines(1, 3000)}bash-5.2$ `, after: `${logLines(2, 50)}$ ` },
  {
    name: 'modes: bracketed paste, app cursor and keypad, SGR mouse, focus, hidden cursor, cursor style',
    before: 'vim-ish\x1b[?2004h\x1b[?1h\x1b=\x1b[?1002h\x1b[?1006h\x1b[?1004h\x1b[?25l\x1b[5 q\x1b[?12h\x1b[?45h\x1b[?7l',
    after: `${'z'.repeat(COLS + 10)}\r\n\x1b[?25h`,
  },
  { name: 'saved cursor (DECSC) with its colours', before: 'abc\x1b[32m\x1b7\x1b[10;20H\x1b[0mtext elsewhere', after: '\x1b8restored in green' },
  { name: 'scroll region', before: 'top\x1b[5;15r\x1b[15;1Hbottom of region', after: '\n\n\nscrolled inside the region\x1b[r' },
  { name: 'custom tab stops', before: '\x1b[3g\x1b[1;6H\x1bH\x1b[1;18H\x1bH\x1b[1;1Htabs set', after: '\r\n\ta\tb\tc' },
  { name: 'DEC line drawing in G0 and G1, shifted to G1', before: '\x1b(0lqqk\x1b(B \x1b)0\x0eqqq', after: 'qqq\x0fqqq' },
  { name: 'wrap pending at the last column', before: `${'p'.repeat(COLS - 2)}$ `, after: 'y' },
  { name: 'window title', before: '\x1b]0;first\x07text', after: '\x1b]2;second\x07more' },
  { name: 'a combining mark continuing the last character', before: 'cafe', after: '\u0301!' },
  { name: 'REP repeating the last character', before: 'a', after: '\x1b[3b' },
  { name: 'insert mode and origin mode in a region', before: 'line one\r\nline two\x1b[4h\x1b[3;20r\x1b[?6h', after: '\x1b[1;1Hins\x1b[?6l\x1b[r\x1b[4l\x1b[1;1Hx' },
  {
    name: 'bold right after dim, dim after bold-and-dim (attributes that share SGR 22)',
    before: '\x1b[2mdim\x1b[22;1mbold\x1b[2mboth\x1b[22;1mbold\x1b[0m \x1b[1;2mboth\x1b[22;2mdim only\x1b[0m',
    after: '\r\n\x1b[2mx\x1b[22;1my',
  },
  { name: 'blank cells with a background between text, erased to the end of the line', before: 'a\x1b[42m\x1b[5X\x1b[5Cb\x1b[43m\x1b[K\x1b[0m\r\n\x1b[41m\x1b[2K\x1b[0mred row', after: 'c' },
  { name: 'curly coloured underline left set', before: '\x1b[4:3m\x1b[58;5;196mcurly', after: ' more\x1b[0m' },
  { name: 'resized after output (reflowed)', before: `${logLines(3, 200)}$ `, after: 'after resize', resize: [80, 30] },
  { name: 'small terminal', before: `${logLines(4, 100)}$ `, after: 'x', size: [20, 5] },
];

describe('hibernate and revive', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const [cols, rows] = c.size ?? [COLS, ROWS];
      const a = newScreenTerm(cols, rows, SCROLLBACK);
      await write(a, c.before);
      if (c.resize) a.term.resize(c.resize[0], c.resize[1]);
      expect(hibernateBlocker(a.term)).toBeNull();
      const before = everything(a);
      const h = hibernate(a)!;
      expect(h).not.toBeNull();
      expect(h.view).toEqual(before.view);
      const b = await revived(h);
      expect(everything(b)).toEqual(before);
      // The same output afterwards lands the same way.
      await write(a, c.after);
      await write(b, c.after);
      expect(everything(b)).toEqual(everything(a));
      a.term.dispose();
      b.term.dispose();
    });
  }

  it('revives a terminal that was revived before', async () => {
    const a = newScreenTerm(COLS, ROWS, SCROLLBACK);
    await write(a, `${logLines(5, 300)}\x1b7\x1b[5;30r\x1b[?2004h$ `);
    let t = a;
    for (let i = 0; i < 3; i++) {
      const next = await revived(hibernate(t)!);
      expect(everything(next)).toEqual(everything(a));
      if (t !== a) t.term.dispose();
      t = next;
    }
    a.term.dispose();
    t.term.dispose();
  });

  it('packs a full scrollback far smaller than the terminal holds it', async () => {
    const a = newScreenTerm(COLS, ROWS, SCROLLBACK);
    await write(a, `${logLines(6, 3000)}$ `);
    const h = hibernate(a)!;
    // 2040 rows of 120 cells at 12 bytes each in xterm; the text itself is a fraction of that, deflated further.
    expect(h.packed.length).toBeLessThan(h.chars);
    expect(h.packed.length).toBeLessThan((2040 * 120 * 12) / 10);
    a.term.dispose();
  });
});

describe('hibernateBlocker', () => {
  it('refuses a half-read escape sequence, a half UTF-8 character and an open hyperlink, until they end', async () => {
    const t = newScreenTerm(COLS, ROWS, SCROLLBACK);
    await write(t, 'x\x1b[3');
    expect(hibernateBlocker(t.term)).toBe('parser inside a sequence');
    await write(t, '1mred');
    expect(hibernateBlocker(t.term)).toBeNull();
    await write(t, '\x1b]0;half a tit');
    expect(hibernateBlocker(t.term)).toBe('parser inside a sequence');
    await write(t, 'le\x07');
    expect(hibernateBlocker(t.term)).toBeNull();
    const kanji = Buffer.from('漢', 'utf8');
    await write(t, kanji.subarray(0, 2));
    expect(hibernateBlocker(t.term)).toBe('half a character');
    expect(hibernate(t)).toBeNull();
    await write(t, kanji.subarray(2));
    expect(hibernateBlocker(t.term)).toBeNull();
    await write(t, '\x1b]8;;https://example.invalid/\x07link');
    expect(hibernateBlocker(t.term)).toBe('open hyperlink');
    await write(t, '\x1b]8;;\x07 after');
    expect(hibernateBlocker(t.term)).toBeNull();
    t.term.dispose();
  });
});

describe('trimParseBuffer', () => {
  it('gives back the decode buffer a big write grew, and parsing goes on the same', async () => {
    const parseBuffer = (t: ScreenTerm): Uint32Array => (t.term as unknown as { _core: { _inputHandler: { _parseBuffer: Uint32Array } } })._core._inputHandler._parseBuffer;
    const a = newScreenTerm(COLS, ROWS, SCROLLBACK);
    const b = newScreenTerm(COLS, ROWS, SCROLLBACK);
    const big = logLines(7, 2000);
    await write(a, big);
    await write(b, big);
    expect(parseBuffer(a).length).toBeGreaterThan(100_000);
    trimParseBuffer(a.term);
    expect(parseBuffer(a).length).toBe(4096);
    await write(a, `${big}$ `);
    await write(b, `${big}$ `);
    expect(everything(a)).toEqual(everything(b));
    a.term.dispose();
    b.term.dispose();
  });
});
