// The attach scrollback view's model (moves, pages, search, selection, copy), the output guard that keeps the
// user's screen, and the clipped drawing of a screen for a client of another size.
import { describe, expect, it } from 'vitest';
import xh from '@xterm/headless';
import { osc52, ScrollbackModel } from '../../src/client/attach/scrollback.js';
import { ScreenGuard } from '../../src/client/attach/screen-guard.js';
import { clipScreen } from '../../src/daemon/screen-clip.js';

const lines = (n: number): string[] => Array.from({ length: n }, (_, i) => `line-${i + 1}`);

describe('ScrollbackModel', () => {
  it('starts at the end with the last page visible', () => {
    const m = new ScrollbackModel(lines(100), 10);
    expect([m.top, m.cursor]).toEqual([90, 99]);
    expect(m.visible()).toEqual(lines(100).slice(90));
    expect(m.position()).toBe('line 100/100');
  });

  it('moves the cursor, scrolling to keep it visible, clamped at both ends', () => {
    const m = new ScrollbackModel(lines(100), 10);
    m.move(-9);
    expect([m.top, m.cursor]).toEqual([90, 90]);
    m.move(-1);
    expect([m.top, m.cursor]).toEqual([89, 89]);
    m.goto(0);
    expect([m.top, m.cursor]).toEqual([0, 0]);
    m.move(-5);
    expect([m.top, m.cursor]).toEqual([0, 0]);
    m.goto(1000);
    expect([m.top, m.cursor]).toEqual([90, 99]);
  });

  it('pages by a screen less one line, keeping the cursor on the page', () => {
    const m = new ScrollbackModel(lines(100), 10);
    m.page(-1);
    expect([m.top, m.cursor]).toEqual([81, 90]);
    m.page(-1);
    expect([m.top, m.cursor]).toEqual([72, 81]);
    m.goto(3);
    m.page(-1);
    expect([m.top, m.cursor]).toEqual([0, 0]);
    m.page(1);
    expect([m.top, m.cursor]).toEqual([9, 9]);
  });

  it('handles fewer lines than rows', () => {
    const m = new ScrollbackModel(['a', 'b'], 10);
    expect([m.top, m.cursor]).toEqual([0, 1]);
    expect(m.visible()).toEqual(['a', 'b', ...Array<string>(8).fill('')]);
    m.page(1);
    expect([m.top, m.cursor]).toEqual([0, 1]);
    expect(m.copyText()).toBe('a\nb');
  });

  it('searches forward and backward from the cursor, smart case, going round', () => {
    const m = new ScrollbackModel(['Error one', 'ok', 'error two', 'ok', 'ERROR three'], 3);
    m.goto(0);
    expect(m.search('error')).toEqual({ ok: true, wrapped: false });
    expect(m.cursor).toBe(2);
    expect(m.search('')).toEqual({ ok: true, wrapped: false });
    expect(m.cursor).toBe(4);
    expect(m.search('', 1)).toEqual({ ok: true, wrapped: true });
    expect(m.cursor).toBe(0);
    expect(m.search('', -1)).toEqual({ ok: true, wrapped: true });
    expect(m.cursor).toBe(4);
    // A capital makes it case-sensitive.
    expect(m.search('Error')).toEqual({ ok: true, wrapped: true });
    expect(m.cursor).toBe(0);
    expect(m.search('Error')).toEqual({ ok: true, wrapped: true });
    expect(m.cursor).toBe(0);
    expect(m.search('missing')).toEqual({ ok: false, wrapped: false });
    expect(m.cursor).toBe(0);
    expect(m.query).toBe('missing');
  });

  it('copies the selection (either direction), else the visible page, trimmed', () => {
    const m = new ScrollbackModel(['a  ', 'b', 'c', 'd', '', ''], 3);
    expect(m.copyText()).toBe('d'); // the page is d and two blank lines
    m.goto(1);
    m.toggleMark();
    m.move(1);
    expect(m.selected(1) && m.selected(2) && !m.selected(0)).toBe(true);
    expect(m.copyText()).toBe('b\nc');
    m.goto(0);
    expect(m.copyText()).toBe('a\nb');
    m.toggleMark();
    expect(m.mark).toBeNull();
  });

  it('osc52 puts the text, base64 in UTF-8, on the clipboard selection', () => {
    expect(osc52('hé\nx')).toBe(`\x1b]52;c;${Buffer.from('hé\nx').toString('base64')}\x07`);
    expect(osc52('row-42')).toBe('\x1b]52;c;cm93LTQy\x07');
  });
});

