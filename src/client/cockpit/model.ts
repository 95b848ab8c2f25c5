// The cockpit's state as plain data, and the pure rules over it: which rows show in which order, what a filter
// keeps, where the selection moves, and which sessions wait on each other in a deadlock. No I/O: the shell
// (cockpit.ts) feeds it daemon replies and keys, the renderer (render.ts) draws it. Unit-tested with exact values.
import type { MessageInfo, MessagesResult, SessionInfo } from '../../protocol/messages.js';

/** One daemon's sessions: this machine's ("local") or a --server's. */
export interface MachineView {
  /** Stable key: "local", or the server's name or URL. */
  key: string;
  /** As shown in the group header (safe text: a name the user typed, or a URL with its credentials redacted). */
  label: string;
  sessions: SessionInfo[];
  /** Why this machine's list could not be read (shown in its header); null when it could. */
  error: string | null;
}

/** A session on a machine: what the selection, the preview and every action point at. */
export interface RowRef {
  machine: string;
  id: number;
}

export type ListLine = { kind: 'group'; machine: MachineView; shown: number } | { kind: 'session'; machine: string; session: SessionInfo };

export type Prompt =
  | { kind: 'send' | 'launch' | 'filter'; text: string }
  | { kind: 'kill'; ref: RowRef; label: string };

export interface Preview {
  ref: RowRef;
  /** The session's screen as plain text, one line per row (from the `screen` op). */
  lines: string[];
  cols: number;
  rows: number;
}

export interface CockpitState {
  machines: MachineView[];
  /** Words a row must all match (name, id, tag, activity, state or agent); '' keeps every row. */
  filter: string;
  selected: RowRef | null;
  /** First list line shown (the list scrolls to keep the selection in view). */
  scroll: number;
  view: 'sessions' | 'messages' | 'help';
  preview: Preview | null;
  /** The messages view's data, per machine key. */
  messages: Map<string, MessagesResult>;
  prompt: Prompt | null;
  /** One line in the footer: what an action did, or why it failed. */
  notice: { text: string; error: boolean } | null;
}

export function initialState(machines: MachineView[]): CockpitState {
  return { machines, filter: '', selected: null, scroll: 0, view: 'sessions', preview: null, messages: new Map(), prompt: null, notice: null };
}

/** Where a session sorts: a dialog waiting on a person first (it needs you), then the other running ones, then ended ones. */
export function attentionRank(s: SessionInfo): number {
  if (s.state !== 'running') return 2;
  return s.activity === 'waiting_for_input' ? 0 : 1;
}

/** Sessions in the cockpit's order: by attention rank, then by id (launch order), so rows move only when their rank changes. */
export function sortSessions(sessions: readonly SessionInfo[]): SessionInfo[] {
  return [...sessions].sort((a, b) => attentionRank(a) - attentionRank(b) || a.id - b.id);
}

/** True when every word of `filter` matches the session's id, name, a tag, its activity, state or agent (case-insensitive, by substring). */
export function matchesFilter(s: SessionInfo, filter: string): boolean {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const activity = s.state === 'running' ? s.activity : '';
  const fields = [String(s.id), s.name ?? '', ...s.tags, activity, activity === 'waiting_for_input' ? 'waiting' : '', s.state, s.agent].map((f) => f.toLowerCase());
  return words.every((w) => fields.some((f) => f.includes(w)));
}

/** The list as drawn: per machine a header, then its sessions that pass the filter, in order. */
export function listLines(machines: readonly MachineView[], filter: string): ListLine[] {
  const out: ListLine[] = [];
  for (const m of machines) {
    const rows = sortSessions(m.sessions).filter((s) => matchesFilter(s, filter));
    out.push({ kind: 'group', machine: m, shown: rows.length });
    for (const s of rows) out.push({ kind: 'session', machine: m.key, session: s });
  }
  return out;
}

const same = (a: RowRef | null, b: RowRef | null): boolean => !!a && !!b && a.machine === b.machine && a.id === b.id;

/** The list line index of `ref`, or -1 when it is not shown. */
export function indexOf(lines: readonly ListLine[], ref: RowRef | null): number {
  return lines.findIndex((l) => l.kind === 'session' && same({ machine: l.machine, id: l.session.id }, ref));
}

const refOf = (l: ListLine | undefined): RowRef | null => (l?.kind === 'session' ? { machine: l.machine, id: l.session.id } : null);

/**
 * The selection after a move: `delta` session rows down (negative: up), clamped to the ends; 'first' and 'last'
 * jump. A selection that is no longer shown (filtered out, removed) goes to the nearest row, or the first one.
 */
