// Reaching a daemon on another machine: the same frames, one per binary WebSocket message.
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { FRAME_HEADER_BYTES, MAX_FRAME_BYTES } from '../protocol/frame.js';
import { codewireHome } from '../common/paths.js';
import { Channel } from '../channel/channel.js';
import { ClientError, ExitCode } from '../channel/errors.js';
import { loadServers } from './servers.js';
import { chooseTrust, pinnedCertificate } from './certificates.js';
import { redactUrl } from '../common/redact.js';

/** How long to wait for the TCP, TLS and HTTP upgrade handshakes together. */
const REMOTE_CONNECT_TIMEOUT_MS = 10_000;
/** Client-side pings: keep idle connections alive through proxies and notice a dead server. */
const REMOTE_PING_INTERVAL_MS = 20_000;

export interface RemoteTarget {
  /** The saved name, or null for an ad-hoc URL. */
  name: string | null;
  url: string;
  token: string | undefined;
  ca?: string;
  cert?: string;
  /** A SHA-256 fingerprint (--pin, CODEWIRE_PIN): the certificate is fetched and checked before anything is sent. */
  pin?: string;
}

/** `--server NAME|URL` (or CODEWIRE_SERVER) → where to connect and with which token; null for the local daemon. */
export function resolveTarget(server: string | undefined, token: string | undefined, trust: { ca?: string; pin?: string } = {}): RemoteTarget | null {
  const ref = server ?? process.env.CODEWIRE_SERVER;
  if (!ref) return null;
  if (/^[a-z]+:\/\//i.test(ref)) {
    const url = normalizeUrl(ref);
    return { name: null, url, token: token ?? process.env.CODEWIRE_TOKEN, ...chooseTrust(url, trust, {}) };
  }
  const saved = loadServers(codewireHome())[ref];
  if (!saved) throw new ClientError(`no saved server '${ref}'`, 'see `cw server list`, or add it with `cw server add NAME URL --token T`');
  const url = normalizeUrl(saved.url);
  return {
    name: ref,
    url,
    token: token ?? saved.token ?? process.env.CODEWIRE_TOKEN,
    ...chooseTrust(url, trust, { ...(saved.ca ? { ca: saved.ca } : {}), ...(saved.cert ? { cert: saved.cert } : {}) }),
  };
}

/**
 * What two server URLs compare by (`http://H/` and `ws://h` are the same server): normalized, without trailing
 * slashes, lower-cased; a URL that is not one cw can reach compares as written.
 */
export function serverUrlKey(url: string): string {
  try {
    return normalizeUrl(url).replace(/\/+$/, '').toLowerCase();
  } catch {
    return url;
  }
}

export function normalizeUrl(url: string): string {
  const u = url.replace(/^http:/i, 'ws:').replace(/^https:/i, 'wss:');
  if (!/^wss?:\/\//i.test(u)) throw new ClientError(`'${redactUrl(url)}' is not a ws:// or wss:// URL`, 'e.g. wss://box.example:9100');
  return u;
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

function describe(t: RemoteTarget): string {
  return t.name ? `server '${t.name}' (${redactUrl(t.url)})` : redactUrl(t.url);
}

export async function connectRemote(t: RemoteTarget): Promise<{ channel: Channel }> {
  if (!t.token) {
    throw new ClientError(`no token for ${describe(t)}`, 'give --token, set CODEWIRE_TOKEN, or save it with `cw server add NAME URL --token T` (`cw token` on the server prints it)', ExitCode.NO_TOKEN, 'no_token');
  }
  // A pin is checked before the token is sent: the connection then trusts exactly that certificate.
  if (t.pin !== undefined && t.cert === undefined) t = { ...t, cert: await pinnedCertificate(t.url, t.pin) };
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(t.url, {
      headers: { Authorization: `Bearer ${t.token}` },
      handshakeTimeout: REMOTE_CONNECT_TIMEOUT_MS,
      maxPayload: MAX_FRAME_BYTES + FRAME_HEADER_BYTES,
      perMessageDeflate: false,
      // A pinned certificate is trusted exactly (it is its own CA), whatever name it carries.
      ...(t.cert ? { ca: t.cert, checkServerIdentity: () => undefined } : t.ca ? { ca: readCa(t.ca) } : {}),
    });
    let opened = false;
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => {
        const text = body.trim().replace(/^codewire: /, '');
        if (res.statusCode === 401) reject(new ClientError(`${describe(t)} rejected the token: ${text || 'unauthorized'}`, 'check the token with `cw token` on the server', ExitCode.AUTH, 'auth'));
        else reject(new ClientError(`${describe(t)} refused the connection: HTTP ${res.statusCode} ${text}`, undefined, ExitCode.UNREACHABLE, 'unreachable'));
      });
    });
    ws.on('error', (err: NodeJS.ErrnoException) => {
      if (opened) return; // after open, 'close' reports the loss
      const code = err.code ?? '';
      if (TLS_CODES.has(code) || /certificate|ssl|tls/i.test(err.message)) {
        reject(new ClientError(`TLS with ${describe(t)} failed: ${err.message}`, 'trust its CA with `cw server add NAME URL --ca FILE`, or pin its certificate with --pin', ExitCode.TLS, 'tls'));
      } else {
        reject(new ClientError(`cannot reach ${describe(t)}: ${err.message}`, 'is the daemon listening there (`cw daemon --listen`), and the address right?', ExitCode.UNREACHABLE, 'unreachable'));
      }
    });
    ws.on('open', () => {
      opened = true;
      const socket = (ws as unknown as { _socket: { ref(): void; unref(): void } })._socket;
      const channel = new Channel({
        write: (b) => {
          if (ws.readyState === WebSocket.OPEN) ws.send(b, { binary: true });
        },
        end: () => ws.close(1000),
        unref: () => {
          socket.unref();
          pinger.unref();
        },
        ref: () => {
          socket.ref();
          pinger.ref();
        },
      });
      let alive = true;
      ws.on('pong', () => (alive = true));
      const pinger = setInterval(() => {
        if (!alive) {
          ws.terminate();
          return;
        }
        alive = false;
        ws.ping();
      }, REMOTE_PING_INTERVAL_MS);
      ws.on('message', (data: Buffer) => channel.receive(data));
      ws.on('close', (code, reason) => {
        clearInterval(pinger);
        const why = reason.length ? reason.toString() : code === 1006 ? 'connection lost' : `closed (${code})`;
        channel.closed(new ClientError(`connection to ${describe(t)} ended: ${why}`, undefined, ExitCode.UNREACHABLE, 'unreachable'));
      });
      resolve({ channel });
    });
  });
}

function readCa(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ClientError(`cannot read the CA file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, undefined, ExitCode.TLS, 'tls');
  }
}
