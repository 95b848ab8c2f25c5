// The fleet's wire contract on NATS: subjects, payloads, limits. Pure (no I/O): the daemon's fleet agent and
// `cw fleet` both import it.
//
// Subjects (payloads are JSON; `<node>` matches NODE_NAME_RE, so it is always exactly one subject token):
//
//   cw.fleet.announce.<node>   pub      NodeInfo, once each time a daemon (re)connects to NATS
//   cw.fleet.heartbeat.<node>  pub      NodeInfo, every heartbeat interval (default 5 s); a node whose
//                                       heartbeats stop is dropped by its peers after the expiry (default 15 s)
//   cw.fleet.bye.<node>        pub      {node, instance}, when a daemon stops gracefully (peers drop it at once)
//   cw.fleet.discover          request  {} → every node replies with a DiscoverReply (scatter-gather)
//   cw.node.<node>.<op>        request  per-node requests, reply FleetReply; ops: info, list, launch, send,
//                                       status, kill, screen, last-message
//   cw.node.<node>.msg         request  reserved for cross-node messaging (FLEET_MESSAGE_OP; not built yet)
//
// Nothing here carries terminal bytes: attach goes straight to the node's WebSocket listener (its URL is in
// NodeInfo), with that node's token.

/** Node names: safe as one NATS subject token (no '.', '*', '>' or whitespace) and in messages. */
export const NODE_NAME_RE = /^[a-zA-Z0-9_-]{1,64}$/;

/** Bumped when a payload changes incompatibly; carried in NodeInfo so mixed fleets can tell. */
export const FLEET_PROTOCOL = 1;

export const SUBJECT_PREFIX = 'cw';
export const DISCOVER_SUBJECT = `${SUBJECT_PREFIX}.fleet.discover`;
export const announceSubject = (node: string): string => `${SUBJECT_PREFIX}.fleet.announce.${node}`;
export const heartbeatSubject = (node: string): string => `${SUBJECT_PREFIX}.fleet.heartbeat.${node}`;
export const byeSubject = (node: string): string => `${SUBJECT_PREFIX}.fleet.bye.${node}`;
/** What a node subscribes to for its requests: one subscription, the op is the last token. */
export const nodeRequestWildcard = (node: string): string => `${SUBJECT_PREFIX}.node.${node}.*`;
export const nodeSubject = (node: string, op: string): string => `${SUBJECT_PREFIX}.node.${node}.${op}`;
/** Peers' announcements, heartbeats and goodbyes. */
export const ANNOUNCE_WILDCARD = `${SUBJECT_PREFIX}.fleet.announce.*`;
export const HEARTBEAT_WILDCARD = `${SUBJECT_PREFIX}.fleet.heartbeat.*`;
export const BYE_WILDCARD = `${SUBJECT_PREFIX}.fleet.bye.*`;

/**
 * Extension point for cross-node messaging (`cw msg gpu-box:train ...`): the per-node op a sender will
 * request on `cw.node.<node>.msg`. The receiving side plugs in with registerFleetOp() (src/fleet/node/ops.ts)
 * once the messaging issue's cross-node design exists; until then a node answers it with unknown_op.
 */
export const FLEET_MESSAGE_OP = 'msg';

// --- Timing and size limits ------------------------------------------------------------------------------------

/** Between heartbeats. Bounds how stale `cw fleet list` of a silent node can be; cheap (one local list). */
export const FLEET_HEARTBEAT_MS = 5_000;
/** A peer heard from less recently than this is dropped: three missed heartbeats, so one lost packet or a
 * busy event loop never drops a live node. */
export const FLEET_EXPIRY_MS = 15_000;
/** A per-node request (`cw fleet launch/send/status/kill`): covers the kill grace (2 s) and a slow launch on a
 * loaded box; a node that is gone fails at once (NATS no-responders), a hung one within this bound. */
