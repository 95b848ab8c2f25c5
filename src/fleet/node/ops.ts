// What a node answers on `cw.node.<node>.<op>`: a registry of ops. Each op acts as a client of this very daemon
// over the public protocol (a Channel on its Unix socket), so the fleet adds no second way into sessions: the
// daemon's handlers validate the arguments and do the work exactly as for `cw launch`, `cw send`...
import type { Channel } from '../../channel/channel.js';
import { keyBytes } from '../../channel/keys.js';
import type { Op, OpArgsOf } from '../../protocol/messages.js';
import type { NodeInfo } from '../../common/fleet/subjects.js';

export interface FleetOpContext {
  node: string;
  allow: { launch: boolean; kill: boolean; send: boolean };
  /** A channel to this daemon (opened on first use, reopened when it closed). */
  channel(): Promise<Channel>;
  /** This node's NodeInfo, fresh. */
  info(): Promise<NodeInfo>;
  /** One line in daemon.log (what the fleet asked this node to do). */
  audit(line: string): void;
}

export type FleetOp = (ctx: FleetOpContext, args: Record<string, unknown>) => Promise<unknown>;

/** An error with a stable code (the protocol's ErrorCode values: refused, not_found, invalid_argument...). */
export class FleetError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'FleetError';
  }
}

const ops = new Map<string, FleetOp>();

/**
 * Adds an op answered on `cw.node.<node>.<name>`. The extension point for cross-node messaging: the
 * messaging side registers FLEET_MESSAGE_OP ('msg') here and nothing else in the fleet changes.
 */
export function registerFleetOp(name: string, op: FleetOp): void {
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(name)) throw new Error(`fleet op names are lowercase subject tokens: '${name}'`);
  ops.set(name, op);
}

export function fleetOp(name: string): FleetOp | undefined {
  return ops.get(name);
}

function str(args: Record<string, unknown>, key: string): string {
  const v = args[key];
  if (typeof v !== 'string' || v.length === 0) throw new FleetError('invalid_argument', `'${key}' must be a non-empty string`);
  return v;
}

/**
 * Copies only the listed keys of `op` that are present: nothing else from the network reaches the daemon's
 * handlers. Their values are not checked here: the daemon parses them against OpArgs[op], as from any client.
 */
function pick<O extends Op>(_op: O, args: Record<string, unknown>, keys: (keyof OpArgsOf<O> & string)[]): OpArgsOf<O> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (args[k] !== undefined) out[k] = args[k];
  return out as OpArgsOf<O>;
}

function refuse(ctx: FleetOpContext, what: string, key: string): never {
  throw new FleetError('refused', `node '${ctx.node}' does not allow ${what} over the fleet`, `its config.toml has [fleet] ${key} = false`);
}

registerFleetOp('info', async (ctx) => ctx.info());

registerFleetOp('list', async (ctx, args) => {
  const ch = await ctx.channel();
  return ch.request('list', pick('list', args, ['status', 'tags', 'activity']));
});

registerFleetOp('launch', async (ctx, args) => {
  if (!ctx.allow.launch) refuse(ctx, 'launching sessions', 'allow_launch');
  const ch = await ctx.channel();
  // As over `--server`: no baseEnv and no client directory; the node's environment and home are the base.
  const r = await ch.request('launch', pick('launch', args, ['command', 'name', 'cwd', 'env', 'tags', 'agent', 'cols', 'rows', 'prompt']));
  ctx.audit(`launched session ${r.session.id}${r.session.name ? ` (${r.session.name})` : ''} for a fleet request: ${r.session.command.join(' ').slice(0, 200)}`);
  return r;
});

registerFleetOp('send', async (ctx, args) => {
  if (!ctx.allow.send) refuse(ctx, 'typing into sessions', 'allow_send');
  const session = str(args, 'session');
  const text = args.text;
  if (text !== undefined && typeof text !== 'string') throw new FleetError('invalid_argument', "'text' must be a string");
  const keyNames = args.keys ?? [];
  if (!Array.isArray(keyNames)) throw new FleetError('invalid_argument', "'keys' must be a list of key names");
  const keys: Buffer[] = [];
  for (const k of keyNames) {
    const b = typeof k === 'string' ? keyBytes(k) : null;
    if (b === null) throw new FleetError('invalid_argument', `unknown key '${String(k)}'`);
    keys.push(Buffer.from(b, 'latin1'));
  }
  const ch = await ctx.channel();
  const r = await ch.request('send', {
    ...pick('send', args, ['enter', 'paste', 'ifIdle']),
    session,
    ...(text !== undefined ? { text: Buffer.from(text) } : {}),
    ...(keys.length ? { keys: Buffer.concat(keys) } : {}),
  });
  ctx.audit(`typed ${r.bytes} bytes into session ${r.session} for a fleet request`);
  return r;
});

registerFleetOp('status', async (ctx, args) => (await ctx.channel()).request('status', { session: str(args, 'session') }));

registerFleetOp('kill', async (ctx, args) => {
  if (!ctx.allow.kill) refuse(ctx, 'killing sessions', 'allow_kill');
  const session = str(args, 'session');
  const r = await (await ctx.channel()).request('kill', { sessions: [session] });
  if (r.killed.length) ctx.audit(`killed session ${r.killed.join(', ')} for a fleet request`);
  return r;
});

registerFleetOp('screen', async (ctx, args) => (await ctx.channel()).request('screen', { session: str(args, 'session'), ansi: args.ansi === true }));

registerFleetOp('last-message', async (ctx, args) => (await ctx.channel()).request('last-message', { session: str(args, 'session') }));

/** Longest a relayed request may wait for its reply: the asker's NATS request waits a little longer. */
export const FLEET_REQUEST_MAX_MS = 10 * 60_000;

function via(args: Record<string, unknown>): string {
  const from = str(args, 'from');
  if (!/^[a-zA-Z0-9_-]{1,64}:[a-zA-Z0-9._@-]{1,64}$/.test(from)) throw new FleetError('invalid_argument', `'from' must be NODE:SESSION, got '${from}'`);
  return from;
}

// Cross-node messaging: a message from another machine is stored here, by this node's own daemon, with the
// sender the requesting node vouches for (shown as fleet:NODE:SESSION). Same checks and delivery as local mail.
registerFleetOp('msg', async (ctx, args) => {
  const from = via(args);
  const r = await (await ctx.channel()).request('msg', { to: str(args, 'to'), body: str(args, 'body'), task: args.task === true, via: from });
  ctx.audit(`message from ${from} to ${String(args.to)}`);
  return r;
});

registerFleetOp('request', async (ctx, args) => {
  const from = via(args);
  const t = Number(args.timeoutMs ?? 60_000);
  const timeoutMs = Number.isFinite(t) ? Math.max(0, Math.min(FLEET_REQUEST_MAX_MS, Math.round(t))) : 60_000;
  ctx.audit(`request from ${from} to ${String(args.to)}`);
  return (await ctx.channel()).request('request', { to: str(args, 'to'), body: str(args, 'body'), timeoutMs, via: from });
});
