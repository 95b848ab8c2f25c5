// The attach prefix: parsing C-x / ^x, the chords it starts (detach, scroll, redraw) and cw's wheel handling.
import { describe, expect, it } from 'vitest';
import { DEFAULT_PREFIX, parsePrefix } from '../../src/client/attach/prefix.js';
import { DetachDetector } from '../../src/client/detach.js';
import { attachSettings } from '../../src/client/attach/settings.js';
import { noticeSequence, noticeText } from '../../src/client/attach/notice.js';

const feed = (d: DetachDetector, s: string): { forward: string; action: string | undefined } => {
  const r = d.feed(Buffer.from(s, 'latin1'));
  return { forward: Buffer.from(r.forward).toString('latin1'), action: r.action };
};

describe('parsePrefix', () => {
  it('reads C-x, c-x, ^x and ^X as the control byte, the Kitty code and a label', () => {
    expect(parsePrefix('C-a')).toEqual({ byte: 0x01, kittyCode: 97, label: 'Ctrl+A', spec: 'C-a' });
    expect(parsePrefix('c-B')).toEqual({ byte: 0x02, kittyCode: 98, label: 'Ctrl+B', spec: 'C-b' });
    expect(parsePrefix('^t')).toEqual({ byte: 0x14, kittyCode: 116, label: 'Ctrl+T', spec: 'C-t' });
    expect(parsePrefix('^Z')?.byte).toBe(0x1a);
    expect(parsePrefix(' C-a ')?.byte).toBe(0x01);
    expect(parsePrefix('C-]')).toEqual({ byte: 0x1d, kittyCode: 93, label: 'Ctrl+]', spec: 'C-]' });
    expect(parsePrefix('C-\\')?.byte).toBe(0x1c);
    expect(DEFAULT_PREFIX.byte).toBe(0x02);
  });

  it('refuses what is not one control key', () => {
    for (const bad of ['a', 'C-', 'C-ab', 'M-a', '^1', 'C-@', '', 'Ctrl+A']) expect(parsePrefix(bad)).toBeNull();
  });

  it('settings: the option wins over the file; a bad value is a usage error naming where it came from', () => {
    expect(attachSettings({ prefix: '^t' }, { prefix: 'C-a' }).prefix.byte).toBe(0x14);
    expect(attachSettings({}, { prefix: 'C-a', notice: false, size: 'smallest', mouse: false })).toMatchObject({ notice: false, sizePolicy: 'smallest', mouse: false });
    expect(attachSettings({}, {})).toMatchObject({ prefix: DEFAULT_PREFIX, notice: true, sizePolicy: 'latest', mouse: true });
    expect(attachSettings({ quiet: true, mouse: false }, { notice: true, mouse: true })).toMatchObject({ notice: false, mouse: false });
    expect(() => attachSettings({}, { prefix: 'x' })).toThrow(/config.toml \[attach\] prefix: 'x' is not a control key/);
    expect(() => attachSettings({ prefix: 'M-a' })).toThrow(/--prefix/);
    expect(() => attachSettings({ sizePolicy: 'largest' })).toThrow(/latest or smallest/);
  });
});

describe('DetachDetector with a prefix', () => {
  it('uses the configured prefix, legacy and Kitty-encoded; Ctrl+B is then an ordinary key', () => {
    const d = new DetachDetector(parsePrefix('C-a')!);
    expect(feed(d, 'x\x02dy')).toEqual({ forward: 'x\x02dy', action: undefined });
    expect(feed(d, '\x01\x01')).toEqual({ forward: '\x01', action: undefined });
    expect(feed(d, 'ls\x01d')).toEqual({ forward: 'ls', action: 'detach' });
    expect(feed(new DetachDetector(parsePrefix('C-a')!), '\x1b[97;5u\x1b[100u')).toEqual({ forward: '', action: 'detach' });
  });

  it('prefix [ opens the scrollback view and prefix r redraws, in both encodings', () => {
    expect(feed(new DetachDetector(), 'a\x02[')).toEqual({ forward: 'a', action: 'scroll' });
    expect(feed(new DetachDetector(), '\x02r')).toEqual({ forward: '', action: 'redraw' });
    expect(feed(new DetachDetector(), '\x1b[98;5u\x1b[91u')).toEqual({ forward: '', action: 'scroll' });
    const d = new DetachDetector();
    expect(feed(d, '\x02').action).toBeUndefined();
    expect(feed(d, '[')).toEqual({ forward: '', action: 'scroll' });
    // The chord is over: the next prefix starts a new one (it is not taken as prefix prefix).
    expect(feed(d, '\x02d')).toEqual({ forward: '', action: 'detach' });
  });

  it('with the wheel taken: wheel-up opens the view, other mouse reports never reach the program', () => {
    const d = new DetachDetector();
    expect(feed(d, '\x1b[<64;3;4M')).toEqual({ forward: '\x1b[<64;3;4M', action: undefined }); // not taken: the program's
    d.wheel = true;
    expect(feed(d, 'a\x1b[<0;3;4Mb\x1b[<0;3;4m')).toEqual({ forward: 'ab', action: undefined });
    expect(feed(d, 'x\x1b[<64;3;4M')).toEqual({ forward: 'x', action: 'scroll' });
    expect(feed(d, '\x1b[<65;3;4M')).toEqual({ forward: '', action: undefined });
    expect(feed(d, '\x1b[M`!!')).toEqual({ forward: '', action: 'scroll' }); // X10 encoding, button 64
  });
});

describe('the attach notice', () => {
  it('says how to detach and scroll, and inside tmux whose the prefix is', () => {
    expect(noticeText('api', DEFAULT_PREFIX, false)).toBe('[cw] attached to api · Ctrl+B d to detach · Ctrl+B [ to scroll');
    expect(noticeText('api', DEFAULT_PREFIX, true)).toBe("[cw] attached to api · Ctrl+B is tmux's too, press it twice: Ctrl+B Ctrl+B d detaches, Ctrl+B Ctrl+B [ scrolls (or set [attach] prefix)");
    expect(noticeText('3', parsePrefix('C-a')!, true)).toBe("[cw] attached to 3 · Ctrl+A d to detach · Ctrl+A [ to scroll (cw's prefix; tmux's own prefix goes to tmux)");
  });

  it('is drawn in the last row, cut one column short of the edge, with the cursor saved and restored', () => {
    expect(noticeSequence('hello', 10, 5)).toBe('\x1b7\x1b[5;1H\x1b[0;7mhello    \x1b[0m\x1b8');
    expect(noticeSequence('a long notice', 8, 2)).toBe('\x1b7\x1b[2;1H\x1b[0;7ma long…\x1b[0m\x1b8');
  });
});