export function moveSelection(lines: readonly ListLine[], selected: RowRef | null, move: number | 'first' | 'last'): RowRef | null {
  const sessions = lines.filter((l) => l.kind === 'session');
  if (sessions.length === 0) return null;
  if (move === 'first') return refOf(sessions[0]);
  if (move === 'last') return refOf(sessions.at(-1));
  const at = sessions.findIndex((l) => same(refOf(l), selected));
  if (at < 0) return refOf(sessions[0]);
  return refOf(sessions[Math.max(0, Math.min(sessions.length - 1, at + move))]);
}

/** The selection kept when the list changes: the same session while it is shown, else the first row. */
export function keepSelection(lines: readonly ListLine[], selected: RowRef | null): RowRef | null {
  return indexOf(lines, selected) >= 0 ? selected : moveSelection(lines, null, 'first');
}

/** The first list line to show so that line `index` is in a window of `height` lines, moving as little as possible. */
export function scrollFor(scroll: number, index: number, height: number, total: number): number {
  const max = Math.max(0, total - height);
  let s = Math.min(Math.max(0, scroll), max);
  if (index < 0) return s;
  if (index < s) s = index;
  else if (index >= s + height) s = index - height + 1;
  // Keep the group header above the first session in view when that costs nothing.
  if (s === 1 && index < height) s = 0;
  return Math.max(0, Math.min(s, max));
}

/** The session a click on list row `y` (0-based within the list pane) points at, or null for a header or blank. */
export function refAtRow(lines: readonly ListLine[], scroll: number, y: number): RowRef | null {
  return refOf(lines[scroll + y]);
}

export function findSession(machines: readonly MachineView[], ref: RowRef | null): SessionInfo | null {
  if (!ref) return null;
  return machines.find((m) => m.key === ref.machine)?.sessions.find((s) => s.id === ref.id) ?? null;
}

/** Open requests and tasks as "who waits on whom": an edge from the asker to the one who owes the answer. */
function waitEdges(open: readonly MessageInfo[]): Map<number, Set<number>> {
  const edges = new Map<number, Set<number>>();
  for (const m of open) {
    if (m.fromSession === null || m.toSession === null) continue; // the operator or another machine: never stuck here
    if (!edges.has(m.fromSession)) edges.set(m.fromSession, new Set());
    edges.get(m.fromSession)!.add(m.toSession);
  }
  return edges;
}

/**
 * Cycles of sessions that each wait on the next (open requests and tasks), each as the ids along the cycle from
 * its smallest id. Reported only when every member is running: a cycle through an ended session is no deadlock
 * (that answer will never come, which the messages view shows as an ended session), and reporting it as one
 * would cry wolf. Strongly connected components (Tarjan), then one simple cycle through each.
 */
export function findDeadlocks(open: readonly MessageInfo[], sessions: readonly SessionInfo[]): number[][] {
  const edges = waitEdges(open);
  const running = new Set(sessions.filter((s) => s.state === 'running').map((s) => s.id));
  const index = new Map<number, number>();
  const low = new Map<number, number>();
  const stack: number[] = [];
  const onStack = new Set<number>();
  const comps: number[][] = [];
  let next = 0;
  const strong = (v: number): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const comp: number[] = [];
      let w: number;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      comps.push(comp);
    }
  };
  for (const v of [...edges.keys()].sort((a, b) => a - b)) if (!index.has(v)) strong(v);

  const out: number[][] = [];
  for (const comp of comps) {
    const members = new Set(comp);
    const start = Math.min(...comp);
    if (comp.length === 1 && !edges.get(start)?.has(start)) continue;
    if (!comp.every((id) => running.has(id))) continue;
    out.push(cycleThrough(start, members, edges));
  }
  return out.sort((a, b) => a[0]! - b[0]!);
}

/** A simple cycle from `start` back to it inside one component (depth first, smallest ids first). */
function cycleThrough(start: number, members: Set<number>, edges: Map<number, Set<number>>): number[] {
  const path: number[] = [start];
  const seen = new Set<number>([start]);
  const walk = (v: number): boolean => {
    const nexts = [...(edges.get(v) ?? [])].filter((w) => members.has(w)).sort((a, b) => a - b);
    if (nexts.includes(start)) return true;
    for (const w of nexts) {
      if (seen.has(w)) continue;
      seen.add(w);
      path.push(w);
      if (walk(w)) return true;
      path.pop();
    }
    return false;
  };
  walk(start);
  return path;
}

export { shellWords } from '../../common/shell-words.js';
