// Messages between sessions: durable in the database before they count as sent, read through `cw inbox`,
// announced to an agent only by a short fixed notice typed when it is idle with an empty prompt.
import { EventEmitter } from 'node:events';
import { formatMessageId, parseMessageIdNumber } from '../common/message-id.js';
import { ErrorCode, type MessageInfo } from '../protocol/index.js';
import { isAgent } from './agents/index.js';
import { CwError, invalid } from './errors.js';
import { HUMAN_GRACE_MS, readyToType, typeInto } from './input.js';
import type { Logger } from './log.js';
import type { Registry } from './registry.js';
import type { Session } from './session.js';
import type { MessageKind, MessageRow, Store } from './store.js';

/** Largest message body, in bytes: messages are pointers to work, not payloads (send a file path instead). */
export const MESSAGE_BODY_MAX_BYTES = 16 * 1024;
/** Messages returned by one `cw inbox`; the rest stay unread for the next call. */
export const INBOX_BATCH_MAX = 50;
/** Pending notices to one session are coalesced for this long, so a burst of messages is one notice. */
export const NOTICE_DEBOUNCE_MS = 500;

/** Who is speaking on a connection: a session (by its token), the local operator, or a remote operator. */
export type Identity = { kind: 'session'; session: Session } | { kind: 'operator'; label: string };


export const messageId = formatMessageId;

/** Parses "msg:12" (or "12", "#12", the old "m12") to 12. */
export function parseMessageId(ref: string): number {
  const n = parseMessageIdNumber(ref);
  if (n === null) throw invalid(`'${ref}' is not a message id`, 'message ids look like msg:12 (see `cw inbox` or `cw work`)');
  return n;
}

export function view(m: MessageRow): MessageInfo {
  return {
    id: messageId(m.id),
    from: m.fromLabel,
    fromSession: m.fromSession,
    to: m.toLabel,
    toSession: m.toSession,
    kind: m.kind,
    re: m.re === null ? null : messageId(m.re),
    body: m.body,
    createdAt: m.createdAt,
    state: m.state,
    workState: m.workState,
    result: m.result,
  };
}

const label = (s: Session): string => s.row.name ?? String(s.id);

/** How an ended session ended, for the sender: "exited (code 0)", "was killed", "was lost when its daemon died". */
export function endedPhrase(s: Session): string {
  const r = s.row;
  if (r.state === 'killed') return 'was killed';
  if (r.state === 'lost') return 'was lost when its daemon died';
  return `exited (${r.signal ?? `code ${r.exitCode}`})`;
}

/** Sender names in typed notices: only these characters ever reach a terminal from a peer. */
const safeName = (s: string): string => s.replace(/[^a-zA-Z0-9._:-]/g, '').slice(0, 32) || '?';

export class Mailbox {
  /** 'message' (MessageRow) for every stored message, 'closed' for closed work. */
  readonly events = new EventEmitter();
  private readonly _noticeTimers = new Map<number, NodeJS.Timeout>();
  private readonly _typing = new Set<number>();

  constructor(
    private readonly _registry: Registry,
    private readonly _store: Store,
    private readonly _log: Logger,
  ) {
    this.events.setMaxListeners(0);
    // An agent that turns idle gets the notice for what arrived while it was busy.
    _registry.events.on('activity', (s: Session) => {
      if (s.row.activity === 'idle') this._scheduleNotice(s.id);
    });
  }

  identityOf(who: Identity): { session: number | null; label: string } {
    return who.kind === 'session' ? { session: who.session.id, label: label(who.session) } : { session: null, label: who.label };
  }

  /** Resolves a recipient: a session (id, name, @name), `tag:T` (every running session with the tag) or `operator`. */
  recipients(target: string): ({ kind: 'session'; session: Session } | { kind: 'operator' })[] {
    if (target === 'operator') return [{ kind: 'operator' }];
    if (target.startsWith('tag:')) {
      const tag = target.slice(4);
      const list = this._registry.running().filter((s) => s.row.tags.includes(tag));
      if (!list.length) throw new CwError(ErrorCode.NOT_FOUND, `no running session has tag '${tag}'`, 'see `cw list`');
      return list.map((session) => ({ kind: 'session' as const, session }));
    }
    return [{ kind: 'session', session: this._registry.resolve(target) }];
  }

