// Turns the cockpit's state into exactly `rows` lines of exactly `cols` columns (with SGR colours). Pure: the
// shell diffs these lines against the previous frame and writes only the ones that changed. Every text a session
// or a peer controls (names, reasons, state cards, message bodies, the screen) goes through safeLine first.
import type { MessageInfo, SessionInfo } from '../../protocol/messages.js';
import { formatAge } from '../../common/session-text.js';
import { safeLine } from '../../common/terminal-text.js';
import { findDeadlocks, findSession, indexOf, listLines, scrollFor, type CockpitState, type ListLine, type MachineView } from './model.js';
import { clip, fit, textWidth } from './width.js';

const RESET = '\x1b[0m';
const REVERSE = '7';
/** Loud on purpose: a dialog waiting on a person is the one thing the cockpit must not let you miss. */
const LOUD = '1;97;41';
const STYLE: Record<string, string> = { working: '32', idle: '36', unknown: '33', ended: '2', group: '1;34', dim: '2', error: '1;31', title: '1' };

/** Where each part of the screen is, for drawing and for mouse clicks. */
export interface Layout {
  listTop: number;
  listHeight: number;
  /** The preview's title row; -1 when the terminal is too small for a preview. */
  previewTop: number;
  previewHeight: number;
}

/** Header, list, preview title, preview, footer: the list takes what it needs up to half of the middle, the preview the rest. */
export function layout(rows: number, listNeeds: number): Layout {
  const middle = Math.max(0, rows - 2);
  if (middle < 5) return { listTop: 1, listHeight: middle, previewTop: -1, previewHeight: 0 };
  const listHeight = Math.max(1, Math.min(listNeeds, Math.floor((middle - 1) / 2)));
  return { listTop: 1, listHeight, previewTop: 1 + listHeight, previewHeight: middle - listHeight - 1 };
}

