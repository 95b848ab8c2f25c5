// The same frame protocol over WebSocket, for `cw --server`: one frame per binary message, the same
// Connection and handlers as the Unix socket. Token auth at the upgrade; TLS when a certificate is given.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_FRAME_BYTES, FRAME_HEADER_BYTES } from '../protocol/index.js';
import { isLoopback, type ListenAddress } from '../common/config.js';
import type { Transport } from './transport.js';
import type { Logger } from './log.js';
import {
  AUTH_FAILURE_WINDOW_MS,
  AUTH_FREE_FAILURES,
  AUTH_MAX_DELAY_MS,
  WS_HANDSHAKE_TIMEOUT_MS,
  WS_MAX_CONNECTIONS_PER_ADDRESS,
  WS_PING_INTERVAL_MS,
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
  authorize?: (req: IncomingMessage) => { ok: true } | { ok: false; problem: string } | null;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Constant-time comparison: compares fixed-size digests, so neither content nor length leaks. */
export function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function reject(socket: Duplex, status: number, reason: string, message: string): void {
  if (socket.destroyed) return;
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export class WsServer {
  private readonly _server: Server;
  private readonly _wss: WebSocketServer;
  private readonly _perAddress = new Map<string, number>();
  private readonly _failures = new Map<string, { count: number; last: number }>();
  private readonly _pinger: NodeJS.Timeout;
  private readonly _alive = new WeakMap<WebSocket, boolean>();
  readonly tls: boolean;

  constructor(private readonly _o: WsServerOptions) {
    this.tls = !!(_o.tlsCert && _o.tlsKey);
    this._server = this.tls
      ? createHttpsServer({ cert: readFileSync(_o.tlsCert!), key: readFileSync(_o.tlsKey!) })
      : createHttpServer();
    // Bounds on the HTTP side: a peer that opens a connection and says nothing is dropped.
    this._server.headersTimeout = WS_HANDSHAKE_TIMEOUT_MS;
    this._server.requestTimeout = WS_HANDSHAKE_TIMEOUT_MS;
    this._wss = new WebSocketServer({
      noServer: true,
      // One frame per message: the largest frame plus its header.
      maxPayload: MAX_FRAME_BYTES + FRAME_HEADER_BYTES,
      perMessageDeflate: false,
    });
    this._server.on('request', (req, res) => {
      if (this._o.http?.(req, res)) return;
      res.writeHead(426, { 'Content-Type': 'text/plain', Upgrade: 'websocket' });
      res.end('codewire: connect with a WebSocket client (cw --server URL)\n');
    });
    this._server.on('upgrade', (req, socket, head) => void this._upgrade(req, socket, head));
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
        if (!this.tls && !isLoopback(this._o.address.host)) {
          const msg = `listening on ${this._o.address.host}:${port} WITHOUT TLS: tokens and terminal bytes cross the network in clear; give tls_cert and tls_key, or put a TLS proxy in front`;
          this._o.log.warn(msg);
          process.stderr.write(`cw daemon: warning: ${msg}\n`);
        }
        resolve({ host: this._o.address.host, port });
      });
    });
  }

  private async _upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const peer = req.socket.remoteAddress ?? 'unknown';
    socket.on('error', () => {}); // a peer that vanishes mid-handshake: nothing to do
    const open = this._perAddress.get(peer) ?? 0;
    if (open >= WS_MAX_CONNECTIONS_PER_ADDRESS) {
      this._o.log.warn(`ws: ${peer} has ${open} connections open; refusing another`);
      return reject(socket, 429, 'Too Many Requests', `too many connections from ${peer} (limit ${WS_MAX_CONNECTIONS_PER_ADDRESS})`);
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const auth = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    let problem: string | null = null;
    const alt = this._o.authorize?.(req) ?? null;
    if (alt) {
      if (!alt.ok) problem = alt.problem;
    } else if (url.searchParams.has('token') || url.searchParams.has('access_token')) {
      problem = 'a token in the URL is refused (URLs end up in logs); send it in the Authorization: Bearer header';
    } else if (!m) {
      problem = 'missing token: send Authorization: Bearer <token> (see `cw token` on the server)';
    } else if (!tokenMatches(m[1]!, this._o.token())) {
      problem = 'wrong token';
    }
    if (problem) {
      // Repeated failures from one address are answered ever more slowly: guessing costs time.
      const f = this._failures.get(peer);
      const now = Date.now();
      const count = f && now - f.last < AUTH_FAILURE_WINDOW_MS ? f.count + 1 : 1;
      this._failures.set(peer, { count, last: now });
      const delay = count > AUTH_FREE_FAILURES ? Math.min(AUTH_MAX_DELAY_MS, 100 * 2 ** (count - AUTH_FREE_FAILURES)) : 0;
      this._o.log.warn(`ws: rejected ${peer}: ${problem}${delay ? ` (failure ${count}, answering after ${delay} ms)` : ''}`);
      if (delay) await new Promise((r) => setTimeout(r, delay));
      return reject(socket, 401, 'Unauthorized', `codewire: ${problem}`);
    }
    this._failures.delete(peer);
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
