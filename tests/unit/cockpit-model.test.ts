// The cockpit's pure parts: rows, order, filter, selection, scrolling, deadlocks, key decoding, widths, frame diff.
import { describe, expect, it } from 'vitest';
import type { MessageInfo, SessionInfo } from '../../src/protocol/messages.js';
import { session } from '../support/sessions.js';
import {
  findDeadlocks,
  keepSelection,
  listLines,
  matchesFilter,
  moveSelection,
  refAtRow,
  scrollFor,
  shellWords,
  sortSessions,
  type MachineView,
} from '../../src/client/cockpit/model.js';
import { parseKeys } from '../../src/client/cockpit/keys.js';
import { clip, fit, textWidth } from '../../src/client/cockpit/width.js';
import { diffFrame } from '../../src/client/cockpit/screen.js';


const machine = (key: string, sessions: SessionInfo[]): MachineView => ({ key, label: key, sessions, error: null });

function open(id: string, from: number | null, to: number | null): MessageInfo {
  return { id, from: String(from), fromSession: from, to: String(to), toSession: to, kind: 'request', re: null, body: 'q', createdAt: '2025-01-01T00:00:00.000Z', state: 'delivered', workState: 'open', result: null };
}

describe('rows', () => {
  it('sort waiting first, then running, then ended; by id within each', () => {
    const list = [session(5, { state: 'exited' }), session(4), session(3, { activity: 'waiting_for_input' }), session(1, { activity: 'working' }), session(2, { state: 'lost' })];
    expect(sortSessions(list).map((s) => s.id)).toEqual([3, 1, 4, 2, 5]);
  });

  it('filter by every word over id, name, tag, activity, state and agent', () => {
    const s = session(12, { name: 'api', tags: ['backend'], activity: 'waiting_for_input', agent: 'claude' });
    expect(matchesFilter(s, '')).toBe(true);
    expect(matchesFilter(s, 'API')).toBe(true);
    expect(matchesFilter(s, 'back')).toBe(true);
    expect(matchesFilter(s, 'waiting claude')).toBe(true);
    expect(matchesFilter(s, '12')).toBe(true);
    expect(matchesFilter(s, 'api idle')).toBe(false);
    expect(matchesFilter(session(1, { state: 'exited' }), 'exited')).toBe(true);
    // An ended session's last activity does not match: it is not idle any more.
    expect(matchesFilter(session(1, { state: 'exited', activity: 'idle' }), 'idle')).toBe(false);
  });

  it('group per machine with a header counting what the filter keeps', () => {
    const lines = listLines([machine('local', [session(2), session(1, { name: 'web' })]), machine('box', [session(7, { name: 'web-2' })])], 'web');
    expect(lines.map((l) => (l.kind === 'group' ? `# ${l.machine.key} ${l.shown}` : `${l.machine}:${l.session.id}`))).toEqual(['# local 1', 'local:1', '# box 1', 'box:7']);
  });
});

describe('selection', () => {
  const lines = listLines([machine('local', [session(1), session(2), session(3)]), machine('box', [session(9)])], '');
  it('moves by rows, skipping headers, and clamps at the ends', () => {
    expect(moveSelection(lines, null, 1)).toEqual({ machine: 'local', id: 1 });
    expect(moveSelection(lines, { machine: 'local', id: 3 }, 1)).toEqual({ machine: 'box', id: 9 });
    expect(moveSelection(lines, { machine: 'box', id: 9 }, 5)).toEqual({ machine: 'box', id: 9 });
    expect(moveSelection(lines, { machine: 'local', id: 2 }, -10)).toEqual({ machine: 'local', id: 1 });
    expect(moveSelection(lines, { machine: 'local', id: 2 }, 'last')).toEqual({ machine: 'box', id: 9 });
    expect(moveSelection(lines, { machine: 'box', id: 9 }, 'first')).toEqual({ machine: 'local', id: 1 });
  });

  it('stays on its session while shown, else goes to the first row', () => {
    expect(keepSelection(lines, { machine: 'local', id: 2 })).toEqual({ machine: 'local', id: 2 });
    expect(keepSelection(lines, { machine: 'local', id: 42 })).toEqual({ machine: 'local', id: 1 });
    expect(keepSelection([], { machine: 'local', id: 2 })).toBeNull();
  });

  it('scrolls as little as needed to keep the selection in view', () => {
    expect(scrollFor(0, 3, 5, 100)).toBe(0);
    expect(scrollFor(0, 7, 5, 100)).toBe(3);
    expect(scrollFor(10, 4, 5, 100)).toBe(4);
    expect(scrollFor(0, 99, 5, 100)).toBe(95);
    expect(scrollFor(50, 1, 5, 100)).toBe(0); // the group header above the first row comes along
    expect(scrollFor(90, -1, 5, 20)).toBe(15); // the list shrank under it
  });

  it('a click finds the session row under it', () => {
    expect(refAtRow(lines, 0, 0)).toBeNull(); // the header
    expect(refAtRow(lines, 0, 2)).toEqual({ machine: 'local', id: 2 });
    expect(refAtRow(lines, 2, 3)).toEqual({ machine: 'box', id: 9 });
    expect(refAtRow(lines, 0, 40)).toBeNull();
  });
});

