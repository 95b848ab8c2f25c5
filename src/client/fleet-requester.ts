// The requesting side of the fleet (`cw fleet`): connect to NATS straight from the CLI (no local daemon needed),
// discover nodes by scatter-gather, send per-node requests. Loaded only by the fleet command.
import { createInbox } from '@nats-io/transport-node';
import type { NatsConfig } from '../common/config.js';
import { ClientError, ExitCode } from '../channel/errors.js';
import { classifyNatsError, connect, describeServers, isNoResponders, isTimeout, natsOptions, type NatsConnection } from '../common/fleet/nats.js';
import {
  DISCOVER_SUBJECT,
  FLEET_CONNECT_TIMEOUT_MS,
  FLEET_DISCOVER_MAX_MS,
  FLEET_DISCOVER_STALL_MS,
  FLEET_REQUEST_TIMEOUT_MS,
  NODE_NAME_RE,
  nodeSubject,
  type DiscoverReply,
  type FleetReply,
  type NodeInfo,
  type PeerSeen,
} from '../common/fleet/subjects.js';
import type { OpResults } from '../protocol/messages.js';

export async function connectFleet(cfg: NatsConfig): Promise<NatsConnection> {
  const where = describeServers(cfg);
  let opts;
  try {
    opts = natsOptions(cfg);
  } catch (err) {
    throw new ClientError((err as Error).message, 'fix [nats] in config.toml');
  }
  try {
    return await connect({ ...opts, name: 'cw fleet', reconnect: false, timeout: FLEET_CONNECT_TIMEOUT_MS });
  } catch (err) {
    const { kind, message } = classifyNatsError(err);
    if (kind === 'auth') {
      throw new ClientError(`NATS at ${where} rejected the credentials: ${message}`, 'check [nats] token, user/password or creds_file in config.toml', ExitCode.AUTH, 'auth');
    }
    if (kind === 'tls') throw new ClientError(`TLS with NATS at ${where} failed: ${message}`, 'check [nats] url and tls_ca in config.toml', ExitCode.TLS, 'tls');
    throw new ClientError(`cannot reach NATS at ${where}: ${message}`, 'is nats-server running there, and [nats] url (or --nats, CODEWIRE_NATS_URL) right?', ExitCode.UNREACHABLE, 'unreachable');
  }
}

/** The protocol's error codes that scripts tell apart, as exit codes (as for local commands). */
function exitCodeFor(code: string): number {
  if (code === 'refused') return ExitCode.REFUSED;
  if (code === 'timeout') return ExitCode.TIMEOUT;
  return ExitCode.ERROR;
}

/**
 * What each per-node op replies: `info` is the node's NodeInfo; every other op relays its daemon's reply to the
 * op of the same name unchanged (fleet/node/ops.ts), so its type is that op's entry in the op contract.
 */
export type FleetOpResults = Pick<OpResults, 'list' | 'launch' | 'send' | 'status' | 'kill' | 'screen' | 'last-message' | 'msg' | 'request'> & { info: NodeInfo };

