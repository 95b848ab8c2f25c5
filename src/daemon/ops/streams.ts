// Stream ops: output, attach and events reply first and then stream (REPLIED); resize and close act on a stream
// of the same connection; listen streams the messages addressed to the speaker (auth.ts).
import { ErrorCode, OpArgs, parseArgs, type OpResults } from '../../protocol/index.js';
import { sessionDir } from '../../common/paths.js';
import { REPLIED } from '../connection.js';
import { handDirectInput, offerDirectInput } from '../direct-input.js';
import { CwError } from '../errors.js';
import type { Session } from '../session.js';
import { AttachStream, EventStream, OutputStream } from '../streams.js';
import { view } from '../mailbox.js';
import type { MessageRow } from '../store.js';
import { requireRunning } from './sessions.js';
import type { DaemonContext, Family } from './types.js';

export type StreamOp = 'output' | 'attach' | 'direct-input' | 'resize' | 'close' | 'events' | 'listen';

export function streamOps(ctx: DaemonContext): Family<StreamOp> {
  const { registry, mailbox } = ctx;
  return {
    output: async (conn, raw, req): Promise<typeof REPLIED> => {
      const a = parseArgs(OpArgs.output, 'output', raw);
      const s = registry.resolve(a.session);
      const stream = new OutputStream(conn, req.id, s, s.row.cols, s.row.rows);
      conn.reply(req.id, { session: s.info() } satisfies OpResults['output']);
      await stream.start(sessionDir(ctx.paths, s.id), a.tail, a.history, a.follow, a.fromByte);
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
      const stream = new AttachStream(conn, req.id, s, a.cols, a.rows, a.readOnly, a.sizePolicy);
      const direct = a.directInput ? offerDirectInput(conn, stream, s) : null;
      conn.reply(req.id, { session: s.info(), ...(direct ? { directInput: direct } : {}) } satisfies OpResults['attach']);
      await stream.start(a.history);
      return REPLIED;
    },

    'direct-input': async (conn, raw, req): Promise<typeof REPLIED> => {
      const a = parseArgs(OpArgs['direct-input'], 'direct-input', raw);
      await handDirectInput(conn, req.id, a.key);
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

    events: async (conn, raw, req): Promise<typeof REPLIED> => {
      const a = parseArgs(OpArgs.events, 'events', raw);
      const ids = a.sessions.length ? a.sessions.map((r) => registry.resolve(r).id) : null;
      const stream = new EventStream(conn, req.id, registry, ids);
      conn.reply(req.id, {} satisfies OpResults['events']);
      stream.start(a.since, a.tail, a.follow);
      return REPLIED;
    },

    listen: (conn, _raw, req, who) => {
      const me = mailbox.identityOf(who.identity());
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
  };
}