  send(from: Identity, target: string, kind: MessageKind, body: string, re: number | null = null): MessageRow[] {
    const bytes = Buffer.byteLength(body);
    if (bytes === 0) throw invalid('the message is empty');
    if (bytes > MESSAGE_BODY_MAX_BYTES) {
      throw invalid(`the message is ${bytes} bytes; the limit is ${MESSAGE_BODY_MAX_BYTES}`, 'write it to a file and send the path instead');
    }
    const f = this.identityOf(from);
    const out: MessageRow[] = [];
    for (const r of this.recipients(target)) {
      if (r.kind === 'session' && f.session === r.session.id && kind !== 'reply') throw invalid('a session cannot message itself');
      const toSession = r.kind === 'session' ? r.session.id : null;
      const toLabel = r.kind === 'session' ? label(r.session) : 'operator';
      const row: Omit<MessageRow, 'id' | 'deliveredAt' | 'readAt' | 'closedAt' | 'result'> = {
        fromSession: f.session,
        fromLabel: f.label,
        toSession,
        toLabel,
        kind,
        re,
        body,
        createdAt: new Date().toISOString(),
        state: 'queued',
        workState: kind === 'request' || kind === 'task' ? 'open' : null,
      };
      // Stored first: a message counts as sent only once it is durable.
      const id = this._store.insertMessage(row);
      const stored: MessageRow = { ...row, id, deliveredAt: null, readAt: null, closedAt: null, result: null };
      out.push(stored);
      this._registry.recordEvent(toSession, 'message.sent', { id: messageId(id), from: f.label, to: toLabel, kind, re: re === null ? null : messageId(re) });
      this.events.emit('message', stored);
      if (toSession !== null) this._scheduleNotice(toSession);
    }
    return out;
  }

  /** What the sender is told about where the message stands. */
  outlook(m: MessageRow): { targetState: string; hint: string | null } {
    if (m.toSession === null) return { targetState: 'operator', hint: null };
    const s = this._registry.sessions.get(m.toSession);
    if (!s || !s.running) {
      // An ended session never runs again (a revival is a new session with a new id): nothing would read it there.
      return { targetState: s?.row.state ?? 'removed', hint: `session ${m.toLabel} ${s ? endedPhrase(s) : 'was removed'} and is not coming back: nobody will read this message (send it to a running session: \`cw list --status running\`)` };
    }
    if (!isAgent(s.row.agent)) {
      return { targetState: s.row.activity, hint: `${m.toLabel} is not a recognised agent (${s.row.agent}): nothing is typed into it; it reads with \`cw inbox\`` };
    }
    const a = s.row.activity;
    return { targetState: a, hint: a === 'idle' ? null : `${m.toLabel} is ${a.replace(/_/g, ' ')}: it is told when it turns idle` };
  }

  inbox(who: Identity, opts: { peek: boolean; all: boolean; limit: number }): MessageRow[] {
    const me = this.identityOf(who);
    const rows = this._store.inbox(me.session, !opts.all, Math.min(opts.limit, INBOX_BATCH_MAX));
    if (!opts.peek) {
      const unread = rows.filter((r) => r.state !== 'read');
      const at = new Date().toISOString();
      this._store.markMessages(unread.map((r) => r.id), 'read', at);
      for (const r of unread) {
        r.state = 'read';
        this._registry.recordEvent(r.toSession, 'message.read', { id: messageId(r.id), by: me.label });
      }
    }
    return rows;
  }

  markRead(m: MessageRow, by: string): void {
    if (m.state === 'read') return;
    this._store.markMessages([m.id], 'read', new Date().toISOString());
    this._registry.recordEvent(m.toSession, 'message.read', { id: messageId(m.id), by });
  }

  message(id: number): MessageRow {
    const m = this._store.message(id);
    if (!m) throw new CwError(ErrorCode.NOT_FOUND, `message ${messageId(id)} not found`, 'see `cw inbox --all` or `cw work`');
    return m;
  }

  /** Only the recipient of a message may reply to it. */
  reply(who: Identity, id: number, body: string): MessageRow {
    const original = this.message(id);
    const me = this.identityOf(who);
    if (original.toSession !== me.session) {
      throw new CwError(ErrorCode.REFUSED, `only ${original.toLabel}, the recipient of ${messageId(id)}, can reply to it`, 'reply from inside that session');
    }
    if (original.fromSession === null && original.fromLabel !== 'operator' && !/^(remote|fleet):/.test(original.fromLabel)) {
      throw invalid(`${messageId(id)} has no sender to reply to`);
    }
    const target = original.fromSession === null ? 'operator' : String(original.fromSession);
    const [reply] = this.send(who, target, 'reply', body, id);
    if (original.kind === 'request' && original.workState === 'open') {
      const at = new Date().toISOString();
      this._store.closeWork(id, 'done', body, at);
      this._store.setWorkState(id, 'answered');
      this._registry.recordEvent(original.fromSession, 'request.answered', { id: messageId(id), by: me.label, reply: messageId(reply!.id) });
    }
    this.events.emit('reply', reply, original);
    return reply!;
  }

