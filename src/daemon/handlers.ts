// Request ops → registry and session calls. No business logic of its own beyond argument checks and shaping replies.
import { ErrorCode, OpArgs, parseArgs, type Op, type OpResults, type Request, type ScreenResult, type SessionInfo } from '../protocol/index.js';
import { sessionDir } from '../common/paths.js';
import type { Connection } from './connection.js';
import { REPLIED } from './connection.js';
import { CwError, invalid } from './errors.js';
import type { Registry } from './registry.js';
import { screenText } from './registry.js';
import type { Session } from './session.js';
import { AttachStream, EventStream, OutputStream } from './streams.js';
import { readyToType, typeInto } from './input.js';
import { holdPrompt, type PromptOutcome } from './prompts.js';
import { waitFor } from './waiting.js';
import { agentProfile } from './agents/index.js';
import { INPUT_QUEUE_MAX_BYTES, SCREEN_SCROLLBACK_LINES, STATE_CARD_MAX_CHARS } from './limits.js';
import { normalizeLine } from './agents/screen.js';
import type { Reply } from './agents/types.js';
import { parseMessageId, view, type Identity, type Mailbox } from './mailbox.js';
import type { MessageRow } from './store.js';
import type { Paths } from '../common/paths.js';
import type { WsServer } from './ws-server.js';
import { webLogin } from './web/index.js';

export interface DaemonContext {
  registry: Registry;
  mailbox: Mailbox;
  paths: Paths;
  /** Graceful stop, after the reply to `stop` has been flushed. */
  stop(): void;
  /** The WebSocket listener (started on loopback when none is configured), for the dashboard. */
  ensureListener(): Promise<{ server: WsServer; url: string }>;
}

const ORDER = { running: 0, exited: 1, killed: 1, lost: 1 } as const;

function sortSessions(list: Session[]): Session[] {
  return list.sort((a, b) => ORDER[a.row.state] - ORDER[b.row.state] || a.id - b.id);
}

function requireRunning(s: Session, what: string): void {
  if (s.running) return;
  const how = s.row.state === 'exited' ? `exited (code ${s.row.exitCode ?? s.row.signal})` : s.row.state;
  throw new CwError(ErrorCode.NOT_RUNNING, `session ${s.id} is not running (${how}): cannot ${what}`, `see its output with \`cw logs ${s.id}\``);
}

/**
 * One op's handler: it returns that op's result from the op contract (OpResults), or REPLIED when it replied
 * itself (a stream op replies before its stream starts, with the same result type: `satisfies` below).
 */
type Handler<O extends Op> = (conn: Connection, args: unknown, req: Request) => OpResults[O] | typeof REPLIED | Promise<OpResults[O] | typeof REPLIED>;

