// The daemon's fleet agent: joins NATS, announces this node, heartbeats, keeps a roster of peers from their
// heartbeats, answers discovery and per-node requests (subjects: ./subjects.ts). Requests are served by acting
// as a client of this daemon over its Unix socket (./ops.ts). Never takes the daemon down: every NATS problem
// is logged and retried.
import { randomBytes } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import { hostname } from 'node:os';
import type { Msg, Subscription } from '@nats-io/transport-node';
import { Channel } from '../../channel/channel.js';
import type { DaemonConfig, NatsConfig } from '../../common/config.js';
import { VERSION } from '../../common/version.js';
import { redactUrl, redactUrls } from '../../common/redact.js';
import type { SessionInfo } from '../../protocol/messages.js';
import { classifyNatsError, connect, describeServers, natsOptions, type NatsConnection } from '../../common/fleet/nats.js';
import { FleetError, fleetOp, type FleetOpContext } from './ops.js';
import {
  ANNOUNCE_WILDCARD,
  BYE_WILDCARD,
  DISCOVER_SUBJECT,
  FLEET_COMMAND_MAX_CHARS,
  FLEET_CONNECT_TIMEOUT_MS,
  FLEET_EXPIRY_MS,
  FLEET_HEARTBEAT_MS,
  FLEET_MAX_PINGS_OUT,
  FLEET_MAX_SESSIONS,
  FLEET_PING_INTERVAL_MS,
  FLEET_PROTOCOL,
  FLEET_RECONNECT_WAIT_MS,
  FLEET_RETRY_MAX_MS,
  FLEET_RETRY_MIN_MS,
  FLEET_STOP_TIMEOUT_MS,
  HEARTBEAT_WILDCARD,
  NODE_NAME_RE,
  announceSubject,
  byeSubject,
  heartbeatSubject,
  nodeNameFromHostname,
  nodeRequestWildcard,
  type DiscoverReply,
  type FleetReply,
  type FleetSession,
  type NodeInfo,
  type PeerSeen,
} from '../../common/fleet/subjects.js';

/** What the node agent logs through: the daemon's Logger fits (the agent is a client of the daemon, not part of it). */
export interface FleetLogger {
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
}

export interface FleetAgentOptions {
  config: DaemonConfig & { nats: NatsConfig };
  /** The daemon's socket, read at each connect: the daemon may listen again elsewhere (its socket was removed). */
  socketPath: () => string;
  log: FleetLogger;
  /** The daemon's WebSocket listener URL, if it listens (used when external_url is not configured). */
  listenerUrl(): string | null;
}

interface Peer {
  info: NodeInfo;
  lastSeen: number;
}

function summary(s: SessionInfo): FleetSession {
  const command = s.command.join(' ').length > FLEET_COMMAND_MAX_CHARS ? [s.command.join(' ').slice(0, FLEET_COMMAND_MAX_CHARS) + '…'] : s.command;
  return {
    id: s.id,
    name: s.name,
    state: s.state,
    activity: s.activity,
    activitySince: s.activitySince,
    activityReason: s.activityReason,
    agent: s.agent,
    command,
    createdAt: s.createdAt,
    endedAt: s.endedAt,
    exitCode: s.exitCode,
    signal: s.signal,
    stateCard: s.stateCard ?? null,
    tags: s.tags,
  };
}

/** A channel to this daemon's socket. Acts as the operator: a CW_SESSION_TOKEN the daemon inherited from whoever
 * started it must not make fleet requests speak as that session. */
function openLocalChannel(path: string): Promise<Channel> {
  return new Promise((resolve, reject) => {
    const s: Socket = netConnect(path);
    s.once('error', reject);
    s.once('connect', () => {
      s.off('error', reject);
      const saved = process.env.CW_SESSION_TOKEN;
      delete process.env.CW_SESSION_TOKEN;
      let channel: Channel;
      try {
        channel = new Channel({ write: (b) => void (!s.destroyed && s.write(b)), end: () => s.end(), unref: () => {}, ref: () => {} });
      } finally {
        if (saved !== undefined) process.env.CW_SESSION_TOKEN = saved;
      }
      s.on('data', (d) => channel.receive(d));
      s.on('close', () => channel.closed());
      s.on('error', (e) => channel.closed(e));
      resolve(channel);
    });
  });
}

export class FleetAgent {
  readonly node: string;
  readonly instance = randomBytes(8).toString('hex');
  private readonly _startedAt = new Date().toISOString();
  private readonly _heartbeatMs: number;
  private readonly _expiryMs: number;
  private readonly _allow: NodeInfo['allow'];
  private _nc: NatsConnection | null = null;
  private _connected = false;
  private _stopped = false;
  private _timer: NodeJS.Timeout | null = null;
  private _beating = false;
  private _wake: (() => void) | null = null;
  private _channel: Promise<Channel> | null = null;
  private readonly _peers = new Map<string, Peer>();
  private readonly _warnedTwins = new Set<string>();

