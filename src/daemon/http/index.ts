// The web dashboard on the daemon's WebSocket listener: the built page (dist/web), the login flow and cookie
// auth for the page's WebSocket, which then speaks the same frame protocol as the CLI.
import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isLoopback } from '../../common/config.js';
import { VERSION } from '../../common/version.js';
import { ErrorCode } from '../../protocol/index.js';
import { CwError } from '../errors.js';
import type { Logger } from '../log.js';
import type { WsServer } from '../ws-server.js';
import { WebAuth, checkHostOrigin, clearedCookie, cookieName, readCookie, sessionCookie, type Site } from './auth.js';
import { sendPage, sendText } from './pages.js';
import { resolveStatic, serveFile } from './static.js';

export { WebAuth } from './auth.js';

/** One per daemon: a login code minted for any listener works on the listener it was printed for. */
export const webAuth = new WebAuth();

/** The built page: dist/web beside the daemon's bundle. */
const WEB_ROOT = join(dirname(fileURLToPath(import.meta.url)), 'web');

const WHY_OFF =
  'The dashboard is off on this address: the listener is reachable from the network without TLS, so the login cookie and every keystroke would cross the network in clear.';

export interface WebOptions {
  /** The token in force (read on every check, so `cw token --rotate` logs browsers out at once). */
  token: () => string;
  log: Logger;
  /** Overrides the directory of the built page (tests). */
  root?: string;
}

const sites = new WeakMap<WsServer, Site>();

function siteOf(server: WsServer): Site | null {
  const known = sites.get(server);
  if (known) return known;
  const a = server.address;
  if (!a) return null;
  const site: Site = { host: a.host, port: a.port, tls: server.tls, loopback: isLoopback(a.host) };
  sites.set(server, site);
  return site;
}

/** Served only on loopback, or with TLS anywhere. */
export function webEnabled(site: Site): boolean {
  return site.loopback || site.tls;
}

/**
 * The WebSocket origins the page may connect to, besides 'self' (which CSP 3 extends to ws:/wss: on the same
 * host and port, but older browsers do not): the names this listener is reached by, from its configuration,
 * never from the request. A TLS listener off loopback accepts any Host, so reflecting it would let a crafted
 * Host header (`x; script-src *`) write directives into the policy.
 */
export function connectSources(site: Site, node: string): string {
  const scheme = site.tls ? 'wss' : 'ws';
  const hostPort = (h: string): string => `${h.includes(':') ? `[${h}]` : h}:${site.port}`;
  const names = site.loopback ? ['127.0.0.1', 'localhost', '::1', site.host] : site.host === '0.0.0.0' || site.host === '::' ? [node] : [site.host];
  // A host name from the machine (a wildcard listener's) goes in only if it is a plain DNS name.
  const safe = names.filter((h) => /^[a-zA-Z0-9.-]+$/.test(h) || /^[0-9a-fA-F:.]+$/.test(h));
  return [...new Set(safe.map((h) => ` ${scheme}://${hostPort(h.toLowerCase())}`))].join('');
}