export function createHandler(ctx: DaemonContext) {
  const { registry, mailbox } = ctx;

  /** Who speaks on a connection: decided by the daemon from the session token, never from a claim. */
  const identity = (conn: Connection): Identity => {
    if (conn.remotePeer) return { kind: 'operator', label: `remote:${conn.remotePeer}` };
    if (conn.sessionToken) {
      const s = registry.sessionByToken(conn.sessionToken);
      if (!s) {
        throw new CwError(ErrorCode.REFUSED, 'CW_SESSION_TOKEN does not belong to any session: refusing to guess who is speaking', 'run it from inside a cw session, or unset CW_SESSION_TOKEN to act as the operator');
      }
      return { kind: 'session', session: s };
    }
    return { kind: 'operator', label: 'operator' };
  };

  /**
   * The sender of a message. `via` (a fleet node relaying NODE:SESSION from another machine) is accepted only
   * from the local operator (the node's own fleet agent), and shown as `fleet:NODE:SESSION`.
   */
  const sender = (conn: Connection, via: string | undefined): Identity => {
    const who = identity(conn);
    if (via === undefined) return who;
    if (who.kind !== 'operator' || who.label !== 'operator') {
      throw new CwError(ErrorCode.REFUSED, 'only the local operator (a fleet node) may relay a message for another machine');
    }
    return { kind: 'operator', label: `fleet:${via}` };
  };

  /** list/status extras: state card is on the row; unread and owed counts come from the mailbox. */
  const withCounts = (infos: SessionInfo[]): SessionInfo[] => {
    const counts = mailbox.counts();
    return infos.map((i) => {
      const c = counts.get(i.id);
      return { ...i, unread: c?.unread ?? 0, owes: c?.owes ?? 0 };
    });
  };

  const handlers: { [O in Op]: Handler<O> } = {
    ping: () => ({ pong: true }),

    list: (_c, raw) => {
      const a = parseArgs(OpArgs.list, 'list', raw);
      let list = registry.list();
      if (a.status === 'running') list = list.filter((s) => s.row.state === 'running');
      else if (a.status === 'exited') list = list.filter((s) => s.row.state !== 'running');
      if (a.tags.length) list = list.filter((s) => a.tags.some((t) => s.row.tags.includes(t)));
      const now = Date.now();
      let infos = sortSessions(list).map((s) => s.info(now));
      if (a.activity) infos = infos.filter((i) => i.activity === a.activity);
      return { sessions: withCounts(infos) };
    },

    launch: async (_c, raw) => {
      const a = parseArgs(OpArgs.launch, 'launch', raw);
      const s = registry.launch(a);
      if (a.prompt === undefined) return { session: s.info() };
      const prompt = a.prompt;
      // --wait-ready returns at the first of: typed in, failed, or held by a dialog that needs a person.
      const outcome = await new Promise<PromptOutcome>((resolve) => {
        void holdPrompt(registry, s, prompt, a.promptTimeoutMs, (why) => resolve({ state: 'held', why })).then(resolve);
        if (!a.waitReady) resolve({ state: 'held', why: 'pending' });
      });
      if (!a.waitReady) return { session: s.info(), prompt: 'pending' };
      if (outcome.state === 'failed') throw new CwError(ErrorCode.NOT_RUNNING, `session ${s.id}: the prompt was not typed: ${outcome.why}`, `see \`cw screen ${s.id}\``);
      return { session: s.info(), prompt: outcome.state, ...(outcome.state === 'held' ? { held: outcome.why } : {}) };
    },

    status: (_c, raw) => {
      const a = parseArgs(OpArgs.status, 'status', raw);
      const s = registry.resolve(a.session);
      const work = mailbox.work({ kind: 'session', session: s });
      return { session: withCounts([s.info()])[0]!, logError: s.logError, owes: work.owes.map(view), waitsOn: work.waitsOn.map(view) };
    },

    send: async (_c, raw) => {
      const a = parseArgs(OpArgs.send, 'send', raw);
      const s = registry.resolve(a.session);
      requireRunning(s, 'send input');
      if (a.ifIdle) {
        const r = await readyToType(s, 'send-if-idle');
        if (!r.ready) throw new CwError(ErrorCode.REFUSED, `session ${s.id} is not at its ready prompt: ${r.why}; nothing sent`, `drop --if-idle to send anyway, or \`cw wait ${s.id}\` first`);
      }
      // All or nothing: into a program that has left too much input unread, nothing is typed and the sender is
      // told (the bracketed-paste markers and the Enter are counted too).
      const need = (a.text?.length ?? 0) + 12 + 1 + (a.keys?.length ?? 0);
      if (!s.inputFits(need)) {
        throw new CwError(
          ErrorCode.REFUSED,
          `session ${s.id} is not reading its input: ${s.queuedInput} bytes typed earlier still wait (at most ${INPUT_QUEUE_MAX_BYTES}); nothing sent`,
          `see \`cw screen ${s.id}\` (the program may be stopped or busy), and send again once it reads`,
        );
      }
      const r = await typeInto(s, a);
      return { session: s.id, bytes: r.bytes, pasted: r.pasted };
    },

    wait: async (conn, raw) => {
      const a = parseArgs(OpArgs.wait, 'wait', raw);
      const targets = new Set<Session>(a.sessions.map((r) => registry.resolve(r)));
      for (const s of registry.list()) if (a.tags.some((t) => s.row.tags.includes(t))) targets.add(s);
      if (targets.size === 0) throw invalid('no session to wait for', 'cw wait SESSION... | --tag T');
      // Start from a fresh look at each screen, not the last sample.
      await Promise.all([...targets].map((s) => s.activity?.sampleNow()));
      const r = await waitFor(registry, [...targets], a.until, a.mode, a.timeoutMs, conn.whenClosed);
      return r;
    },

    'last-message': async (_c, raw) => {
      const a = parseArgs(OpArgs['last-message'], 'last-message', raw);
      const s = registry.resolve(a.session);
      const r = await latestReply(s, async () => (await registry.finalScreen(s.id))?.lines ?? null);
      if (!r.ok) throw new CwError(ErrorCode.NOT_FOUND, `session ${s.id} has no reply for its latest turn: ${r.why}`, `see \`cw screen ${s.id}\`, or \`cw wait ${s.id}\` for the turn to end`);
      return { session: s.id, agent: s.row.agent, text: r.text, source: r.source };
    },

    hook: (conn, raw) => {
      const a = parseArgs(OpArgs.hook, 'hook', raw);
      const who = identity(conn);
      if (who.kind !== 'session') throw new CwError(ErrorCode.REFUSED, '`cw hook` reports an agent of a session cw launched; it runs inside one', 'cw adds it to the agent for you: see `cw status SESSION` (hooks)');
      registry.applyHook(who.session, a.agent, a.event, a.payload);
      return {};
    },

    events: async (conn, raw, req): Promise<typeof REPLIED> => {
      const a = parseArgs(OpArgs.events, 'events', raw);
      const ids = a.sessions.length ? a.sessions.map((r) => registry.resolve(r).id) : null;
      const stream = new EventStream(conn, req.id, registry, ids);
      conn.reply(req.id, {} satisfies OpResults['events']);
      stream.start(a.since, a.tail, a.follow);
      return REPLIED;
    },

    screen: async (_c, raw) => {
      const a = parseArgs(OpArgs.screen, 'screen', raw);
      const s = registry.resolve(a.session);
      const screen = s.screen;
      if (screen) {
        const snap = await screen.snapshot();
        const text = a.ansi ? await screen.serialize(0) : screenText(snap.lines);
        const r: ScreenResult = { session: s.id, cols: snap.cols, rows: snap.rows, cursor: snap.cursor, text };
        return r;
      }
      const saved = await registry.finalScreen(s.id);
      if (!saved) throw new CwError(ErrorCode.NOT_FOUND, `session ${s.id} has no saved screen`, `its output is in \`cw logs ${s.id}\``);
      const r: ScreenResult = { session: s.id, cols: saved.cols, rows: saved.rows, cursor: saved.cursor, text: a.ansi ? saved.ansi : saved.text };
      return r;
    },

    kill: async (_c, raw) => {
      const a = parseArgs(OpArgs.kill, 'kill', raw);
      if (!a.all && a.sessions.length === 0 && a.tags.length === 0) throw invalid('name the sessions to kill', 'cw kill SESSION... | --tag T | --all');
      const targets = new Set<Session>();
      for (const ref of a.sessions) targets.add(registry.resolve(ref));
      for (const s of registry.running()) {
        if (a.all || a.tags.some((t) => s.row.tags.includes(t))) targets.add(s);
      }
      const killed: number[] = [];
      const already: number[] = [];
      for (const s of targets) (s.kill() ? killed : already).push(s.id);
      // Reply once they are gone, so `cw kill x && cw rm x` works.
      await Promise.all([...targets].map((s) => s.whenEnded()));
      return { killed, alreadyEnded: already, sessions: [...targets].map((s) => s.info()) };
    },

    rm: (_c, raw) => {
      const a = parseArgs(OpArgs.rm, 'rm', raw);
      if (!a.exited && a.sessions.length === 0) throw invalid('name the sessions to remove', 'cw rm SESSION... | --exited');
      const targets = new Set<Session>(a.sessions.map((r) => registry.resolve(r)));
      if (a.exited) for (const s of registry.list()) if (!s.running) targets.add(s);
      for (const s of targets) requireNotRunning(s);
      for (const s of targets) registry.remove(s);
      return { removed: [...targets].map((s) => s.id) };
    },

    output: async (conn, raw, req): Promise<typeof REPLIED> => {
      const a = parseArgs(OpArgs.output, 'output', raw);
      const s = registry.resolve(a.session);
      const stream = new OutputStream(conn, req.id, s, s.row.cols, s.row.rows);
      conn.reply(req.id, { session: s.info() } satisfies OpResults['output']);
      await stream.start(sessionDir(ctx.paths, s.id), a.tail, a.history, a.follow);
      return REPLIED;
    },

    attach: async (conn, raw, req): Promise<typeof REPLIED> => {
      const a = parseArgs(OpArgs.attach, 'attach', raw);
      let s: Session;
      if (a.session !== undefined) {
        s = registry.resolve(a.session);
      } else {
        const running = registry.running();
        const newest = running.sort((x, y) => y.id - x.id)[0];
        if (!newest) throw new CwError(ErrorCode.NOT_FOUND, 'no running session to attach to', 'start one with `cw launch -- CMD`');
        s = newest;
      }
      requireRunning(s, 'attach');
      const stream = new AttachStream(conn, req.id, s, a.cols, a.rows, a.readOnly);
      conn.reply(req.id, { session: s.info() } satisfies OpResults['attach']);
      await stream.start(a.history);
      return REPLIED;
    },

    resize: (conn, raw) => {
      const a = parseArgs(OpArgs.resize, 'resize', raw);
      const stream = conn.streams.get(a.stream);
      if (stream instanceof AttachStream) stream.resize(a.cols, a.rows);
      return {};
    },

    close: (conn, raw) => {
      const a = parseArgs(OpArgs.close, 'close', raw);
      conn.streams.get(a.stream)?.close('detached');
      return {};
    },

    whoami: (conn) => {
      const who = identity(conn);
      return who.kind === 'session' ? { kind: 'session', session: who.session.info() } : { kind: 'operator', label: who.label };
    },

    msg: (conn, raw) => {
      const a = parseArgs(OpArgs.msg, 'msg', raw);
      const sent = mailbox.send(sender(conn, a.via), a.to, a.task ? 'task' : 'message', a.body);
      return { messages: sent.map((m) => ({ ...view(m), ...mailbox.outlook(m) })) };
    },

    request: async (conn, raw) => {
      const a = parseArgs(OpArgs.request, 'request', raw);
      const sent = mailbox.send(sender(conn, a.via), a.to, 'request', a.body);
      if (sent.length !== 1) throw invalid('a request goes to one session', 'use `cw msg tag:T` to broadcast');
      const req = sent[0]!;
      const reply = await mailbox.waitReply(req.id, a.timeoutMs, conn.whenClosed);
      if (!reply) {
        throw new CwError(
          ErrorCode.TIMEOUT,
          `no reply to ${view(req).id} from ${req.toLabel} within ${Math.round(a.timeoutMs / 1000)}s`,
          `a later reply still reaches your inbox (\`cw inbox\`); \`cw work\` shows it as open`,
        );
      }
      // The asker has the reply in hand: it is read, and no notice about it is typed later.
      mailbox.markRead(reply, mailbox.identityOf(identity(conn)).label);
      return { request: view(req), reply: view({ ...reply, state: 'read' }) };
    },

    reply: (conn, raw) => {
      const a = parseArgs(OpArgs.reply, 'reply', raw);
      const r = mailbox.reply(identity(conn), parseMessageId(a.id), a.body);
      return { message: { ...view(r), ...mailbox.outlook(r) } };
    },

    inbox: (conn, raw) => {
      const a = parseArgs(OpArgs.inbox, 'inbox', raw);
      const who = identity(conn);
      return { me: mailbox.identityOf(who).label, messages: mailbox.inbox(who, a).map(view) };
    },

    work: (conn) => {
      const w = mailbox.work(identity(conn));
      return { owes: w.owes.map(view), waitsOn: w.waitsOn.map(view) };
    },

    'work-close': (conn, raw) => {
      const a = parseArgs(OpArgs['work-close'], 'work-close', raw);
      return { message: view(mailbox.closeWork(identity(conn), parseMessageId(a.id), a.state, a.text)) };
    },

    'state-set': (conn, raw) => {
      const a = parseArgs(OpArgs['state-set'], 'state-set', raw);
      const who = identity(conn);
      let target: Session;
      if (a.session !== undefined) {
        if (who.kind === 'session' && registry.resolve(a.session) !== who.session) {
          throw new CwError(ErrorCode.REFUSED, "a session may set only its own state card", 'drop --session');
        }
        target = registry.resolve(a.session);
      } else if (who.kind === 'session') {
        target = who.session;
      } else {
        throw invalid('outside a session, name the session', 'cw state set --session NAME "text"');
      }
      const card = a.card === null ? null : a.card.replace(/\s+/g, ' ').trim();
      if (card !== null && [...card].length > STATE_CARD_MAX_CHARS) {
        throw invalid(`the state card is ${[...card].length} characters; the limit is ${STATE_CARD_MAX_CHARS}`, 'keep it to one line: what you are doing, for your peers');
      }
      registry.setStateCard(target, card || null);
      return { session: target.info() };
    },

    listen: (conn, _raw, req) => {
      const who = identity(conn);
      const me = mailbox.identityOf(who);
      const onMessage = (m: MessageRow): void => {
        if (m.toSession === me.session && (me.session !== null || m.toLabel === 'operator')) conn.event(req.id, { type: 'message', message: view(m) });
      };
      mailbox.events.on('message', onMessage);
      conn.streams.set(req.id, {
        input: () => {},
        ack: () => {},
        close: (reason) => {
          mailbox.events.off('message', onMessage);
          conn.streams.delete(req.id);
          conn.event(req.id, { type: 'end', reason, message: reason });
        },
      });
      conn.reply(req.id, { me: me.label } satisfies OpResults['listen']);
      return REPLIED;
    },

    ui: async () => webLogin(await ctx.ensureListener()),

    messages: (_c, raw) => {
      const a = parseArgs(OpArgs.messages, 'messages', raw);
      const o = mailbox.overview(a.limit);
      return { messages: o.messages.map(view), open: o.open.map(view) };
    },

    stop: (conn) => {
      // Reply first, then stop once the reply has left.
      setImmediate(() => ctx.stop());
      void conn;
      return { stopping: true, sessions: registry.running().map((s: Session): SessionInfo => s.info()).length };
    },
  };

  return async (conn: Connection, req: Request): Promise<unknown> => {
    // Own properties only: an op named after an Object.prototype member ('constructor') is unknown, not a call.
    const h = Object.hasOwn(handlers, req.op) ? (handlers as Record<string, (typeof handlers)[Op]>)[req.op] : undefined;
    if (!h) throw new CwError(ErrorCode.UNKNOWN_OP, `unknown request '${req.op}'`, 'the daemon may be older than this cw: run `cw stop`, then retry');
    return h(conn, req.args, req);
  };
}