/** Text in an SGR style, back to `base` after it. */
const paint = (sgr: string, text: string, base = ''): string => `\x1b[${sgr}m${text}${RESET}${base ? `\x1b[${base}m` : ''}`;

/** The glyph and word for a session's activity (running) or its end. */
export function activityMark(s: SessionInfo): { glyph: string; word: string; style: string } {
  if (s.state !== 'running') return { glyph: '✕', word: s.state, style: STYLE.ended! };
  switch (s.activity) {
    case 'working':
      return { glyph: '●', word: 'working', style: STYLE.working! };
    case 'idle':
      return { glyph: '○', word: 'idle', style: STYLE.idle! };
    case 'waiting_for_input':
      return { glyph: '!', word: 'WAITING', style: LOUD };
    default:
      return { glyph: '?', word: 'unknown', style: STYLE.unknown! };
  }
}

/** How long the current state has held: the activity's age while running, the time since the end after. */
function heldFor(s: SessionInfo, now: number): string {
  const since = s.state === 'running' ? s.activitySince : s.endedAt;
  return since ? formatAge(now - Date.parse(since)) : '';
}

/** What the last column says: the state card, then why the activity is what it is (or how the program ended). */
function detail(s: SessionInfo): string {
  const why = s.state === 'running' ? s.activityReason : s.state === 'exited' ? (s.signal ? `signal ${s.signal}` : `code ${s.exitCode}`) : null;
  return [s.stateCard, why].filter((x): x is string => !!x).map((x) => safeLine(x, 200)).join(' · ');
}

function mail(s: SessionInfo): string {
  return [s.unread ? `✉${s.unread}` : '', s.owes ? `⚑${s.owes}` : ''].filter(Boolean).join(' ');
}

/** One session row: glyph, id, name, activity, how long, mail and open work, card and reason. */
export function sessionRow(s: SessionInfo, cols: number, selected: boolean, now: number): string {
  const m = activityMark(s);
  const base = selected ? REVERSE : '';
  const head = `${fit(String(s.id), 4, true)} ${fit(s.name === null ? '-' : safeLine(s.name, 64), 16)} `;
  const tail = ` ${fit(heldFor(s, now), 4, true)} ${fit(mail(s), 7)} `;
  const fixed = 2 + textWidth(head) + 7 + textWidth(tail);
  const rest = fit(detail(s), Math.max(0, cols - fixed));
  const plain = `${m.glyph} ${head}${fit(m.word, 7)}${tail}${rest}`;
  if (textWidth(plain) > cols) return (base ? `\x1b[${base}m` : '') + fit(plain, cols) + RESET;
  return `${base ? `\x1b[${base}m` : ''}${paint(m.style, m.glyph, base)} ${head}${paint(m.style, fit(m.word, 7), base)}${tail}${rest}${RESET}`;
}

function groupRow(g: ListLine & { kind: 'group' }, cols: number): string {
  const m = g.machine;
  const what = m.error ? `unreachable: ${safeLine(m.error, 200)}` : `${g.shown}${g.shown === m.sessions.length ? '' : ` of ${m.sessions.length}`} session${m.sessions.length === 1 ? '' : 's'}`;
  const text = `── ${m.label} · ${what} `;
  return paint(m.error ? STYLE.error! : STYLE.group!, fit(text + '─'.repeat(Math.max(0, cols - textWidth(text))), cols));
}

/** A title rule: `── TEXT ─────`. */
function rule(text: string, cols: number): string {
  const t = `── ${text} `;
  return paint(STYLE.dim!, fit(t + '─'.repeat(Math.max(0, cols - textWidth(t))), cols));
}

function header(state: CockpitState, cols: number): string {
  const all = state.machines.flatMap((m) => m.sessions);
  const running = all.filter((s) => s.state === 'running');
  const count = (a: string): number => running.filter((s) => s.activity === a).length;
  const waiting = count('waiting_for_input');
  const left = ` cw top · ${all.length} session${all.length === 1 ? '' : 's'} · ${count('working')} working · ${waiting} waiting`;
  const right = state.filter ? `filter: ${safeLine(state.filter, 40)} ` : state.view === 'messages' ? 'messages ' : '';
  const gap = Math.max(1, cols - textWidth(left) - textWidth(right));
  return paint(REVERSE, fit(left + ' '.repeat(gap) + right, cols));
}

const HINTS = '↑↓ select  ⏎ attach  s send  l launch  x kill  / filter  m messages  ? help  q quit';
const DIALOG_HINTS = 'dialog: 1 2 3 y n ⏎ Esc answer  a attach  s send  x kill  ? help  q quit';

function footer(state: CockpitState, cols: number, selected: SessionInfo | null): string {
  const p = state.prompt;
  if (p) {
    if (p.kind === 'kill') return paint(LOUD, fit(` kill ${p.label}? y/n`, cols));
    const label = p.kind === 'send' ? 'send a line: ' : p.kind === 'launch' ? 'launch: ' : 'filter: ';
    // The end of a long line stays in view, where the typing happens.
    const room = Math.max(1, cols - label.length - 2);
    const shown = safeLine(p.text, 100_000);
    const tailText = textWidth(shown) > room ? `…${[...shown].slice(-(room - 1)).join('')}` : shown;
    return fit(` ${label}${tailText}▏`, cols);
  }
  if (state.notice) return state.notice.error ? paint(STYLE.error!, fit(` ${state.notice.text}`, cols)) : fit(` ${state.notice.text}`, cols);
  const waiting = selected?.state === 'running' && selected.activity === 'waiting_for_input';
  return paint(STYLE.dim!, fit(` ${state.view === 'sessions' ? (waiting ? DIALOG_HINTS : HINTS) : 'Esc back  q quit'}`, cols));
}

/** The last non-blank lines of a screen that fit `height` rows, each clipped to `cols` (the prompt or dialog is at the bottom). */
export function previewLines(lines: readonly string[], cols: number, height: number): string[] {
  let end = lines.length;
  while (end > 0 && lines[end - 1]!.trim() === '') end--;
  const shown = lines.slice(Math.max(0, end - height), end).map((l) => fit(clip(safeLine(l, 100_000), cols, false), cols));
  while (shown.length < height) shown.push(' '.repeat(cols));
  return shown;
}

function machineLabel(state: CockpitState, key: string): string {
  return state.machines.find((m) => m.key === key)?.label ?? key;
}

const who = (m: MessageInfo, side: 'from' | 'to'): string => safeLine(side === 'from' ? m.from : m.to, 40);

function messagesView(state: CockpitState, cols: number, height: number, now: number): string[] {
  const out: string[] = [];
  for (const m of state.machines) {
    const data = state.messages.get(m.key);
    if (state.machines.length > 1) out.push(rule(m.label, cols));
    if (!data) {
      out.push(fit('  loading…', cols));
      continue;
    }
    const names = (id: number): string => {
      const s = m.sessions.find((x) => x.id === id);
      return s?.name ? `${id} ${safeLine(s.name, 40)}` : String(id);
    };
    for (const cycle of findDeadlocks(data.open, m.sessions)) {
      out.push(paint(LOUD, fit(`  DEADLOCK: ${[...cycle, cycle[0]!].map(names).join(' → ')} (each waits on the next, all running)`, cols)));
    }
    out.push(paint(STYLE.title!, fit(`  Who waits on whom (${data.open.length} open)`, cols)));
    if (data.open.length === 0) out.push(paint(STYLE.dim!, fit('    nobody waits on anybody', cols)));
    for (const o of data.open) {
      out.push(fit(`    ${who(o, 'from')} waits on ${who(o, 'to')}  ${o.kind} ${safeLine(o.id, 32)}  ${safeLine(o.workState ?? 'open', 20)} ${formatAge(now - Date.parse(o.createdAt))}  ${safeLine(o.body, 300)}`, cols));
    }
    out.push(paint(STYLE.title!, fit(`  Recent messages (${data.messages.length})`, cols)));
    for (const msg of [...data.messages].reverse()) {
      out.push(fit(`    ${safeLine(msg.id, 32)} ${msg.kind} ${who(msg, 'from')} → ${who(msg, 'to')}  ${safeLine(msg.state, 20)} ${formatAge(now - Date.parse(msg.createdAt))}  ${safeLine(msg.body, 300)}`, cols));
    }
  }
  return out.slice(0, height);
}

const HELP = [
  '  ↑ ↓ j k  PgUp PgDn  Home End   select a session (the mouse: click selects, the wheel scrolls)',
  '  Enter or a                     attach (Ctrl+B d comes back here)',
  '  1 2 3 y n Enter Esc            answer the dialog of a session waiting for input',
  '  s                              send a line to the selected session',
  '  l                              launch a command (in the selected session’s machine)',
  '  x                              kill the selected session (asks y/n)',
  '  /                              filter by name, id, tag, activity or state (Esc clears)',
  '  m                              messages: who waits on whom, deadlocks, recent messages',
  '  q  Ctrl+C                      quit',
  '',
  '  ! waiting for input   ● working   ○ idle   ? unknown   ✕ ended     ✉ unread mail   ⚑ open work owed',
];

export interface Frame {
  lines: string[];
  /** The list's first shown line after keeping the selection in view (the shell stores it back). */
  scroll: number;
  layout: Layout;
}

/** The whole screen for `state` at `cols` x `rows`. */
export function render(state: CockpitState, cols: number, rows: number, now: number): Frame {
  const lines = listLines(state.machines, state.filter);
  const lay = layout(rows, lines.length);
  const selIndex = indexOf(lines, state.selected);
  const scroll = scrollFor(state.scroll, selIndex, lay.listHeight, lines.length);
  const selected = findSession(state.machines, state.selected);
  const out: string[] = [header(state, cols)];
  const blank = ' '.repeat(cols);
  if (state.view !== 'sessions') {
    const body = state.view === 'help' ? HELP.map((l) => fit(l, cols)) : messagesView(state, cols, rows - 2, now);
    for (let i = 0; i < rows - 2; i++) out.push(body[i] ?? blank);
  } else {
    for (let i = 0; i < lay.listHeight; i++) {
      const l = lines[scroll + i];
      if (!l) out.push(blank);
      else if (l.kind === 'group') out.push(groupRow(l, cols));
      else out.push(sessionRow(l.session, cols, i + scroll === selIndex, now));
    }
    if (lay.previewTop >= 0) {
      const p = state.preview;
      const showing = p && selected && p.ref.machine === state.selected?.machine && p.ref.id === selected.id;
      const title = selected
        ? `${selected.id}${selected.name ? ` ${safeLine(selected.name, 64)}` : ''}${state.machines.length > 1 ? ` on ${machineLabel(state, state.selected!.machine)}` : ''} · ${showing ? `${p.cols}x${p.rows}` : 'loading'} · ${activityMark(selected).word}`
        : lines.some((l) => l.kind === 'session')
          ? 'no session selected'
          : 'no sessions: press l to launch one';
      out.push(rule(title, cols));
      out.push(...(showing ? previewLines(p.lines, cols, lay.previewHeight) : Array.from({ length: lay.previewHeight }, () => blank)));
    }
  }
  while (out.length < rows - 1) out.push(blank);
  out.length = Math.max(0, rows - 1);
  if (rows > 0) out.push(footer(state, cols, selected));
  return { lines: out.slice(0, rows), scroll, layout: lay };
}

/** A line without its SGR sequences: what the terminal shows (for tests and for measuring). */
export function stripSgr(line: string): string {
  return line.replace(/\x1b\[[0-9;]*m/g, '');
}
