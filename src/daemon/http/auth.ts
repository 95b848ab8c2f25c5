// Browser auth for the dashboard: the daemon's token is never put in a URL or handed to the page. `cw ui`
// (which already holds the right to talk to the daemon) mints a one-time login code; the browser redeems it
// once at /login for an HttpOnly, SameSite=Strict session cookie. Every request and WebSocket upgrade is
// also checked for Host (DNS rebinding) and Origin (another site's page driving the browser).
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** How long a login link works: long enough to click it, short enough that a leaked one is useless soon. */
export const LOGIN_CODE_TTL_MS = 2 * 60 * 1000;
/** How long a browser stays logged in (the session is also dropped when the token rotates or the daemon restarts). */
export const WEB_SESSION_TTL_MS = 7 * 24 * 3600 * 1000;
/** Outstanding login codes and browser sessions kept at most; the oldest go first (memory stays bounded). */
const MAX_CODES = 64;
const MAX_SESSIONS = 256;
/** Random bytes in a code and in a cookie: guessing is hopeless. */
const SECRET_BYTES = 32;

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

export class WebAuth {
  /** code digest → expiry (ms). Digests, so a heap dump does not hold usable codes. */
  private readonly _codes = new Map<string, number>();
  /** cookie digest → expiry and the digest of the token in force when it was issued. */
  private readonly _sessions = new Map<string, { expires: number; token: string }>();

  /** A fresh single-use login code. */
  mintCode(now = Date.now()): { code: string; expiresAt: number } {
    this._prune(now);
    const code = randomBytes(SECRET_BYTES).toString('base64url');
    this._codes.set(sha256(code), now + LOGIN_CODE_TTL_MS);
    while (this._codes.size > MAX_CODES) this._codes.delete(this._codes.keys().next().value!);
    return { code, expiresAt: now + LOGIN_CODE_TTL_MS };
  }

  /** Redeems a code (once: it is gone after this call, whatever the outcome); returns the new cookie value. */
  redeem(code: string, token: string, now = Date.now()): string | null {
    const key = sha256(code);
    const expires = this._codes.get(key);
    this._codes.delete(key);
    if (expires === undefined || expires < now) return null;
    const cookie = randomBytes(SECRET_BYTES).toString('base64url');
    this._sessions.set(sha256(cookie), { expires: now + WEB_SESSION_TTL_MS, token: sha256(token) });
    while (this._sessions.size > MAX_SESSIONS) this._sessions.delete(this._sessions.keys().next().value!);
    return cookie;
  }

  /** True for a live session cookie issued under the token still in force (`cw token --rotate` logs browsers out). */
  check(cookie: string, token: string, now = Date.now()): boolean {
    const s = this._sessions.get(sha256(cookie));
    if (!s) return false;
    if (s.expires < now || s.token !== sha256(token)) {
      this._sessions.delete(sha256(cookie));
      return false;
    }
    return true;
  }

  logout(cookie: string): void {
    this._sessions.delete(sha256(cookie));
  }

  private _prune(now: number): void {
    for (const [k, exp] of this._codes) if (exp < now) this._codes.delete(k);
    for (const [k, s] of this._sessions) if (s.expires < now) this._sessions.delete(k);
  }
}

/** The cookie's name carries the port: browsers share cookies between ports of one host, daemons must not. */
export function cookieName(port: number): string {
  return `cw_session_${port}`;
}

export function readCookie(req: IncomingMessage, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || null;
  }
  return null;
}

export function sessionCookie(name: string, value: string, secure: boolean): string {
  return `${name}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(WEB_SESSION_TTL_MS / 1000)}${secure ? '; Secure' : ''}`;
}

export function clearedCookie(name: string, secure: boolean): string {
  return `${name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
}

export interface Site {
  /** The address the listener is bound to. */
  host: string;
  port: number;
  tls: boolean;
  loopback: boolean;
}

/** Host names a loopback listener answers to: anything else is a DNS-rebinding attempt. */
function loopbackHosts(site: Site): Set<string> {
  const p = site.port;
  const bound = site.host.includes(':') ? `[${site.host}]:${p}` : `${site.host}:${p}`;
  return new Set([`127.0.0.1:${p}`, `localhost:${p}`, `[::1]:${p}`, bound]);
}

/**
 * Checks Host and Origin. Returns the problem, or null when the request may go on. A loopback listener
 * accepts only loopback host names (a public name resolving to 127.0.0.1 is DNS rebinding); a TLS listener on
 * another address accepts the name it is reached by (the certificate already binds it). An Origin, when
 * present, must be this very site: no other page may read or drive the dashboard, and there is no CORS.
 */
export function checkHostOrigin(req: IncomingMessage, site: Site): string | null {
  const host = (req.headers.host ?? '').toLowerCase();
  if (!host) return 'the request has no Host header';
  if (site.loopback && !loopbackHosts(site).has(host)) {
    return `Host '${host}' is not this dashboard's address (open it at http://127.0.0.1:${site.port}/)`;
  }
  const origin = req.headers.origin;
  if (origin !== undefined) {
    const expected = `${site.tls ? 'https' : 'http'}://${host}`;
    if (origin.toLowerCase() !== expected) return `foreign Origin '${origin}' refused (only ${expected} may use this dashboard)`;
  }
  return null;
}
