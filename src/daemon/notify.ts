// Notifications, the pure part: which events are worth telling a person about (classify), and when and how they
// go out (NotifyPolicy: a cooldown per session and kind, a short window that folds a burst into one notification,
// and a cap per minute for all sessions together). No I/O and no timers: the clock is injected, so the unit tests
// step through time exactly. The senders are in notify-senders.ts, the daemon's wiring in notifier.ts.
import type { NotifyKind } from '../common/config.js';
import type { EventRecord } from '../protocol/index.js';
import { safeLine } from '../common/terminal-text.js';
import {
  NOTIFY_COALESCE_MS,
  NOTIFY_COOLDOWN_MS,
  NOTIFY_MAX_PER_WINDOW,
  NOTIFY_MESSAGE_MAX_CHARS,
  NOTIFY_PENDING_MAX,
  NOTIFY_WINDOW_MS,
} from './limits.js';

export type { NotifyKind } from '../common/config.js';

/** One thing worth telling: an agent waits, its turn ended, a session failed, a message arrived. */
export interface NotifyEvent {
  kind: NotifyKind;
  /** The session it is about (the recipient of a message); null for the operator. */
  session: number | null;
  /** The session's name (or its id), or `operator`. */
  label: string;
  /** One line: the dialog's question, how it ended, who wrote. */
  detail: string;
  at: string;
}

/** What goes out: one per burst. `events` holds at most NOTIFY_PENDING_MAX of the `count` events it stands for. */
export interface Notification {
  title: string;
  message: string;
  /** ntfy's priorities: waiting and failed need a person (high); the rest can wait (default). */
  priority: 'high' | 'default';
  tags: string[];
  kinds: NotifyKind[];
  count: number;
  events: NotifyEvent[];
  test: boolean;
}

const HIGH: ReadonlySet<NotifyKind> = new Set(['waiting', 'failed']);

/** ntfy turns known emoji short codes among the tags into an emoji before the title. */
const EMOJI: Record<NotifyKind, string> = { waiting: 'hourglass', 'turn-done': 'white_check_mark', failed: 'x', message: 'envelope' };

/**
 * The notification an event stands for, or null. `label` names a session by id (its name, else its id) and is
 * null for one the daemon no longer knows; `isAgent` tells an agent from a shell or a plain program, whose
 * "turn" is every command it runs (turn-done is an agent's only).
 */
export function classify(ev: EventRecord, label: (id: number) => string | null, isAgent: (id: number) => boolean = () => true): NotifyEvent | null {
  const d = ev.data;
  const who = ev.sessionId === null ? null : label(ev.sessionId);
  const make = (kind: NotifyKind, detail: string, session = ev.sessionId, name = who): NotifyEvent | null =>
    name === null ? null : { kind, session, label: name, detail: oneLine(detail), at: ev.at };
  if (ev.type === 'activity') {
    if (d.activity === 'waiting_for_input') return make('waiting', typeof d.reason === 'string' && d.reason ? d.reason : 'a dialog is open');
    if (d.activity === 'idle' && d.previous === 'working' && ev.sessionId !== null && isAgent(ev.sessionId)) return make('turn-done', 'its turn is over: `cw last-message` has the reply');
    return null;
  }
  if (ev.type === 'session.ended') {
    // `cw kill` is `killed`, and a daemon that died leaves `lost`: neither is the program failing.
    if (d.state !== 'exited') return null;
    const code = typeof d.exitCode === 'number' ? d.exitCode : null;
    const signal = typeof d.signal === 'string' && d.signal ? d.signal : null;
    if (signal) return make('failed', `ended by ${signal}`);
    if (code !== null && code !== 0) return make('failed', `exited with code ${code}`);
    return null;
  }
  if (ev.type === 'message.sent') {
    // Never the body: it may hold what only `cw inbox` should show, and it would leave the machine.
    const kind = typeof d.kind === 'string' ? d.kind : 'message';
    const detail = `${kind === 'message' ? 'a message' : `a ${kind}`} from ${String(d.from ?? '?')} (${String(d.id ?? '?')}): \`cw inbox\` reads it`;
    return ev.sessionId === null ? make('message', detail, null, 'operator') : make('message', detail);
  }
  return null;
}

function oneLine(text: string): string {
  return safeLine(text.replace(/\s+/g, ' ').trim(), 300);
}

/** The title of one event. */
function titleOne(e: NotifyEvent): string {
  switch (e.kind) {
    case 'waiting':
      return `${e.label} is waiting for input`;
    case 'turn-done':
      return `${e.label} finished its turn`;
    case 'failed':
      return `${e.label} failed`;
    case 'message':
      return e.session === null ? 'a message for you' : `a message for ${e.label}`;
  }
}

/** The title of several events of one kind: "3 agents are waiting". */
function titleMany(kind: NotifyKind, n: number): string {
  switch (kind) {
    case 'waiting':
      return `${n} agents are waiting`;
    case 'turn-done':
      return `${n} agents finished their turn`;
    case 'failed':
      return `${n} sessions failed`;
    case 'message':
      return `${n} new messages`;
  }
}

const WORD: Record<NotifyKind, string> = { waiting: 'waiting', 'turn-done': 'turn done', failed: 'failed', message: 'message' };