  constructor(private readonly _o: FleetAgentOptions) {
    const c = _o.config;
    this.node = c.name ?? nodeNameFromHostname(hostname());
    this._heartbeatMs = c.fleet?.heartbeatMs ?? FLEET_HEARTBEAT_MS;
    this._expiryMs = c.fleet?.expiryMs ?? Math.max(FLEET_EXPIRY_MS, 3 * this._heartbeatMs);
    this._allow = { launch: c.fleet?.allowLaunch ?? true, kill: c.fleet?.allowKill ?? true, send: c.fleet?.allowSend ?? true };
  }

  start(): void {
    void this._run().catch((err: Error) => this._o.log.error(`fleet: ${redactUrls(err.stack ?? err.message)}`));
  }

  /** Says goodbye (peers drop this node at once) and leaves NATS; bounded, since NATS may be down. */
  async stop(): Promise<void> {
    if (this._stopped) return;
    this._stopped = true;
    this._wake?.();
    if (this._timer) clearInterval(this._timer);
    const nc = this._nc;
    if (nc && !nc.isClosed()) {
      const leave = (async () => {
        if (this._connected) {
          nc.publish(byeSubject(this.node), JSON.stringify({ node: this.node, instance: this.instance }));
          await nc.drain();
        } else {
          await nc.close();
        }
      })().catch(() => {});
      await Promise.race([leave, new Promise((r) => setTimeout(r, FLEET_STOP_TIMEOUT_MS).unref())]);
      if (!nc.isClosed()) await nc.close().catch(() => {});
    }
    // A connection attempt in flight ends within FLEET_CONNECT_TIMEOUT_MS and is then closed by _run; do not wait.
    (await this._channel?.catch(() => null))?.end();
  }

  // --- connection ------------------------------------------------------------------------------------------------

  private async _run(): Promise<void> {
    const { log } = this._o;
    const cfg = this._o.config.nats;
    const where = describeServers(cfg);
    let delay = FLEET_RETRY_MIN_MS;
    let lastProblem = '';
    while (!this._stopped) {
      let nc: NatsConnection;
      try {
        nc = await connect({
          ...natsOptions(cfg),
          name: `codewire ${this.node}`,
          timeout: FLEET_CONNECT_TIMEOUT_MS,
          reconnect: true,
          maxReconnectAttempts: -1,
          reconnectTimeWait: FLEET_RECONNECT_WAIT_MS,
          pingInterval: FLEET_PING_INTERVAL_MS,
          maxPingOut: FLEET_MAX_PINGS_OUT,
        });
      } catch (err) {
        const { kind, message } = classifyNatsError(err);
        const line =
          kind === 'auth'
            ? `fleet: NATS at ${where} rejected the credentials (${message}); check [nats] token, user/password or creds_file in config.toml`
            : kind === 'tls'
              ? `fleet: TLS with NATS at ${where} failed (${message}); check [nats] url and tls_ca`
              : `fleet: cannot reach NATS at ${where} (${message})`;
        // One line per distinct problem, not one per retry.
        if (line !== lastProblem) log.error(`${line}; retrying every ${FLEET_RETRY_MAX_MS / 1000}s at most`);
        lastProblem = line;
        await this._sleep(delay);
        delay = Math.min(delay * 2, FLEET_RETRY_MAX_MS);
        continue;
      }
      if (this._stopped) {
        await nc.close().catch(() => {});
        return;
      }
      delay = FLEET_RETRY_MIN_MS;
      lastProblem = '';
      this._nc = nc;
      this._connected = true;
      log.info(`fleet: joined NATS at ${redactUrl(nc.getServer())} as node '${this.node}' (heartbeat ${this._heartbeatMs} ms, expiry ${this._expiryMs} ms)`);
      await this._serve(nc);
      this._connected = false;
      this._nc = null;
      if (!this._stopped) log.warn(`fleet: the NATS connection closed; connecting again`);
    }
  }