describe('deadlocks', () => {
  it('a cycle of running sessions that each wait on the next', () => {
    const sessions = [session(1), session(2), session(3), session(4)];
    expect(findDeadlocks([open('m1', 1, 2), open('m2', 2, 3), open('m3', 3, 1), open('m4', 4, 1)], sessions)).toEqual([[1, 2, 3]]);
    expect(findDeadlocks([open('m1', 2, 1), open('m2', 1, 2)], sessions)).toEqual([[1, 2]]);
    expect(findDeadlocks([open('m1', 4, 4)], sessions)).toEqual([[4]]);
  });

  it('no deadlock without a cycle, or when a member has ended', () => {
    expect(findDeadlocks([open('m1', 1, 2), open('m2', 2, 3)], [session(1), session(2), session(3)])).toEqual([]);
    expect(findDeadlocks([open('m1', 1, 2), open('m2', 2, 1)], [session(1), session(2, { state: 'exited' })])).toEqual([]);
    expect(findDeadlocks([open('m1', null, 2), open('m2', 2, null)], [session(2)])).toEqual([]);
    // A session the list does not have (removed) is not running either.
    expect(findDeadlocks([open('m1', 1, 5), open('m2', 5, 1)], [session(1)])).toEqual([]);
  });
});

describe('command words', () => {
  it('split like a shell for quotes and backslashes', () => {
    expect(shellWords(`claude --model 'a b' "c \\"d\\"" e\\ f`)).toEqual(['claude', '--model', 'a b', 'c "d"', 'e f']);
    expect(shellWords('   ')).toEqual([]);
    expect(() => shellWords("echo 'x")).toThrow(/unclosed quote/);
  });
});

describe('keys', () => {
  it('decodes arrows, pages, home/end in both encodings, Enter, Esc and characters', () => {
    expect(parseKeys('\x1b[A\x1b[B\x1bOA\x1b[5~\x1b[6~\x1b[H\x1b[F\x1b[1~\x1b[4~')).toEqual(
      ['up', 'down', 'up', 'pgup', 'pgdn', 'home', 'end', 'home', 'end'].map((name) => ({ name })),
    );
    expect(parseKeys('j\rq\x7f\x03é')).toEqual([{ name: 'char', ch: 'j' }, { name: 'enter' }, { name: 'char', ch: 'q' }, { name: 'backspace' }, { name: 'ctrl-c' }, { name: 'char', ch: 'é' }]);
    expect(parseKeys('\x1b')).toEqual([{ name: 'esc' }]);
    expect(parseKeys('\x1b[1;5A')).toEqual([{ name: 'up' }]);
  });

  it('decodes SGR mouse clicks and the wheel, 0-based', () => {
    expect(parseKeys('\x1b[<0;5;3M\x1b[<0;5;3m\x1b[<65;1;1M')).toEqual([
      { name: 'mouse', button: 0, x: 4, y: 2, release: false },
      { name: 'mouse', button: 0, x: 4, y: 2, release: true },
      { name: 'mouse', button: 65, x: 0, y: 0, release: false },
    ]);
  });
});

describe('widths', () => {
  it('count wide characters as two columns and combining marks as none', () => {
    expect(textWidth('abc')).toBe(3);
    expect(textWidth('日本')).toBe(4);
    expect(textWidth('e\u0301')).toBe(1);
    expect(textWidth('🚀')).toBe(2);
  });

  it('clip and pad to exact columns, never splitting a wide character', () => {
    expect(fit('hello', 8)).toBe('hello   ');
    expect(fit('hello world', 8)).toBe('hello w…');
    expect(fit('7', 4, true)).toBe('   7');
    expect(clip('日本語', 4)).toBe('日…');
    expect(fit('日本語', 4)).toBe('日… ');
    expect(clip('abcdef', 3, false)).toBe('abc');
  });
});

describe('frame diff', () => {
  it('writes only the lines that changed, each from its first column', () => {
    expect(diffFrame(['a', 'b', 'c'], ['a', 'B', 'c'])).toBe('\x1b[2;1HB\x1b[0m');
    expect(diffFrame(['a', 'b'], ['a', 'b'])).toBe('');
  });

  it('clears and writes everything without a previous frame of the same height', () => {
    expect(diffFrame(null, ['x', 'y'])).toBe('\x1b[0m\x1b[2J\x1b[1;1Hx\x1b[0m\x1b[2;1Hy\x1b[0m');
    expect(diffFrame(['x'], ['x', 'y'])).toBe('\x1b[0m\x1b[2J\x1b[1;1Hx\x1b[0m\x1b[2;1Hy\x1b[0m');
  });
});
