// The same frame protocol over WebSocket, for `cw --server`: one frame per binary message, the same
// Connection and handlers as the Unix socket. Token auth at the upgrade; TLS when a certificate is given.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_FRAME_BYTES, FRAME_HEADER_BYTES } from '../protocol/index.js';
import { isLoopback, type ListenAddress } from '../common/config.js';
import type { Transport } from './transport.js';
import type { Logger } from './log.js';
import { descriptorLimit, watchDescriptors, withReserveDescriptor } from './descriptors.js';
import {
  AUTH_FAILURE_WINDOW_MS,
  AUTH_FREE_FAILURES,
  AUTH_MAX_DELAY_MS,
  AUTH_TRACKED_ADDRESSES_MAX,
  WS_HANDSHAKE_TIMEOUT_MS,
  WS_LOG_REPEAT_MS,
  WS_MAX_CONNECTIONS_PER_ADDRESS,
  WS_MAX_PREAUTH_PER_ADDRESS,
  WS_MAX_PREAUTH_TOTAL,
  WS_PING_INTERVAL_MS,
  WS_PREAUTH_DESCRIPTOR_SHARE,
} from './limits.js';

/** A WebSocket as a Transport: each send() is one binary message holding one frame. */
export class WsTransport implements Transport {
  constructor(private readonly _ws: WebSocket) {}

  send(bytes: Uint8Array): void {
    if (this._ws.readyState === this._ws.OPEN) this._ws.send(bytes, { binary: true });
  }

  sendFrame(head: Uint8Array, body: Uint8Array): void {
    // One frame is one message: the pieces are joined (ws copies into its own frame anyway).
    const frame = new Uint8Array(head.length + body.length);
    frame.set(head, 0);
    frame.set(body, head.length);
    this.send(frame);
  }

  get bufferedBytes(): number {
    return this._ws.bufferedAmount;
  }

  whenDrained(): Promise<void> {
    const socket = (this._ws as unknown as { _socket?: Duplex })._socket;
    if (this._ws.bufferedAmount === 0 || !socket) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        socket.off('drain', done);
        this._ws.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      this._ws.on('close', done);
    });
  }

  end(): void {
    this._ws.close(1000);
  }

  destroy(): void {
    this._ws.terminate();
  }
}

