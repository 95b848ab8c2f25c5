// Request ops → registry and session calls. No business logic of its own beyond argument checks and shaping replies.
import { ErrorCode, OpArgs, parseArgs, type Op, type Request, type ScreenResult, type SessionInfo } from '../protocol/index.js';
import { sessionDir } from '../common/paths.js';
import type { Connection } from './connection.js';
import { REPLIED } from './connection.js';
import { CwError, invalid } from './errors.js';
import type { Registry } from './registry.js';
import { screenText } from './registry.js';
import type { Session } from './session.js';
import { AttachStream, OutputStream } from './streams.js';
import type { Paths } from '../common/paths.js';

export interface DaemonContext {
  registry: Registry;
  paths: Paths;
  /** Graceful stop, after the reply to `stop` has been flushed. */
  stop(): void;
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

export function createHandler(ctx: DaemonContext) {
  const { registry } = ctx;

  const handlers: { [O in Op]: (conn: Connection, args: unknown, req: Request) => Promise<unknown> | unknown } = {
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
      return { sessions: infos };
    },

    launch: (_c, raw) => {
      const a = parseArgs(OpArgs.launch, 'launch', raw);
      return { session: registry.launch(a).info() };
    },

    status: (_c, raw) => {
      const a = parseArgs(OpArgs.status, 'status', raw);
      const s = registry.resolve(a.session);
      return { session: s.info(), logError: s.logError };
    },

    send: (_c, raw) => {
      const a = parseArgs(OpArgs.send, 'send', raw);
      const s = registry.resolve(a.session);
      requireRunning(s, 'send input');
      s.write(a.data);
      return { session: s.id, bytes: a.data.length };
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
      const saved = registry.savedScreen(s.id);
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

    output: async (conn, raw, req) => {
      const a = parseArgs(OpArgs.output, 'output', raw);
      const s = registry.resolve(a.session);
      const stream = new OutputStream(conn, req.id, s, s.row.cols, s.row.rows);
      conn.reply(req.id, { session: s.info() });
      await stream.start(sessionDir(ctx.paths, s.id), a.tail, a.history, a.follow);
      return REPLIED;
    },

    attach: async (conn, raw, req) => {
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
      conn.reply(req.id, { session: s.info() });
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

function requireNotRunning(s: Session): void {
  if (s.running) throw new CwError(ErrorCode.INVALID_ARGUMENT, `session ${s.id} is still running`, `stop it first with \`cw kill ${s.id}\``);
}
