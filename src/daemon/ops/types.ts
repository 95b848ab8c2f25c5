// The shapes every op family shares: what the daemon gives the ops, one op's handler, a family's part of the table.
import type { NotifyChannelResult, Op, OpResults, Request } from '../../protocol/index.js';
import type { Paths } from '../../common/paths.js';
import type { Connection, REPLIED } from '../connection.js';
import type { Mailbox } from '../mailbox.js';
import type { Registry } from '../registry.js';
import type { Tasks } from '../task-service.js';
import type { Store } from '../store.js';
import type { WsServer } from '../ws-server.js';
import type { Who } from './auth.js';

export interface DaemonContext {
  registry: Registry;
  mailbox: Mailbox;
  /** Scheduled prompts, `cw task` (task-service.ts). */
  tasks: Tasks;
  paths: Paths;
  /** The database, for records the registry does not hold (session worktrees). */
  store: Store;
  /** Graceful stop, after the reply to `stop` has been flushed. */
  stop(): void;
  /**
   * `cw daemon restart`: everything is made ready (or it throws, nothing changed); `go` then hands over, and is
   * called once the reply has left.
   */
  restart(): Promise<{ sessions: number; toVersion: string; go(): void }>;
  /** Notifications ([notify] in config.toml): `cw notify test` sends one through every channel (notifier.ts). */
  notifier?: { test(): Promise<NotifyChannelResult[]> };
  /** The WebSocket listener (started on loopback when none is configured), for the dashboard. */
  ensureListener(): Promise<{ server: WsServer; url: string }>;
}

/**
 * One op's handler: it returns that op's result from the op contract (OpResults), or REPLIED when it replied
 * itself (a stream op replies before its stream starts, with the same result type: `satisfies` at the reply).
 * `who` offers only what the op's line in auth.ts ACCESS grants: an op that may act for anyone cannot read the
 * speaker, so a handler cannot start deciding who may act without that table changing.
 */
export type Handler<O extends Op> = (
  conn: Connection,
  args: unknown,
  req: Request,
  who: Who<O>,
) => OpResults[O] | typeof REPLIED | Promise<OpResults[O] | typeof REPLIED>;

/** A family's handlers: index.ts joins the families into one table that must name every Op. */
export type Family<K extends Op> = { [O in K]: Handler<O> };
