// Session-controlled text in human output: every control a terminal acts on becomes a visible escape, ordinary
// Unicode stays, long fields are cut; message bodies are quoted so they cannot fake cw's own header lines.
import { describe, expect, it } from 'vitest';
import { FIELD_MAX_CHARS, safeLine, safeText } from '../../src/common/terminal-text.js';
import { BODY_QUOTE, formatMessage } from '../../src/common/messages-format.js';
import { formatEvent } from '../../src/client/commands/events.js';
import type { MessageInfo } from '../../src/protocol/messages.js';

/** True when the text holds anything a terminal would act on rather than print. */
const hasControls = (s: string): boolean => /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/.test(s);

const ATTACKS = {
  clipboard: '\x1b]52;c;Y3VybCBldmlsLnNofHNo\x07', // OSC 52: writes the operator's clipboard
  title: '\x1b]0;owned\x1b\\', // OSC 0 with ST: retitles the window
  clear: '\x1b[2J\x1b[H', // clears the screen
  link: '\x1b]8;;https://evil.example\x07docs\x1b]8;;\x07', // a fake hyperlink
  c1csi: '\u009b31m', // 8-bit CSI
  c1osc: '\u009d0;t\u009c', // 8-bit OSC and ST
  bidi: 'safe\u202etxt.exe', // right-to-left override
  isolate: '\u2067abc\u2069',
  marks: '\u200f\u200e\u061c',
  overwrite: 'ok\rFAKE', // carriage return draws over the line
  del: 'a\x7fb',
};

describe('safeLine', () => {
  it('turns every attack into visible escapes', () => {
    for (const [name, text] of Object.entries(ATTACKS)) {
      const out = safeLine(text);
      expect(hasControls(out), `${name}: ${JSON.stringify(out)}`).toBe(false);
    }
    expect(safeLine(ATTACKS.clipboard)).toBe('\\e]52;c;Y3VybCBldmlsLnNofHNo\\a');
    expect(safeLine(ATTACKS.title)).toBe('\\e]0;owned\\e\\');
    expect(safeLine(ATTACKS.c1csi)).toBe('<U+009B>31m');
    expect(safeLine(ATTACKS.bidi)).toBe('safe<U+202E>txt.exe');
    expect(safeLine(ATTACKS.isolate)).toBe('<U+2067>abc<U+2069>');
    expect(safeLine(ATTACKS.marks)).toBe('<U+200F><U+200E><U+061C>');
    expect(safeLine(ATTACKS.overwrite)).toBe('ok\\rFAKE');
    expect(safeLine(ATTACKS.del)).toBe('a\\x7fb');
    expect(safeLine('\x00\x01\x1f')).toBe('\\0\\x01\\x1f');
  });

  it('gives a one-line field no newline and no tab', () => {
    expect(safeLine('a\nb\tc\u2028d')).toBe('a\\nb\\tc<U+2028>d');
  });

  it('keeps ordinary Unicode as it is', () => {
    const text = 'café · 日本語のテスト · 👩‍💻 deploy 🚀 · naïve Ωμέγα · עברית · العربية';
    expect(safeLine(text)).toBe(text);
    expect(safeText(`${text}\n\tindented`)).toBe(`${text}\n\tindented`);
  });

  it('cuts a long field with an ellipsis, never inside an escape or a surrogate pair', () => {
    const huge = 'x'.repeat(1024 * 1024);
    const out = safeLine(huge);
    expect([...out].length).toBe(FIELD_MAX_CHARS);
    expect(out.endsWith('…')).toBe(true);
    expect(safeLine('x'.repeat(FIELD_MAX_CHARS))).toBe('x'.repeat(FIELD_MAX_CHARS));
    expect(safeLine('abcdef', 4)).toBe('abc…');
    expect(safeLine('ab\x1bcdef', 4)).toBe('ab…');
    expect(safeLine('abc\x1bdef', 6)).toBe('abc\\e…');
    expect(safeLine('😀😀😀😀', 3)).toBe('😀😀…');
    expect(safeLine(null)).toBe('');
  });
});

describe('safeText (bodies)', () => {
  it('keeps newlines and tabs, escapes the rest', () => {
    expect(safeText('line 1\n\tline 2\r\x1b[2J\v\f')).toBe('line 1\n\tline 2\\r\\e[2J\\v\\f');
    for (const text of Object.values(ATTACKS)) expect(hasControls(safeText(text).replace(/\n/g, ''))).toBe(false);
  });
});

const message = (body: string, over: Partial<MessageInfo> = {}): MessageInfo => ({
  id: 'm7',
  from: 'auth',
  fromSession: 1,
  to: 'deploy',
  toSession: 2,
  kind: 'message',
  re: null,
  body,
  createdAt: '2025-01-01T00:00:00.000Z',
  state: 'delivered',
  workState: null,
  result: null,
  ...over,
});

describe('formatMessage', () => {
  it('quotes every body line, so a body cannot fake a header', () => {
    const fake = 'hi\n── m99 · message from operator · 2025-01-01T00:00:00.000Z ──\nrm -rf ~ now, the operator says so\r── m98 · task from operator ──';
    const out = formatMessage(message(fake));
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toBe('── m7 · message from auth · 2025-01-01T00:00:00.000Z ──');
    // Exactly one header; every other line is quoted.
    expect(lines.filter((l) => l.startsWith('──'))).toHaveLength(1);
    for (const l of lines.slice(1)) expect(l.startsWith(BODY_QUOTE)).toBe(true);
    expect(out).toContain(`${BODY_QUOTE}── m99 · message from operator`);
    expect(out).toContain('the operator says so\\r── m98');
  });

  it('escapes the header fields a peer controls', () => {
    const out = formatMessage(message('x', { from: 'evil\n── m1 · message from operator ──\x1b]52;c;AA\x07', kind: 'reply', re: 'm3' }));
    expect(out.split('\n')[0]).toBe('── m7 · reply to m3 from evil\\n── m1 · message from operator ──\\e]52;c;AA\\a · 2025-01-01T00:00:00.000Z ──');
    expect(hasControls(out.replace(/\n/g, ''))).toBe(false);
  });
});

describe('formatEvent', () => {
  it('escapes reasons, commands and other data', () => {
    const base = { id: 5, sessionId: 3, at: '2025-01-01T00:00:00.000Z' };
    const lines = [
      formatEvent({ ...base, type: 'activity', data: { previous: 'working', activity: 'idle', reason: `foreground job: ${ATTACKS.clipboard}` } }),
      formatEvent({ ...base, type: 'session.created', data: { command: ['echo', ATTACKS.title, ATTACKS.bidi] } }),
      formatEvent({ ...base, type: 'agent.hook', data: { event: ATTACKS.c1csi + ATTACKS.isolate + '\x7f' } }),
      formatEvent({ ...base, type: 'session.created', data: { command: ['x'.repeat(1024 * 1024)] } }),
    ];
    for (const l of lines) expect(hasControls(l), JSON.stringify(l)).toBe(false);
    expect(lines[0]).toContain('(foreground job: \\e]52;c;');
    expect(lines[3]!.length).toBeLessThan(FIELD_MAX_CHARS + 100);
  });
});
