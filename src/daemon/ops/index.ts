// The daemon's request ops: one file per family (sessions, io, streams, messaging, admin), who may do what in
// auth.ts, joined here into one table typed against the op contract (OpResults) and the dispatcher main.ts uses.
import { ErrorCode, type Op, type Request } from '../../protocol/index.js';
import type { Connection } from '../connection.js';
import { CwError } from '../errors.js';
import { speakerOn } from './auth.js';
import { sessionOps } from './sessions.js';
import { ioOps } from './io.js';
import { streamOps } from './streams.js';
import { messagingOps } from './messaging.js';
import { adminOps } from './admin.js';
import { taskOps } from './tasks.js';
import { notifyOps } from './notify.js';
import { worktreeOps } from './worktrees.js';
import type { DaemonContext, Handler } from './types.js';

export type { DaemonContext } from './types.js';

export function createHandler(ctx: DaemonContext) {
  // Every Op must have a handler: a family that drops one, or an op added to the contract with none, fails here.
  const handlers: { [O in Op]: Handler<O> } = {
    ...sessionOps(ctx),
    ...ioOps(ctx),
    ...streamOps(ctx),
    ...messagingOps(ctx),
    ...adminOps(ctx),
    ...taskOps(ctx),
    ...notifyOps(ctx),
    ...worktreeOps(ctx),
  };

  return async (conn: Connection, req: Request): Promise<unknown> => {
    // Own properties only: an op named after an Object.prototype member ('constructor') is unknown, not a call.
    const h = Object.hasOwn(handlers, req.op) ? (handlers as Record<string, (typeof handlers)[Op]>)[req.op] : undefined;
    if (!h) throw new CwError(ErrorCode.UNKNOWN_OP, `unknown request '${req.op}'`, 'the daemon may be older than this cw: run `cw stop`, then retry');
    return h(conn, req.args, req, speakerOn(ctx.registry, conn));
  };
}
