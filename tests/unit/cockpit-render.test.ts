// The cockpit's renderer: exact lines for a given state and size (colours checked where they carry meaning).
import { describe, expect, it } from 'vitest';
import { initialState, type CockpitState } from '../../src/client/cockpit/model.js';
import { layout, previewLines, render, stripSgr } from '../../src/client/cockpit/render.js';
import { session } from '../support/sessions.js';

const NOW = Date.parse('2025-01-01T00:05:00.000Z');

function state(): CockpitState {
  const st = initialState([
    {
      key: 'local',
      label: 'local',
      error: null,
      sessions: [
        session(1, { name: 'api', activity: 'working', activityReason: 'spinner: Moseying…', activitySince: '2025-01-01T00:04:30.000Z', unread: 2, owes: 1 }),
        session(2, { name: 'fix', activity: 'waiting_for_input', activityReason: 'dialog: Do you want to proceed?', stateCard: 'fixing tests', activitySince: '2025-01-01T00:03:00.000Z' }),
        session(3, { name: null, state: 'exited', exitCode: 0, endedAt: '2025-01-01T00:00:00.000Z' }),
      ],
    },
  ]);
  st.selected = { machine: 'local', id: 2 };
  st.preview = { ref: { machine: 'local', id: 2 }, lines: ['top line', ' Do you want to proceed?', ' ❯ 1. Yes', '   2. No', '', ''], cols: 80, rows: 6 };
  return st;
}

describe('the cockpit frame', () => {
  it('header, grouped rows, the preview of the selection and the dialog keys, each exactly as wide as the terminal', () => {
    const f = render(state(), 72, 12, NOW);
    expect(f.lines.map(stripSgr)).toEqual([
      ' cw top · 3 sessions · 1 working · 1 waiting                            ',
      '── local · 3 sessions ──────────────────────────────────────────────────',
      '!    2 fix              WAITING   2m         fixing tests · dialog: Do …',
      '●    1 api              working  30s ✉2 ⚑1   spinner: Moseying…         ',
      '✕    3 -                exited    5m         code 0                     ',
      '── 2 fix · 80x6 · WAITING ──────────────────────────────────────────────',
      'top line                                                                ',
      ' Do you want to proceed?                                                ',
      ' ❯ 1. Yes                                                               ',
      '   2. No                                                                ',
      '                                                                        ',
      ' dialog: 1 2 3 y n ⏎ Esc answer  a attach  s send  x kill  ? help  q qu…',
    ]);
    // The selected row is in reverse video, and a waiting session's glyph and word are loud.
    expect(f.lines[2]!.startsWith('\x1b[7m\x1b[1;97;41m!\x1b[0m\x1b[7m')).toBe(true);
    expect(f.lines[3]).toBe('\x1b[32m●\x1b[0m    1 api              \x1b[32mworking\x1b[0m  30s ✉2 ⚑1   spinner: Moseying…         \x1b[0m');
  });

  it('escapes what a session controls: a name or reason cannot move the cursor or recolour the screen', () => {
    const st = state();
    st.machines[0]!.sessions[1]!.name = 'x\x1b[2Jy';
    st.machines[0]!.sessions[1]!.activityReason = 'ring\x07\x1b]52;c;AAAA\x07';
    st.preview!.lines = ['\x1b[31mred?'];
    const f = render(st, 72, 12, NOW);
    expect(stripSgr(f.lines[2]!)).toBe('!    2 x\\e[2Jy          WAITING   2m         fixing tests · ring\\a\\e]52…');
    expect(f.lines[6]).toContain('\\e[31mred?');
  });

  it('a filter shows in the header and counts what it keeps', () => {
    const st = state();
    st.filter = 'api';
    st.selected = { machine: 'local', id: 1 };
    const lines = render(st, 60, 8, NOW).lines.map(stripSgr);
    expect(lines[0]).toBe(' cw top · 3 sessions · 1 working · 1 waiting    filter: api ');
    expect(lines[1]).toBe('── local · 1 of 3 sessions ─────────────────────────────────');
    expect(lines[2]).toBe('●    1 api              working  30s ✉2 ⚑1   spinner: Mosey…');
  });

  it('the list scrolls to keep the selection in view and hands the scroll back', () => {
    const st = initialState([{ key: 'local', label: 'local', error: null, sessions: Array.from({ length: 200 }, (_, i) => session(i + 1)) }]);
    st.selected = { machine: 'local', id: 150 };
    const f = render(st, 50, 24, NOW);
    expect(f.layout).toEqual({ listTop: 1, listHeight: 10, previewTop: 11, previewHeight: 11 });
    expect(f.scroll).toBe(141);
    expect(stripSgr(f.lines[10]!)).toBe('○  150 s150             idle      5m              ');
  });

  it('an unreachable machine says so in its header', () => {
    const st = initialState([{ key: 'remote', label: 'box', error: 'cannot reach wss://box:9100', sessions: [] }]);
    expect(stripSgr(render(st, 50, 8, NOW).lines[1]!)).toBe('── box · unreachable: cannot reach wss://box:9100 ');
  });

  it('the messages view flags a deadlock of running sessions', () => {
    const st = state();
    st.view = 'messages';
    const m = (id: string, from: number, to: number) => ({ id, from: `s${from}`, fromSession: from, to: `s${to}`, toSession: to, kind: 'request' as const, re: null, body: 'are you done?', createdAt: '2025-01-01T00:04:00.000Z', state: 'delivered', workState: 'open', result: null });
    st.machines[0]!.sessions[0]!.name = 'api';
    st.messages.set('local', { messages: [], open: [m('m1', 1, 2), m('m2', 2, 1)] });
    const lines = render(st, 100, 10, NOW).lines.map(stripSgr);
    expect(lines.slice(1, 5)).toEqual([
      '  DEADLOCK: 1 api → 2 fix → 1 api (each waits on the next, all running)                             ',
      '  Who waits on whom (2 open)                                                                        ',
      '    s1 waits on s2  request m1  open 1m  are you done?                                              ',
      '    s2 waits on s1  request m2  open 1m  are you done?                                              ',
    ]);
  });
});

describe('layout and preview', () => {
  it('gives the list what it needs up to half, the preview the rest; no preview on a tiny terminal', () => {
    expect(layout(24, 4)).toEqual({ listTop: 1, listHeight: 4, previewTop: 5, previewHeight: 17 });
    expect(layout(24, 300)).toEqual({ listTop: 1, listHeight: 10, previewTop: 11, previewHeight: 11 });
    expect(layout(6, 300)).toEqual({ listTop: 1, listHeight: 4, previewTop: -1, previewHeight: 0 });
  });

  it('shows the bottom of the screen without its trailing blank lines, clipped to the pane', () => {
    expect(previewLines(['a', 'b', 'c', 'dddddd', '', ''], 4, 3)).toEqual(['b   ', 'c   ', 'dddd']);
    expect(previewLines(['a'], 3, 2)).toEqual(['a  ', '   ']);
  });
});