  /** The owner closes a task (or refuses a request): done with a result, or blocked with a reason. */
  closeWork(who: Identity, id: number, state: 'done' | 'blocked', text: string): MessageRow {
    const m = this.message(id);
    const me = this.identityOf(who);
    if (m.kind !== 'task' && m.kind !== 'request') throw invalid(`${messageId(id)} is a ${m.kind}, not a task or request`);
    if (m.toSession !== me.session) throw new CwError(ErrorCode.REFUSED, `only ${m.toLabel}, who owns ${messageId(id)}, can close it`);
    if (m.workState === 'done' || m.workState === 'answered') throw invalid(`${messageId(id)} is already closed (${m.workState})`);
    const at = new Date().toISOString();
    this._store.closeWork(id, state, text, at);
    this._registry.recordEvent(m.fromSession, 'task.closed', { id: messageId(id), state, by: me.label });
    // The requester hears about it like any reply.
    const target = m.fromSession === null ? 'operator' : String(m.fromSession);
    const [note] = this.send(who, target, 'reply', `[${state}] ${text}`, id);
    const closed = { ...m, workState: state, result: text, closedAt: at };
    this.events.emit('reply', note, closed);
    return closed;
  }

  /** Open work a session owes (received, not closed) and waits on (sent, not answered). */
  work(who: Identity): { owes: MessageRow[]; waitsOn: MessageRow[] } {
    const me = this.identityOf(who);
    const open = this._store.openWork(me.session);
    return {
      owes: open.filter((m) => m.toSession === me.session),
      waitsOn: open.filter((m) => m.fromSession === me.session && (me.session !== null || m.fromLabel === me.label)),
    };
  }

  /** Resolves with the reply to a request, or null at the timeout or when `cancelled` settles. */
  waitReply(id: number, timeoutMs: number, cancelled: Promise<void>): Promise<MessageRow | null> {
    const existing = this._store.replyTo(id);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve) => {
      const done = (r: MessageRow | null): void => {
        clearTimeout(timer);
        this.events.off('reply', onReply);
        resolve(r);
      };
      const onReply = (reply: MessageRow, original: MessageRow): void => {
        if (original.id === id) done(reply);
      };
      const timer = setTimeout(() => done(null), timeoutMs);
      this.events.on('reply', onReply);
      void cancelled.then(() => done(null));
    });
  }

  /** Recent messages between anyone and every open request and task (the dashboard's messages view). */
  overview(limit: number): { messages: MessageRow[]; open: MessageRow[] } {
    return { messages: this._store.recentMessages(limit), open: this._store.allOpenWork() };
  }

  /** Counts for list/status: unread messages and open work per session. */
  counts(): Map<number, { unread: number; owes: number }> {
    return this._store.mailCounts();
  }

  private _scheduleNotice(sessionId: number): void {
    if (this._noticeTimers.has(sessionId)) return;
    const t = setTimeout(() => {
      this._noticeTimers.delete(sessionId);
      void this._notify(sessionId);
    }, NOTICE_DEBOUNCE_MS);
    t.unref();
    this._noticeTimers.set(sessionId, t);
  }

  /**
   * Types the fixed notice into an agent that is idle with an empty prompt and no person typing. Anything
   * else waits for the next idle moment (the activity listener above); shells and unknown programs are never
   * typed into, since typed text would run as a command.
   */
  private async _notify(sessionId: number): Promise<void> {
    const s = this._registry.sessions.get(sessionId);
    if (!s || !s.running || !isAgent(s.row.agent) || this._typing.has(sessionId)) return;
    const pending = this._store.inbox(sessionId, true, INBOX_BATCH_MAX).filter((m) => m.state === 'queued');
    if (!pending.length) return;
    const r = await readyToType(s, 'notice');
    if (!r.ready) {
      // Not at an empty ready prompt: the next idle moment brings it (the activity listener); a person typing
      // or a draft in the prompt does not change the activity, so look again later.
      if (r.retrySoon) this._retryLater(sessionId, HUMAN_GRACE_MS);
      return;
    }
    const senders = [...new Set(pending.map((m) => safeName(m.fromLabel)))];
    const kinds = new Set(pending.map((m) => m.kind));
    const what = pending.length === 1 ? `a ${kinds.values().next().value as string}` : `${pending.length} messages`;
    // A fixed template: no peer-controlled bytes but sanitised sender names. The body is read with `cw inbox`,
    // where it is framed as a peer's context, not the user's instruction.
    const notice = `[cw] ${what} from ${senders.join(', ')} (${pending.map((m) => messageId(m.id)).join(' ')}): run \`cw inbox\` to read ${pending.length === 1 ? 'it' : 'them'}`;
    this._typing.add(sessionId);
    try {
      await typeInto(s, { text: Buffer.from(notice), enter: true });
      const at = new Date().toISOString();
      this._store.markMessages(pending.map((m) => m.id), 'delivered', at);
      for (const m of pending) this._registry.recordEvent(sessionId, 'message.delivered', { id: messageId(m.id), via: 'notice' });
    } catch (err) {
      this._log.warn(`session ${sessionId}: could not type the message notice: ${(err as Error).message}`);
    } finally {
      this._typing.delete(sessionId);
    }
  }

  private _retryLater(sessionId: number, ms: number): void {
    const t = setTimeout(() => void this._notify(sessionId), ms);
    t.unref();
  }

  dispose(): void {
    for (const t of this._noticeTimers.values()) clearTimeout(t);
    this._noticeTimers.clear();
  }
}