/**
 * The latest turn's reply, never an older one: none while the agent works or a dialog (or a held launch prompt)
 * waits; then the agent's own word (its Stop hook or notify), its transcript, and the screen, in that order.
 */
async function latestReply(s: Session, savedLines: () => Promise<string[] | null>): Promise<Reply> {
  const profile = agentProfile(s.row.agent);
  if (s.running) {
    await s.activity?.sampleNow();
    const act = s.row.activity;
    if (s.prompt?.state === 'pending') return { ok: false, why: `the launch prompt has not been typed yet (${s.prompt.detail ?? 'pending'})` };
    if (act === 'working') return { ok: false, why: `the agent is still working (${s.row.activityReason})` };
    if (act === 'waiting_for_input') return { ok: false, why: `a dialog is open (${s.row.activityReason})` };
    if (act === 'unknown' && profile.typesNotices) return { ok: false, why: `its screen is not recognised (${s.row.activityReason})` };
  }
  const sig = s.signals.lastMessage;
  if (sig && sig.at >= s.signals.turnStartedAt && sig.text.trim()) return { ok: true, text: sig.text.trim(), source: 'hook' };
  if (profile.transcriptReply) {
    const t = await profile.transcriptReply({
      cwd: s.row.cwd,
      home: process.env.HOME ?? '',
      startedAt: Date.parse(s.row.createdAt),
      ...(s.row.conversationId ? { conversationId: s.row.conversationId } : {}),
      ...(s.row.transcriptPath ? { transcriptPath: s.row.transcriptPath } : {}),
    });
    if (t) return t;
  }
  const lines = s.screen ? await s.screen.lines(SCREEN_SCROLLBACK_LINES) : await savedLines();
  if (!lines) return { ok: false, why: 'no screen to read' };
  return profile.replyFromScreen(lines.map(normalizeLine));
}

function requireNotRunning(s: Session): void {
  if (s.running) throw new CwError(ErrorCode.INVALID_ARGUMENT, `session ${s.id} is still running`, `stop it first with \`cw kill ${s.id}\``);
}