describe('ScreenGuard', () => {
  const run = (g: ScreenGuard, s: string): { out: string; leftAlt: boolean } => {
    const r = g.feed(Buffer.from(s, 'latin1'));
    return { out: Buffer.from(r.out).toString('latin1'), leftAlt: r.leftAlt };
  };

  it('passes ordinary output through untouched', () => {
    const g = new ScreenGuard();
    const b = Buffer.from('hello é\r\n');
    expect(g.feed(b).out).toBe(b); // no escape at all: the same buffer, not a copy
    const c = Buffer.from('\x1b[31mred\x1b[0m é \x1b]0;title\x07');
    expect(Buffer.from(g.feed(c).out).equals(c)).toBe(true);
  });

  it('drops leaving the alternate screen (and reports it), keeping the other modes of the sequence', () => {
    const g = new ScreenGuard();
    expect(run(g, 'a\x1b[?1049lb')).toEqual({ out: 'ab', leftAlt: true });
    expect(run(g, '\x1b[?1;1049l')).toEqual({ out: '\x1b[?1l', leftAlt: true });
    expect(run(g, '\x1b[?47l\x1b[?1047l')).toEqual({ out: '', leftAlt: true });
    expect(run(g, '\x1b[?25l')).toEqual({ out: '\x1b[?25l', leftAlt: false });
  });

  it('turns entering the alternate screen into save-cursor-and-clear (the terminal is already there)', () => {
    const g = new ScreenGuard();
    expect(run(g, '\x1b[?1049h')).toEqual({ out: '\x1b7\x1b[2J', leftAlt: false });
    expect(run(g, '\x1b[?1047h')).toEqual({ out: '\x1b[2J', leftAlt: false });
    expect(run(g, '\x1b[?1049;2004h')).toEqual({ out: '\x1b7\x1b[2J\x1b[?2004h', leftAlt: false });
  });

  it('finds a sequence split across chunks', () => {
    const g = new ScreenGuard();
    expect(run(g, 'x\x1b[?10')).toEqual({ out: 'x', leftAlt: false });
    expect(run(g, '49ly')).toEqual({ out: 'y', leftAlt: true });
    expect(run(g, 'z\x1b')).toEqual({ out: 'z', leftAlt: false });
    expect(run(g, '[31m')).toEqual({ out: '\x1b[31m', leftAlt: false });
  });

  it('tracks whether the program has mouse reporting on', () => {
    const g = new ScreenGuard();
    expect(g.programMouse).toBe(false);
    run(g, '\x1b[?1000h\x1b[?1006h');
    expect(g.programMouse).toBe(true);
    run(g, '\x1b[?1002;1000l');
    expect(g.programMouse).toBe(false);
  });
});