  /** Runs while nc is open: subscriptions, heartbeats, status changes. Resolves when nc has closed. */
  private async _serve(nc: NatsConnection): Promise<void> {
    const { log } = this._o;
    const subs: Subscription[] = [];
    const sub = (subject: string, cb: (m: Msg) => void | Promise<void>): void => {
      subs.push(
        nc.subscribe(subject, {
          callback: (err, m) => {
            if (err) log.warn(`fleet: subscription ${subject}: ${err.message}`);
            else void Promise.resolve(cb(m)).catch((e: Error) => log.error(`fleet: ${subject}: ${e.message}`));
          },
        }),
      );
    };
    sub(nodeRequestWildcard(this.node), (m) => this._onRequest(m));
    sub(DISCOVER_SUBJECT, async (m) => {
      const reply: DiscoverReply = { ...(await this._info()), peers: this._peerList() };
      this._respond(m, JSON.stringify(reply));
    });
    sub(ANNOUNCE_WILDCARD, (m) => this._onPeerInfo(m, true));
    sub(HEARTBEAT_WILDCARD, (m) => this._onPeerInfo(m, false));
    sub(BYE_WILDCARD, (m) => {
      const b = this._parse(m) as { node?: unknown; instance?: unknown } | null;
      const p = typeof b?.node === 'string' ? this._peers.get(b.node) : undefined;
      if (p && p.info.instance === b?.instance) {
        this._peers.delete(p.info.node);
        log.info(`fleet: node '${p.info.node}' left`);
      }
    });
    void this._beat(true);
    this._timer = setInterval(() => void this._beat(false), this._heartbeatMs);
    this._timer.unref();
    (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect') {
          this._connected = false;
          if (!this._stopped) log.warn(`fleet: lost NATS at ${redactUrl(s.server)}; reconnecting`);
        } else if (s.type === 'reconnect') {
          this._connected = true;
          // Peers were silent because we were cut off, not they: give each a full expiry to be heard again.
          for (const p of this._peers.values()) p.lastSeen = Date.now();
          log.info(`fleet: reconnected to NATS at ${redactUrl(s.server)}; announcing again`);
          void this._beat(true);
        } else if (s.type === 'error') {
          const { kind, message } = classifyNatsError(s.error);
          log.error(kind === 'auth' ? `fleet: NATS rejected the credentials (${message}); check [nats] in config.toml` : `fleet: NATS error: ${message}`);
        }
      }
    })().catch(() => {});
    const closedWith = await nc.closed();
    if (this._timer) clearInterval(this._timer);
    this._timer = null;
    for (const s of subs) s.unsubscribe();
    if (closedWith && !this._stopped) {
      const { kind, message } = classifyNatsError(closedWith);
      log.error(kind === 'auth' ? `fleet: NATS rejected the credentials (${message}); check [nats] in config.toml` : `fleet: NATS connection ended: ${message}`);
    }
  }

  private _sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this._wake = null;
        resolve();
      }, ms);
      t.unref();
      this._wake = () => {
        clearTimeout(t);
        this._wake = null;
        resolve();
      };
    });
  }

  // --- this node -------------------------------------------------------------------------------------------------

  private _localChannel(): Promise<Channel> {
    const existing = this._channel;
    if (existing) {
      return existing.then((ch) => {
        if (!ch.error) return ch;
        if (this._channel === existing) this._channel = null;
        return this._localChannel();
      });
    }
    const p = openLocalChannel(this._o.socketPath());
    this._channel = p;
    p.catch(() => {
      if (this._channel === p) this._channel = null;
    });
    return p;
  }

  /**
   * external_url, else the listener's URL with a wildcard address replaced by this host's name. Credentials in
   * external_url are never announced: every node would log them and `cw fleet list` print them.
   */
  private _url(): string | null {
    if (this._o.config.externalUrl) return redactUrl(this._o.config.externalUrl);
    const u = this._o.listenerUrl();
    if (!u) return null;
    return u.replace(/^(wss?:\/\/)(0\.0\.0\.0|\[::\]|\[::0\])(:\d+)/i, (_m, scheme: string, _host: string, port: string) => `${scheme}${hostname()}${port}`);
  }

  private async _info(): Promise<NodeInfo> {
    const ch = await this._localChannel();
    const r = await ch.request('list', { status: 'all' });
    const sessions = r.sessions.slice(0, FLEET_MAX_SESSIONS).map(summary);
    return {
      node: this.node,
      instance: this.instance,
      version: VERSION,
      fleetProtocol: FLEET_PROTOCOL,
      url: this._url(),
      allow: this._allow,
      startedAt: this._startedAt,
      sessions,
      sessionsTruncated: r.sessions.length - sessions.length,
    };
  }

  private async _beat(announce: boolean): Promise<void> {
    this._expirePeers();
    const nc = this._nc;
    if (!nc || !this._connected || this._stopped) return;
    if (this._beating && !announce) return;
    this._beating = true;
    try {
      const info = await this._info();
      // Not after stop(): a heartbeat that was waiting for the daemon's answer while the goodbye went out would
      // bring this node back into its peers' lists until the expiry.
      if (this._connected && !this._stopped && !nc.isClosed()) nc.publish((announce ? announceSubject : heartbeatSubject)(this.node), JSON.stringify(info));
    } catch (err) {
      this._o.log.warn(`fleet: heartbeat skipped: ${(err as Error).message}`);
    } finally {
      this._beating = false;
    }
  }

  // --- peers -----------------------------------------------------------------------------------------------------

  private _parse(m: Msg): unknown {
    try {
      return JSON.parse(m.string());
    } catch {
      return null;
    }
  }

  private _onPeerInfo(m: Msg, announced: boolean): void {
    const info = this._parse(m) as NodeInfo | null;
    // Peers are other machines: take only well-formed announcements (a name is also what goes into daemon.log).
    if (!info || typeof info.node !== 'string' || !NODE_NAME_RE.test(info.node) || typeof info.instance !== 'string') return;
    if (info.url !== null && (typeof info.url !== 'string' || !/^wss?:\/\/[^\s]{1,500}$/i.test(info.url))) info.url = null;
    // An older or foreign node may announce credentials in its URL: they go no further (logs, `cw fleet list`).
    if (info.url !== null) info.url = redactUrl(info.url);
    if (info.node === this.node) {
      if (info.instance !== this.instance && !this._warnedTwins.has(info.instance)) {
        this._warnedTwins.add(info.instance);
        this._o.log.error(`fleet: another daemon also calls itself '${this.node}' (url ${info.url ?? 'none'}); give each machine its own [daemon] name`);
      }
      return;
    }
    const known = this._peers.get(info.node);
    if (!known || known.info.instance !== info.instance) this._o.log.info(`fleet: node '${info.node}' ${announced ? 'joined' : 'seen'} (${info.url ?? 'no url'})`);
    this._peers.set(info.node, { info, lastSeen: Date.now() });
  }

  private _expirePeers(): void {
    if (!this._connected) return; // while we are cut off, silence says nothing about the peers
    const now = Date.now();
    for (const [name, p] of this._peers) {
      if (now - p.lastSeen > this._expiryMs) {
        this._peers.delete(name);
        this._o.log.info(`fleet: node '${name}' stopped heartbeating ${Math.round((now - p.lastSeen) / 1000)}s ago; dropped`);
      }
    }
  }

  private _peerList(): PeerSeen[] {
    this._expirePeers();
    const now = Date.now();
    return [...this._peers.values()].map((p) => ({
      node: p.info.node,
      instance: p.info.instance,
      url: p.info.url,
      version: p.info.version,
      lastSeenMs: now - p.lastSeen,
      sessions: Array.isArray(p.info.sessions) ? p.info.sessions.length + (p.info.sessionsTruncated ?? 0) : 0,
    }));
  }

  // --- requests --------------------------------------------------------------------------------------------------

  private _respond(m: Msg, body: string): void {
    if (!m.reply) return;
    try {
      m.respond(body);
    } catch (err) {
      // Too large for the server's max_payload, or the connection is going: say so instead of going silent.
      try {
        m.respond(JSON.stringify({ ok: false, error: { code: 'internal', message: `node '${this.node}' could not send its reply: ${(err as Error).message}` } } satisfies FleetReply));
      } catch {
        // the connection is gone; the requester times out with a clear error
      }
    }
  }

  private async _onRequest(m: Msg): Promise<void> {
    const op = m.subject.slice(m.subject.lastIndexOf('.') + 1);
    let reply: FleetReply;
    try {
      const raw = m.data.length ? this._parse(m) : {};
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new FleetError('invalid_argument', 'the request is not a JSON object');
      const handler = fleetOp(op);
      if (!handler) throw new FleetError('unknown_op', `node '${this.node}' does not answer '${op}'`, `it runs cw ${VERSION}; see \`cw fleet list --json\``);
      const ctx: FleetOpContext = {
        node: this.node,
        allow: this._allow,
        channel: () => this._localChannel(),
        info: () => this._info(),
        audit: (line) => this._o.log.info(`fleet: ${line}`),
      };
      reply = { ok: true, result: await handler(ctx, raw as Record<string, unknown>) };
    } catch (err) {
      const e = err as Error & { code?: string; hint?: string };
      if (e.code === 'refused') this._o.log.warn(`fleet: refused '${op}': ${e.message}`);
      reply = { ok: false, error: { code: typeof e.code === 'string' ? e.code : 'internal', message: e.message, ...(e.hint ? { hint: e.hint } : {}) } };
    }
    this._respond(m, JSON.stringify(reply));
  }
}