/** Folds events (in order) into one notification. */
export function summarize(events: NotifyEvent[], count = events.length): Notification {
  const kinds = [...new Set(events.map((e) => e.kind))];
  const per = new Map<NotifyKind, number>();
  for (const e of events) per.set(e.kind, (per.get(e.kind) ?? 0) + 1);
  // Events beyond the detail kept (NOTIFY_PENDING_MAX) count as more of the last kind seen: only the total is exact.
  if (count > events.length && events.length) per.set(events.at(-1)!.kind, per.get(events.at(-1)!.kind)! + count - events.length);
  let title: string;
  let lines: string[];
  if (count === 1) {
    title = titleOne(events[0]!);
    lines = [events[0]!.detail];
  } else if (kinds.length === 1) {
    title = titleMany(kinds[0]!, count);
    lines = events.map((e) => `${e.label}: ${e.detail}`);
  } else {
    title = `${count} events: ${[...per].map(([k, n]) => `${n} ${WORD[k]}`).join(', ')}`;
    lines = events.map((e) => `${e.label} (${WORD[e.kind]}): ${e.detail}`);
  }
  if (count > events.length) lines.push(`and ${count - events.length} more: \`cw events\``);
  let message = lines.join('\n');
  if (message.length > NOTIFY_MESSAGE_MAX_CHARS) message = `${message.slice(0, NOTIFY_MESSAGE_MAX_CHARS - 1)}…`;
  return {
    title: `cw: ${title}`,
    message,
    priority: kinds.some((k) => HIGH.has(k)) ? 'high' : 'default',
    tags: [...kinds.map((k) => EMOJI[k]), 'cw', ...kinds],
    kinds,
    count,
    events,
    test: false,
  };
}

export interface PolicyOptions {
  now(): number;
  cooldownMs?: number;
  coalesceMs?: number;
  maxPerWindow?: number;
  windowMs?: number;
  pendingMax?: number;
}

/** Why offer() took or dropped an event. */
export type Offered = 'queued' | 'off' | 'cooldown';

/**
 * When notifications go out. offer() takes an event (or drops it: a kind not chosen, or the same session and kind
 * within the cooldown); dueAt() says when the pending ones may go; take() at or after that returns them as one.
 * Nothing is dropped by the rate cap: held events go out folded together as soon as the window allows.
 */
export class NotifyPolicy {
  private readonly _cooldownMs: number;
  private readonly _coalesceMs: number;
  private readonly _maxPerWindow: number;
  private readonly _windowMs: number;
  private readonly _pendingMax: number;
  /** `kind:session` → when one was last taken. */
  private readonly _last = new Map<string, number>();
  private _pending: NotifyEvent[] = [];
  private _pendingCount = 0;
  private _firstPendingAt = 0;
  /** When the notifications of the last window went out, oldest first. */
  private _sent: number[] = [];

  constructor(private readonly _o: PolicyOptions) {
    this._cooldownMs = _o.cooldownMs ?? NOTIFY_COOLDOWN_MS;
    this._coalesceMs = _o.coalesceMs ?? NOTIFY_COALESCE_MS;
    this._maxPerWindow = _o.maxPerWindow ?? NOTIFY_MAX_PER_WINDOW;
    this._windowMs = _o.windowMs ?? NOTIFY_WINDOW_MS;
    this._pendingMax = _o.pendingMax ?? NOTIFY_PENDING_MAX;
  }

  offer(ev: NotifyEvent, on: readonly NotifyKind[]): Offered {
    if (!on.includes(ev.kind)) return 'off';
    const now = this._o.now();
    const key = `${ev.kind}:${ev.session ?? 'operator'}`;
    const last = this._last.get(key);
    if (last !== undefined && now - last < this._cooldownMs) return 'cooldown';
    this._last.set(key, now);
    if (this._pendingCount === 0) this._firstPendingAt = now;
    this._pendingCount++;
    if (this._pending.length < this._pendingMax) this._pending.push(ev);
    return 'queued';
  }

  /** When take() will return the pending events (never before now's coalescing window ends); null when none wait. */
  dueAt(): number | null {
    if (this._pendingCount === 0) return null;
    const now = this._o.now();
    this._sent = this._sent.filter((t) => now - t < this._windowMs);
    const coalesced = this._firstPendingAt + this._coalesceMs;
    const capped = this._sent.length >= this._maxPerWindow ? this._sent[0]! + this._windowMs : 0;
    return Math.max(coalesced, capped);
  }

  /** The pending events as one notification, when due; null otherwise. */
  take(): Notification | null {
    const due = this.dueAt();
    const now = this._o.now();
    if (due === null || now < due) return null;
    const n = summarize(this._pending, this._pendingCount);
    this._pending = [];
    this._pendingCount = 0;
    this._sent.push(now);
    // Forget cooldowns that are over, so sessions that come and go do not pile up here.
    for (const [k, t] of this._last) if (now - t >= this._cooldownMs) this._last.delete(k);
    return n;
  }
}

/** The notification `cw notify test` sends. */
export function testNotification(at: string): Notification {
  return {
    title: 'cw: test notification',
    message: `Notifications from cw reach you here (sent ${at}).`,
    priority: 'default',
    tags: ['bell', 'cw', 'test'],
    kinds: [],
    count: 1,
    events: [],
    test: true,
  };
}