describe('clipScreen', () => {
  const term = async (cols: number, rows: number, data: string): Promise<InstanceType<typeof xh.Terminal>> => {
    const t = new xh.Terminal({ cols, rows, allowProposedApi: true });
    await new Promise<void>((r) => t.write(data, () => r()));
    return t;
  };
  /** What a terminal of cols x rows shows after the clipped drawing. */
  const shown = async (draw: string, cols: number, rows: number): Promise<string[]> => {
    const t = await term(cols, rows, 'garbage everywhere '.repeat(40));
    await new Promise<void>((r) => t.write(draw, () => r()));
    const out: string[] = [];
    const buf = t.buffer.active;
    for (let y = 0; y < rows; y++) out.push(buf.getLine(buf.baseY + y)!.translateToString(true));
    t.dispose();
    return out;
  };

  it('cuts the rows of a wider session at the client width, never wrapping', async () => {
    const s = await term(20, 4, '0123456789ABCDEFGHIJ\r\nshort\r\n\x1b[1;31mred\x1b[0m');
    const view = clipScreen(s, 10, 3);
    expect(await shown(view, 10, 3)).toEqual(['0123456789', 'short', 'red']);
    expect(view).toContain('\x1b[0;1;31mred');
    expect(view.endsWith('\x1b[3;4H\x1b[?25h')).toBe(true); // the cursor after "red"
    s.dispose();
  });

  it('leaves the rest of a larger client blank', async () => {
    const s = await term(5, 2, 'abcde\r\nfg');
    expect(await shown(clipScreen(s, 8, 4), 8, 4)).toEqual(['abcde', 'fg', '', '']);
    s.dispose();
  });

  it('shows the rows that end at the cursor when it is below the client', async () => {
    const s = await term(10, 6, 'r1\r\nr2\r\nr3\r\nr4\r\nr5\r\nr6');
    expect(await shown(clipScreen(s, 10, 3), 10, 3)).toEqual(['r4', 'r5', 'r6']);
    s.dispose();
  });

  it('leaves a wide character cut by the edge out and hides the cursor outside the view', async () => {
    const s = await term(10, 2, 'abc中x\x1b[?25l');
    const view = clipScreen(s, 4, 2);
    expect(await shown(view, 4, 2)).toEqual(['abc', '']);
    expect(view).not.toContain('\x1b[?25h');
    s.dispose();
  });
});

describe('clipScreen: wide characters at the end of a row', () => {
  it('keeps a wide character that ends the row', async () => {
    const s = new xh.Terminal({ cols: 10, rows: 1, allowProposedApi: true });
    await new Promise<void>((r) => s.write('ab中', () => r()));
    const t = new xh.Terminal({ cols: 8, rows: 1, allowProposedApi: true });
    await new Promise<void>((r) => t.write(clipScreen(s, 8, 1), () => r()));
    expect(t.buffer.active.getLine(0)!.translateToString(true)).toBe('ab中');
    s.dispose();
    t.dispose();
  });
});

describe('ScrollView keys', () => {
  it('reads Kitty-encoded keys as the legacy ones', async () => {
    const { legacyKey } = await import('../../src/client/attach/scroll-view.js');
    expect(legacyKey('\x1b[113u')).toBe('q');
    expect(legacyKey('\x1b[27u')).toBe('\x1b');
    expect(legacyKey('\x1b[13u')).toBe('\r');
    expect(legacyKey('\x1b[71;2u')).toBe('G');
    expect(legacyKey('\x1b[99;5u')).toBe('\x03');
    expect(legacyKey('\x1b[97;3u')).toBe('\x1b[97;3u'); // Alt+a: not a view key
    expect(legacyKey('\x1b[A')).toBe('\x1b[A');
  });

  it('drives the model and draws the page and the status line', async () => {
    const { ScrollView } = await import('../../src/client/attach/scroll-view.js');
    let drawn = '';
    const v = new ScrollView(new ScrollbackModel(lines(50), 4), (s) => (drawn += s), 100, 5);
    const key = (s: string): 'exit' | null => v.feed(Buffer.from(s));
    expect(key('g')).toBeNull();
    expect(v.model.cursor).toBe(0);
    expect(key('/line-2')).toBeNull();
    expect(key('0\r')).toBeNull();
    expect(v.model.cursor).toBe(19);
    drawn = '';
    expect(key('vjy')).toBeNull();
    expect(drawn).toContain(osc52('line-20\nline-21'));
    expect(drawn).toContain('copied 2 lines');
    expect(key('\x1b[<65;1;1M')).toBeNull(); // wheel down: three lines
    expect(v.model.cursor).toBe(23);
    expect(key('\x1b')).toBe('exit');
  });
});