export const FLEET_REQUEST_TIMEOUT_MS = 10_000;
/** `cw fleet` connecting to NATS (TCP, TLS, auth together): a wrong address fails in one clear line, soon. */
export const FLEET_CONNECT_TIMEOUT_MS = 5_000;
/** Discovery: wait at most this long for replies in total (a loaded node answers within it) ... */
export const FLEET_DISCOVER_MAX_MS = 2_000;
/** ... and stop this long after the last reply, or at once when every node known from heartbeats answered. */
export const FLEET_DISCOVER_STALL_MS = 300;
/** Daemon: between reconnect attempts to a NATS server that went away (the client retries forever). A fleet
 * should converge within about a second of NATS coming back; an attempt is one TCP connect. */
export const FLEET_RECONNECT_WAIT_MS = 1_000;
/** Daemon: first connection attempts that fail (NATS down at start, wrong credentials) are retried with
 * backoff from ... */
export const FLEET_RETRY_MIN_MS = 1_000;
/** ... up to this: a daemon started before NATS joins within 10 s of it coming up, and a wrong password costs
 * the server one attempt per 10 s (daemon.log gets one line per distinct problem, not one per attempt). */
export const FLEET_RETRY_MAX_MS = 10_000;
/** Daemon: client pings to NATS. The client's default (2 min) would notice a silently dead server (no TCP
 * reset) only after minutes; with 2 outstanding pings allowed this notices within about a minute. */
export const FLEET_PING_INTERVAL_MS = 20_000;
export const FLEET_MAX_PINGS_OUT = 2;
/** Sessions carried per node in heartbeats and discovery (running first): 200 summaries are ~100 KiB, well
 * under NATS's default 1 MiB max_payload. The rest are counted in `sessionsTruncated`. */
export const FLEET_MAX_SESSIONS = 200;
/** Commands are shortened to this many characters in summaries (full ones: `cw fleet status`). */
export const FLEET_COMMAND_MAX_CHARS = 200;
/** Daemon stop: publishing the goodbye and draining NATS may take this long at most (NATS may be down). */
export const FLEET_STOP_TIMEOUT_MS = 1_000;

// --- Payloads ---------------------------------------------------------------------------------------------------

/** A session as the fleet shows it: enough for `cw fleet list`; `status` gives the full SessionInfo. */
export interface FleetSession {
  id: number;
  name: string | null;
  state: string;
  activity: string;
  activitySince: string | null;
  activityReason: string | null;
  agent: string;
  command: string[];
  createdAt: string;
  endedAt: string | null;
  exitCode: number | null;
  signal: string | null;
  stateCard: string | null;
  tags: string[];
}

export interface NodeInfo {
  node: string;
  /** Random per daemon start: tells a restarted daemon, or two daemons wrongly sharing a name, apart. */
  instance: string;
  version: string;
  fleetProtocol: number;
  /** Where `cw fleet attach` connects (ws:// or wss://); null when the node does not listen. */
  url: string | null;
  allow: { launch: boolean; kill: boolean; send: boolean };
  startedAt: string;
  sessions: FleetSession[];
  sessionsTruncated: number;
}

/** A peer a node has heard heartbeats from, as it tells `cw fleet list` (small: no sessions). */
export interface PeerSeen {
  node: string;
  instance: string;
  url: string | null;
  version: string;
  /** Milliseconds since its last heartbeat, on the reporting node's clock. */
  lastSeenMs: number;
  sessions: number;
}

export interface DiscoverReply extends NodeInfo {
  peers: PeerSeen[];
}

export type FleetReply = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string; hint?: string } };

/** A default node name from a hostname: the first label, every other character made a '-', at most 64. */
export function nodeNameFromHostname(hostname: string): string {
  const first = hostname.split('.')[0] ?? '';
  const cleaned = first.replace(/[^a-zA-Z0-9_-]/g, '-').slice(0, 64);
  return NODE_NAME_RE.test(cleaned) ? cleaned : 'node';
}

/** `NODE:SESSION` → its parts, or null when it is not of that form. */
export function parseNodeTarget(target: string): { node: string; session: string } | null {
  const i = target.indexOf(':');
  if (i <= 0) return null;
  const node = target.slice(0, i);
  const session = target.slice(i + 1);
  if (!NODE_NAME_RE.test(node) || session.length === 0) return null;
  return { node, session };
}