const escapeAttr = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Attaches the dashboard's HTTP handler and cookie authorisation to a listener (now or before it listens). */
export function attachWeb(server: WsServer, o: WebOptions): void {
  const root = o.root ?? WEB_ROOT;
  const node = hostname();

  const http = (req: IncomingMessage, res: ServerResponse): boolean => {
    const site = siteOf(server);
    if (!site) return false;
    const url = new URL(req.url ?? '/', 'http://x');
    if (!webEnabled(site)) {
      sendPage(res, {
        status: 403,
        title: 'Dashboard off on this address',
        lines: [WHY_OFF, 'Give the daemon a certificate (`tls_cert` and `tls_key` in config.toml, or `cw daemon --tls-cert F --tls-key F`), or listen on 127.0.0.1 and reach it through an SSH tunnel (`ssh -L 9100:127.0.0.1:9100 box`), then run `cw ui`.'],
      });
      return true;
    }
    const problem = checkHostOrigin(req, site);
    if (problem) {
      o.log.warn(`web: refused ${req.method} ${url.pathname} from ${req.socket.remoteAddress}: ${problem}`);
      sendText(res, 403, `codewire: ${problem}\n`);
      return true;
    }
    const name = cookieName(site.port);
    const cookie = readCookie(req, name);
    const loggedIn = cookie !== null && webAuth.check(cookie, o.token());

    if (url.pathname === '/login') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res);
      const code = url.searchParams.get('code') ?? '';
      const issued = code ? webAuth.redeem(code, o.token()) : null;
      if (!issued) {
        o.log.warn(`web: a used, expired or unknown login code from ${req.socket.remoteAddress}`);
        sendPage(res, { status: 401, title: 'This login link does not work', lines: ['It was used already or it expired (a link works once, for 2 minutes).', 'Run `cw ui` again for a new one.'] });
        return true;
      }
      o.log.info(`web: a browser logged in from ${req.socket.remoteAddress}`);
      // A page that moves on by itself rather than a redirect: the navigation to / then starts from this
      // site, so the SameSite=Strict cookie goes with it even when the link was clicked in another site.
      sendPage(res, {
        status: 200,
        title: 'Logged in',
        head: '<meta http-equiv="refresh" content="0;url=/">',
        lines: ['Opening the dashboard…'],
        headers: { 'Set-Cookie': sessionCookie(name, issued, site.tls) },
      });
      return true;
    }

    if (url.pathname === '/logout') {
      if (req.method !== 'POST') return methodNotAllowed(res);
      // A state change: only from the page itself (an Origin is always sent with a POST).
      if (req.headers.origin === undefined) {
        sendText(res, 403, 'codewire: a logout needs an Origin header\n');
        return true;
      }
      if (cookie) webAuth.logout(cookie);
      sendPage(res, { status: 200, title: 'Logged out', lines: ['Run `cw ui` to log in again.'], headers: { 'Set-Cookie': clearedCookie(name, site.tls) } });
      return true;
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res);
    if (!loggedIn) {
      sendPage(res, {
        status: 401,
        title: 'Log in with cw ui',
        lines: ['This is the codewire dashboard. Run `cw ui` on the machine where the daemon runs: it prints a one-time login link.'],
      });
      return true;
    }
    const file = resolveStatic(root, url.pathname);
    if (!file) {
      sendText(res, 404, 'not found\n');
      return true;
    }
    const served = serveFile(req, res, file, connectSources(site, node), (html) =>
      html.replace('%CW_NODE%', escapeAttr(node)).replace('%CW_VERSION%', escapeAttr(VERSION)),
    );
    if (!served) {
      if (url.pathname === '/' && !existsSync(root)) {
        sendPage(res, { status: 500, title: 'The dashboard is not built', lines: [`${root} is missing: run \`npm run build\`.`] });
      } else {
        sendText(res, 404, 'not found\n');
      }
    }
    return true;
  };

  /** WebSocket upgrades: a browser (it always sends Origin) logs in with the cookie; the CLI with the bearer token. */
  const authorize = (req: IncomingMessage): { ok: true } | { ok: false; problem: string; forbidden?: boolean } | null => {
    const site = siteOf(server);
    if (!site) return null;
    const origin = req.headers.origin;
    const cookie = readCookie(req, cookieName(site.port));
    if (origin === undefined && cookie === null) return null; // not a browser: the bearer token decides
    // Forbidden (403) as the page requests are: no credential makes a foreign Origin or Host acceptable.
    if (!webEnabled(site)) return { ok: false, problem: 'the dashboard is off on a non-loopback address without TLS', forbidden: true };
    const problem = checkHostOrigin(req, site);
    if (problem) return { ok: false, problem, forbidden: true };
    if (origin === undefined) return { ok: false, problem: 'a dashboard WebSocket must carry an Origin header', forbidden: true };
    if (cookie === null) return null; // a same-origin page without a session: only a bearer token would do
    if (!webAuth.check(cookie, o.token())) return { ok: false, problem: 'the dashboard session expired or the token was rotated: run `cw ui` again' };
    return { ok: true };
  };

  server.setWeb({ http, authorize });
}

function methodNotAllowed(res: ServerResponse): true {
  sendText(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
  return true;
}

/** The `ui` op: the dashboard's URL and a one-time login link on the given listener. */
export function webLogin(entry: { server: WsServer; url: string }): { url: string; login: string; expiresAt: string } {
  const site = siteOf(entry.server);
  if (!site) throw new CwError(ErrorCode.INTERNAL, 'the listener is not bound yet');
  if (!webEnabled(site)) {
    throw new CwError(ErrorCode.REFUSED, `the dashboard is off on ${entry.url}: it is reachable from the network without TLS`, 'set tls_cert and tls_key in config.toml (or listen on 127.0.0.1 and use an SSH tunnel), then restart the daemon with `cw stop`');
  }
  const wildcard = site.host === '0.0.0.0' || site.host === '::';
  const host = wildcard ? hostname() : site.host.includes(':') ? `[${site.host}]` : site.host;
  const url = `${site.tls ? 'https' : 'http'}://${host}:${site.port}/`;
  const { code, expiresAt } = webAuth.mintCode();
  return { url, login: `${url}login?code=${code}`, expiresAt: new Date(expiresAt).toISOString() };
}
