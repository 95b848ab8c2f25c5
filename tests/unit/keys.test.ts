import { describe, it, expect } from 'vitest';
import { KEY_NAMES, keyBytes } from '../../src/channel/keys.js';

describe('keyBytes', () => {
  it('maps Enter, Escape, Tab and S-Tab', () => {
    expect(keyBytes('Enter')).toBe('\r');
    expect(keyBytes('Return')).toBe('\r');
    expect(keyBytes('Escape')).toBe('\x1b');
    expect(keyBytes('Esc')).toBe('\x1b');
    expect(keyBytes('Tab')).toBe('\t');
    expect(keyBytes('S-Tab')).toBe('\x1b[Z');
    expect(keyBytes('BTab')).toBe('\x1b[Z');
    expect(keyBytes('Shift-Tab')).toBe('\x1b[Z');
  });

  it('maps the arrows in normal cursor-key mode', () => {
    expect(keyBytes('Up')).toBe('\x1b[A');
    expect(keyBytes('Down')).toBe('\x1b[B');
    expect(keyBytes('Right')).toBe('\x1b[C');
    expect(keyBytes('Left')).toBe('\x1b[D');
  });

  it('maps editing and paging keys', () => {
    expect(keyBytes('Space')).toBe(' ');
    expect(keyBytes('BSpace')).toBe('\x7f');
    expect(keyBytes('Backspace')).toBe('\x7f');
    expect(keyBytes('Delete')).toBe('\x1b[3~');
    expect(keyBytes('Home')).toBe('\x1b[H');
    expect(keyBytes('End')).toBe('\x1b[F');
    expect(keyBytes('PageUp')).toBe('\x1b[5~');
    expect(keyBytes('PageDown')).toBe('\x1b[6~');
  });

  it('maps control keys', () => {
    expect(keyBytes('C-c')).toBe('\x03');
    expect(keyBytes('C-d')).toBe('\x04');
    expect(keyBytes('C-a')).toBe('\x01');
    expect(keyBytes('C-z')).toBe('\x1a');
    expect(keyBytes('Ctrl-c')).toBe('\x03');
    expect(keyBytes('C-[')).toBe('\x1b');
    expect(keyBytes('C-@')).toBe('\x00');
    expect(keyBytes('C- ')).toBe('\x00');
    expect(keyBytes('C-?')).toBe('\x7f');
    expect(keyBytes('C-1')).toBeNull();
  });

  it('maps meta keys to ESC and the key', () => {
    expect(keyBytes('M-x')).toBe('\x1bx');
    expect(keyBytes('Alt-b')).toBe('\x1bb');
    expect(keyBytes('Meta-f')).toBe('\x1bf');
    expect(keyBytes('M-Enter')).toBe('\x1b\r');
    expect(keyBytes('M-C-c')).toBe('\x1b\x03');
    expect(keyBytes('M-Up')).toBe('\x1b\x1b[A');
    expect(keyBytes('M-Nope')).toBeNull();
  });

  it('maps function keys', () => {
    expect(keyBytes('F1')).toBe('\x1bOP');
    expect(keyBytes('F4')).toBe('\x1bOS');
    expect(keyBytes('F5')).toBe('\x1b[15~');
    expect(keyBytes('F12')).toBe('\x1b[24~');
  });

  it('passes single characters through, so `--key 1` answers a numbered dialog', () => {
    for (const ch of ['1', 'y', 'n', 'Y', ' ', '/', 'é', '中', '🚀']) expect(keyBytes(ch), ch).toBe(ch);
  });

  it('ignores case in names', () => {
    expect(keyBytes('enter')).toBe('\r');
    expect(keyBytes('ENTER')).toBe('\r');
    expect(keyBytes('eScApE')).toBe('\x1b');
    expect(keyBytes('s-tab')).toBe('\x1b[Z');
    expect(keyBytes('S-TAB')).toBe('\x1b[Z');
    expect(keyBytes('up')).toBe('\x1b[A');
    expect(keyBytes('f5')).toBe('\x1b[15~');
    expect(keyBytes('c-C')).toBe('\x03');
    expect(keyBytes('CTRL-D')).toBe('\x04');
    expect(keyBytes('m-x')).toBe('\x1bx');
  });

  it('returns null for unknown names', () => {
    for (const n of ['', 'Foo', 'F13', 'F0', 'Enterr', 'C-', 'M-', 'C-cc', 'Shift-Up', 'up ', 'ab']) expect(keyBytes(n), JSON.stringify(n)).toBeNull();
  });

  // Regression: names of Object.prototype members ('constructor', '__proto__') must not resolve to its members.
  it('returns null for names that are Object.prototype members', () => {
    for (const n of ['constructor', '__proto__', 'M-constructor']) expect(keyBytes(n), n).toBeNull();
  });

  it('lists its key names for help text', () => {
    expect(KEY_NAMES).toContain('Enter');
    expect(KEY_NAMES).toContain('S-Tab');
  });
});