export interface WsServerOptions {
  address: ListenAddress;
  tlsCert?: string;
  tlsKey?: string;
  /** The token in force, read at each upgrade so `cw token --rotate` takes effect at once. */
  token: () => string;
  log: Logger;
  onConnection: (transport: Transport, ws: WebSocket, peer: string) => void;
  /**
   * Plain HTTP requests (the web dashboard): return true when handled. Set later with setWeb(), so the
   * dashboard can be attached to a listener that is already running.
   */
  http?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /**
   * An alternative to the bearer token for browsers (a session cookie), which must also check Origin and Host.
   * Returns null when the request carries no such credential (the bearer token is then required).
   */
  authorize?: (req: IncomingMessage) => { ok: true } | { ok: false; problem: string; forbidden?: boolean } | null;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Constant-time comparison: compares fixed-size digests, so neither content nor length leaks. */
export function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function reject(socket: Duplex, status: number, reason: string, message: string, extraHeaders = ''): void {
  if (socket.destroyed) return;
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extraHeaders}Connection: close\r\n\r\n${body}`,
  );
}

/**
 * The key an address is counted and penalised under: an IPv4 address as it is (an IPv4-mapped IPv6 address as
 * its IPv4 form), an IPv6 address as its /64, since one host or home network usually holds a whole /64 and
 * could otherwise present a fresh address for every connection.
 */
export function addressKey(peer: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(peer);
  if (mapped) return mapped[1]!;
  if (!peer.includes(':')) return peer;
  const bare = peer.split('%')[0]!;
  const [head = '', tail] = bare.split('::');
  const h = head ? head.split(':') : [];
  const t = tail === undefined ? [] : tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t];
  return `${groups
    .slice(0, 4)
    .map((g) => (parseInt(g || '0', 16) || 0).toString(16))
    .join(':')}::/64`;
}

/**
 * Failed token attempts per address. After AUTH_FREE_FAILURES, each failure shuts the address out for
 * 200 ms, 400 ms ... up to AUTH_MAX_DELAY_MS: attempts in that time are refused without being checked, so an
 * address gets at most one check per penalty however many connections it opens in parallel (delaying each
 * answer instead, as before, still checked every parallel guess). Memory is bounded: the address that failed
 * least recently is forgotten first.
 */
export class AuthBackoff {
  private readonly _byKey = new Map<string, { failures: number; last: number; until: number }>();

  constructor(private readonly _maxTracked = AUTH_TRACKED_ADDRESSES_MAX) {}

  /** How long this address must still wait before an attempt of its is checked; 0 when it may try now. */
  waitMs(key: string, now = Date.now()): number {
    const f = this._byKey.get(key);
    if (!f) return 0;
    if (now - f.last >= AUTH_FAILURE_WINDOW_MS) {
      this._byKey.delete(key);
      return 0;
    }
    return Math.max(0, f.until - now);
  }

  /** Records a failed attempt; returns the failures counted in the window and the penalty it earned (ms). */
  fail(key: string, now = Date.now()): { failures: number; penaltyMs: number } {
    const f = this._byKey.get(key);
    const failures = f && now - f.last < AUTH_FAILURE_WINDOW_MS ? f.failures + 1 : 1;
    const penaltyMs = failures > AUTH_FREE_FAILURES ? Math.min(AUTH_MAX_DELAY_MS, 100 * 2 ** (failures - AUTH_FREE_FAILURES)) : 0;
    // Deleted and set again, so the Map's order is least recently failed first.
    this._byKey.delete(key);
    this._byKey.set(key, { failures, last: now, until: now + penaltyMs });
    while (this._byKey.size > this._maxTracked) this._byKey.delete(this._byKey.keys().next().value!);
    return { failures, penaltyMs };
  }

  succeed(key: string): void {
    this._byKey.delete(key);
  }

  get trackedAddresses(): number {
    return this._byKey.size;
  }
}

/** A connection that has not completed the upgrade: counted against the caps until it does or closes. */
interface Pending {
  key: string;
  socket: Socket;
  timer: NodeJS.Timeout | null;
}

/** Identifies one TCP connection both as the raw socket and as the TLS socket wrapped around it. */
function connectionId(socket: { remoteAddress?: string | undefined; remotePort?: number | undefined }): string {
  return `${socket.remoteAddress}|${socket.remotePort}`;
}

export class WsServer {
  private readonly _server: Server;
  private readonly _wss: WebSocketServer;
  private readonly _perAddress = new Map<string, number>();
  private readonly _backoff = new AuthBackoff();
  /** Connections not yet upgraded, by connectionId(); and their number per addressKey(). */
  private readonly _pending = new Map<string, Pending>();
  private readonly _pendingPerKey = new Map<string, number>();
  private readonly _maxPending: number;
  private readonly _fdLimit = descriptorLimit();
  /** Per kind of warning: when it was last logged and how many were not logged since. */
  private readonly _quiet = new Map<string, { at: number; more: number }>();
  private readonly _pinger: NodeJS.Timeout;
  private readonly _alive = new WeakMap<WebSocket, boolean>();
  readonly tls: boolean;

  constructor(private readonly _o: WsServerOptions) {
    this.tls = !!(_o.tlsCert && _o.tlsKey);
    this._server = this.tls
      ? createHttpsServer({ cert: readFileSync(_o.tlsCert!), key: readFileSync(_o.tlsKey!), connectionsCheckingInterval: 1000 })
      : createHttpServer({ connectionsCheckingInterval: 1000 });
    // Bounds on the HTTP side. Node checks these only every connectionsCheckingInterval (30 s), so a silent
    // peer lived ~36 s: the upgrade timeout is enforced on each socket below (_admit); these stay for request
    // bodies, checked every second.
    this._server.headersTimeout = WS_HANDSHAKE_TIMEOUT_MS;
    this._server.requestTimeout = WS_HANDSHAKE_TIMEOUT_MS;
    this._maxPending = Math.max(
      1,
      Math.min(WS_MAX_PREAUTH_TOTAL, this._fdLimit ? Math.floor(this._fdLimit.soft * WS_PREAUTH_DESCRIPTOR_SHARE) : Infinity),
    );
    this._server.on('connection', (socket: Socket) => this._admit(socket));
    this._server.on('error', (err: NodeJS.ErrnoException) => this._serverError(err));
    this._wss = new WebSocketServer({
      noServer: true,
      // One frame per message: the largest frame plus its header.
      maxPayload: MAX_FRAME_BYTES + FRAME_HEADER_BYTES,
      perMessageDeflate: false,
    });
    this._server.on('request', (req, res) => {
      // A request head arrived in time: the clock stops while it is served and restarts for the next one.
      const pending = this._pending.get(connectionId(req.socket));
      if (pending) {
        this._disarm(pending);
        res.once('close', () => {
          if (!pending.socket.destroyed && this._pending.get(connectionId(req.socket)) === pending) this._arm(pending);
        });
      }
      if (this._o.http?.(req, res)) return;
      res.writeHead(426, { 'Content-Type': 'text/plain', Upgrade: 'websocket' });
      res.end('codewire: connect with a WebSocket client (cw --server URL)\n');
    });
    this._server.on('upgrade', (req, socket, head) => this._upgrade(req, socket, head));
    this._server.on('tlsClientError', (err) => _o.log.warn(`tls handshake failed: ${err.message}`));
    this._pinger = setInterval(() => this._ping(), WS_PING_INTERVAL_MS);
    this._pinger.unref();
  }

  listen(): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject_) => {
      this._server.once('error', reject_);
      this._server.listen(this._o.address.port, this._o.address.host, () => {
        this._server.off('error', reject_);
        const a = this._server.address();
        const port = typeof a === 'object' && a ? a.port : this._o.address.port;
        const fd = this._fdLimit;
        this._o.log.info(
          `ws: descriptor limit ${fd ? `${fd.soft} (hard ${fd.hard})` : 'unknown'}; at most ${this._maxPending} connections may await the upgrade at once, ${WS_MAX_PREAUTH_PER_ADDRESS} per address, each for ${WS_HANDSHAKE_TIMEOUT_MS / 1000} s`,
        );
        watchDescriptors(this._o.log, () => `ws ${port}: ${this._pending.size} connections awaiting the upgrade, ${this._wss.clients.size} clients`);
        if (fd && fd.soft < fd.hard) this._o.log.warn(`ws: the soft descriptor limit ${fd.soft} is below the hard limit ${fd.hard}: raise it with \`ulimit -n ${fd.hard}\` before starting the daemon`);
        if (!this.tls && !isLoopback(this._o.address.host)) {
          const msg = `listening on ${this._o.address.host}:${port} WITHOUT TLS: tokens and terminal bytes cross the network in clear; give tls_cert and tls_key, or put a TLS proxy in front`;
          this._o.log.warn(msg);
          process.stderr.write(`cw daemon: warning: ${msg}\n`);
        }
        resolve({ host: this._o.address.host, port });
      });
    });
  }

  /** A new TCP connection: counted per address and in total until it upgrades, and closed if it is too slow. */
  private _admit(socket: Socket): void {
    const peer = socket.remoteAddress;
    if (!peer) {
      // Already gone (reset before we saw it): nothing to count.
      socket.destroy();
      return;
    }
    const key = addressKey(peer);
    const fromKey = this._pendingPerKey.get(key) ?? 0;
    if (fromKey >= WS_MAX_PREAUTH_PER_ADDRESS || this._pending.size >= this._maxPending) {
      const perAddress = fromKey >= WS_MAX_PREAUTH_PER_ADDRESS;
      const which = perAddress ? `${fromKey} from ${peer} (limit ${WS_MAX_PREAUTH_PER_ADDRESS} per address)` : `${this._pending.size} in all (limit ${this._maxPending})`;
      this._logSome(perAddress ? 'refused-address' : 'refused-total', `ws: refused a connection from ${peer}: ${which} already await the upgrade`);
      socket.destroy();
      return;
    }
    const pending: Pending = { key, socket, timer: null };
    const id = connectionId(socket);
    this._pending.set(id, pending);
    this._pendingPerKey.set(key, fromKey + 1);
    this._arm(pending);
    socket.once('close', () => this._release(id, pending));
  }

  private _arm(p: Pending): void {
    this._disarm(p);
    p.timer = setTimeout(() => {
      this._logSome('slow', `ws: closed a connection from ${p.socket.remoteAddress ?? p.key} that did not complete the upgrade within ${WS_HANDSHAKE_TIMEOUT_MS / 1000} s`);
      p.socket.destroy();
    }, WS_HANDSHAKE_TIMEOUT_MS);
    p.timer.unref();
  }

  private _disarm(p: Pending): void {
    if (p.timer) clearTimeout(p.timer);
    p.timer = null;
  }

  /** The connection upgraded or closed: it no longer counts (idempotent). */
  private _release(id: string, p: Pending): void {
    this._disarm(p);
    if (this._pending.get(id) !== p) return;
    this._pending.delete(id);
    const n = (this._pendingPerKey.get(p.key) ?? 1) - 1;
    if (n <= 0) this._pendingPerKey.delete(p.key);
    else this._pendingPerKey.set(p.key, n);
  }

  /** Errors of the listening socket itself: accept() out of descriptors is logged in one line, not thrown. */
  private _serverError(err: NodeJS.ErrnoException): void {
    // Before listening, listen() reports the error to its caller.
    if (!this._server.listening) return;
    if (err.code === 'EMFILE' || err.code === 'ENFILE') {
      const limit = this._fdLimit ? ` (limit ${this._fdLimit.soft})` : '';
      const scope = err.code === 'EMFILE' ? 'the daemon is out of file descriptors' : 'the system is out of file descriptors';
      const line = `ws: ${err.code}: ${scope}${limit}; an incoming connection was dropped (${this._pending.size} awaiting the upgrade, ${this._wss.clients.size} open)`;
      withReserveDescriptor(() => this._logSome('fd', line));
      return;
    }
    this._logSome(`error:${err.code ?? ''}`, `ws: listener error: ${err.message}`);
  }

  /** Logs a warning, or counts it when one of its kind was logged less than WS_LOG_REPEAT_MS ago. */
  private _logSome(kind: string, message: string): void {
    const now = Date.now();
    const q = this._quiet.get(kind);
    if (q && now - q.at < WS_LOG_REPEAT_MS) {
      q.more++;
      return;
    }
    this._o.log.warn(q?.more ? `${message} (and ${q.more} more like it not logged since the last)` : message);
    this._quiet.set(kind, { at: now, more: 0 });
  }

  private _upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const peer = req.socket.remoteAddress ?? 'unknown';
    const key = addressKey(peer);
    socket.on('error', () => {}); // a peer that vanishes mid-handshake: nothing to do
    const id = connectionId(req.socket);
    const pending = this._pending.get(id);
    const open = this._perAddress.get(peer) ?? 0;
    if (open >= WS_MAX_CONNECTIONS_PER_ADDRESS) {
      this._logSome('too-many', `ws: ${peer} has ${open} connections open; refusing another`);
      return reject(socket, 429, 'Too Many Requests', `too many connections from ${peer} (limit ${WS_MAX_CONNECTIONS_PER_ADDRESS})`);
    }
    // An address that failed too often is shut out for a while: its attempts are not even checked.
    const wait = this._backoff.waitMs(key);
    if (wait > 0) {
      const s = Math.ceil(wait / 1000);
      this._logSome('penalty', `ws: refused ${peer} unchecked: too many failed attempts, shut out for ${wait} ms more`);
      return reject(socket, 429, 'Too Many Requests', `codewire: too many failed attempts from ${peer}; try again in ${s} s`, `Retry-After: ${s}\r\n`);
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const auth = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    let problem: string | null = null;
    // 403 where credentials would not help (a foreign Origin or Host): the request is forbidden as it stands.
    let forbidden = false;
    const alt = this._o.authorize?.(req) ?? null;
    if (alt) {
      if (!alt.ok) {
        problem = alt.problem;
        forbidden = alt.forbidden === true;
      }
    } else if (url.searchParams.has('token') || url.searchParams.has('access_token')) {
      problem = 'a token in the URL is refused (URLs end up in logs); send it in the Authorization: Bearer header';
    } else if (!m) {
      problem = 'missing token: send Authorization: Bearer <token> (see `cw token` on the server)';
    } else if (!tokenMatches(m[1]!, this._o.token())) {
      problem = 'wrong token';
    }
    if (problem) {
      const { failures, penaltyMs } = this._backoff.fail(key);
      this._o.log.warn(`ws: rejected ${peer}: ${problem}${penaltyMs ? ` (failure ${failures}; the address is shut out for ${penaltyMs} ms)` : ''}`);
      return forbidden ? reject(socket, 403, 'Forbidden', `codewire: ${problem}`) : reject(socket, 401, 'Unauthorized', `codewire: ${problem}`);
    }
    this._backoff.succeed(key);
    if (pending) this._release(id, pending);
    this._wss.handleUpgrade(req, socket, head, (ws) => {
      this._perAddress.set(peer, (this._perAddress.get(peer) ?? 0) + 1);
      this._alive.set(ws, true);
      ws.on('pong', () => this._alive.set(ws, true));
      ws.on('close', () => {
        const n = (this._perAddress.get(peer) ?? 1) - 1;
        if (n <= 0) this._perAddress.delete(peer);
        else this._perAddress.set(peer, n);
      });
      this._o.onConnection(new WsTransport(ws), ws, peer);
    });
  }

  /** Pings every client; one that did not answer the previous ping is gone (a dead peer, a dropped NAT entry). */
  private _ping(): void {
    for (const ws of this._wss.clients) {
      if (this._alive.get(ws) === false) {
        this._o.log.warn('ws: a client stopped answering pings; closing it');
        ws.terminate();
        continue;
      }
      this._alive.set(ws, false);
      ws.ping();
    }
  }

  /** Attaches (or replaces) the dashboard's HTTP handler and cookie authorisation. */
  setWeb(web: Pick<WsServerOptions, 'http' | 'authorize'>): void {
    if (web.http) this._o.http = web.http;
    if (web.authorize) this._o.authorize = web.authorize;
  }

  get address(): { host: string; port: number } | null {
    const a = this._server.address();
    return typeof a === 'object' && a ? { host: a.address, port: a.port } : null;
  }

  close(): void {
    clearInterval(this._pinger);
    for (const ws of this._wss.clients) ws.close(1001, 'daemon stopping');
    this._wss.close();
    this._server.close();
  }
}