/** One request to one node; a node that is gone fails at once, a hung one after FLEET_REQUEST_TIMEOUT_MS. */
export async function ask<K extends keyof FleetOpResults>(
  nc: NatsConnection,
  node: string,
  op: K,
  args: Record<string, unknown>,
  timeoutMs = FLEET_REQUEST_TIMEOUT_MS,
): Promise<FleetOpResults[K]> {
  if (!NODE_NAME_RE.test(node)) throw new ClientError(`'${node}' is not a node name (1-64 of [a-zA-Z0-9_-])`, 'see `cw fleet list`', ExitCode.USAGE, 'usage');
  let text: string;
  try {
    const m = await nc.request(nodeSubject(node, op), JSON.stringify(args), { timeout: timeoutMs });
    text = m.string();
  } catch (err) {
    if (isNoResponders(err)) {
      throw new ClientError(`node '${node}' is not in the fleet: no daemon answers as '${node}' on NATS`, 'see `cw fleet list`', ExitCode.UNREACHABLE, 'unreachable');
    }
    if (isTimeout(err)) {
      throw new ClientError(`node '${node}' did not answer within ${Math.round(timeoutMs / 1000)}s`, 'it may be overloaded or cut off; see `cw fleet list`', ExitCode.UNREACHABLE, 'unreachable');
    }
    throw new ClientError(`request to node '${node}' failed: ${(err as Error).message}`, undefined, ExitCode.UNREACHABLE, 'unreachable');
  }
  // JSON from the node's agent, which answers `op` with FleetOpResults[op] (the node's daemon built it).
  let r: { ok: true; result: FleetOpResults[K] } | Extract<FleetReply, { ok: false }>;
  try {
    r = JSON.parse(text) as typeof r;
  } catch {
    throw new ClientError(`node '${node}' sent a reply that is not JSON`, 'is it running a matching cw? see `cw fleet list --json`');
  }
  if (!r.ok) throw new ClientError(`${node}: ${r.error.message}`, r.error.hint, exitCodeFor(r.error.code), r.error.code);
  return r.result;
}

export interface Discovered {
  /** Nodes that answered, sorted by name (two with the same name and different instances are both kept). */
  nodes: DiscoverReply[];
  /** Nodes some answering node heard heartbeats from recently, that did not answer in time. */
  silent: PeerSeen[];
}

/**
 * Scatter-gather on cw.fleet.discover: collects replies until FLEET_DISCOVER_STALL_MS passed since the last one
 * and every node the responders know from heartbeats has answered, or FLEET_DISCOVER_MAX_MS passed in all.
 */
export function discover(nc: NatsConnection): Promise<Discovered> {
  return new Promise((resolve) => {
    const replies = new Map<string, DiscoverReply>();
    const peers = new Map<string, PeerSeen>();
    let stall: NodeJS.Timeout | null = null;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(max);
      if (stall) clearTimeout(stall);
      sub.unsubscribe();
      const answered = new Set([...replies.values()].map((r) => r.node));
      resolve({
        nodes: [...replies.values()].sort((a, b) => a.node.localeCompare(b.node) || a.instance.localeCompare(b.instance)),
        silent: [...peers.values()].filter((p) => !answered.has(p.node)).sort((a, b) => a.node.localeCompare(b.node)),
      });
    };
    const complete = (): boolean => {
      const answered = new Set([...replies.values()].map((r) => r.node));
      return [...peers.keys()].every((n) => answered.has(n));
    };
    const sub = nc.subscribe(createInbox(), {
      callback: (err, m) => {
        if (err) return finish();
        // An empty message with a status header: NATS says nobody subscribes (no node at all).
        if (m.data.length === 0 && m.headers) return finish();
        let r: DiscoverReply;
        try {
          r = JSON.parse(m.string()) as DiscoverReply;
        } catch {
          return; // not one of ours
        }
        if (typeof r?.node !== 'string' || !NODE_NAME_RE.test(r.node) || typeof r.instance !== 'string' || !Array.isArray(r.sessions)) return;
        replies.set(r.instance, r);
        for (const p of Array.isArray(r.peers) ? r.peers : []) {
          if (typeof p?.node !== 'string' || !NODE_NAME_RE.test(p.node) || typeof p.lastSeenMs !== 'number') continue;
          const known = peers.get(p.node);
          if (!known || p.lastSeenMs < known.lastSeenMs) peers.set(p.node, p);
        }
        if (stall) clearTimeout(stall);
        const check = (): void => {
          if (complete()) finish();
          else stall = setTimeout(check, FLEET_DISCOVER_STALL_MS);
        };
        stall = setTimeout(check, FLEET_DISCOVER_STALL_MS);
      },
    });
    const max = setTimeout(finish, FLEET_DISCOVER_MAX_MS);
    nc.publish(DISCOVER_SUBJECT, '{}', { reply: sub.getSubject() });
  });
}
