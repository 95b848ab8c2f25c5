// The dashboard's auth pieces: one-time login codes, cookies bound to the token, Host/Origin checks, and
// static paths that cannot leave dist/web.
import { describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { LOGIN_CODE_TTL_MS, WebAuth, checkHostOrigin, cookieName, readCookie, sessionCookie, type Site } from '../../src/daemon/http/auth.js';
import { resolveStatic } from '../../src/daemon/http/static.js';

const req = (headers: Record<string, string>): IncomingMessage => ({ headers }) as unknown as IncomingMessage;
const loop: Site = { host: '127.0.0.1', port: 9100, tls: false, loopback: true };

describe('WebAuth', () => {
  it('redeems a code once, before it expires, for a cookie bound to the token', () => {
    const a = new WebAuth();
    const { code } = a.mintCode(1000);
    const cookie = a.redeem(code, 'tok', 2000);
    expect(cookie).toBeTruthy();
    expect(a.redeem(code, 'tok', 2000)).toBeNull();
    expect(a.check(cookie!, 'tok', 3000)).toBe(true);
    expect(a.check('forged', 'tok', 3000)).toBe(false);
    // A rotated token logs the browser out.
    expect(a.check(cookie!, 'rotated', 3000)).toBe(false);
    expect(a.check(cookie!, 'tok', 3000)).toBe(false);
    const late = a.mintCode(0);
    expect(a.redeem(late.code, 'tok', LOGIN_CODE_TTL_MS + 1)).toBeNull();
  });

  it('logs out', () => {
    const a = new WebAuth();
    const cookie = a.redeem(a.mintCode().code, 'tok')!;
    a.logout(cookie);
    expect(a.check(cookie, 'tok')).toBe(false);
  });
});

describe('cookies and request checks', () => {
  it('writes an HttpOnly, SameSite=Strict cookie (Secure with TLS) and reads it back', () => {
    expect(sessionCookie('cw_session_1', 'v', false)).toMatch(/HttpOnly; SameSite=Strict/);
    expect(sessionCookie('cw_session_1', 'v', false)).not.toContain('Secure');
    expect(sessionCookie('cw_session_1', 'v', true)).toContain('; Secure');
    expect(readCookie(req({ cookie: 'a=1; cw_session_9100=xyz; b=2' }), cookieName(9100))).toBe('xyz');
    expect(readCookie(req({ cookie: 'cw_session_9101=xyz' }), cookieName(9100))).toBeNull();
  });

  it('accepts only loopback host names on a loopback listener, and only its own Origin', () => {
    expect(checkHostOrigin(req({ host: '127.0.0.1:9100' }), loop)).toBeNull();
    expect(checkHostOrigin(req({ host: 'localhost:9100', origin: 'http://localhost:9100' }), loop)).toBeNull();
    expect(checkHostOrigin(req({ host: 'evil.example:9100' }), loop)).toMatch(/not this dashboard/);
    expect(checkHostOrigin(req({ host: '127.0.0.1:9100', origin: 'http://evil.example' }), loop)).toMatch(/foreign Origin/);
    expect(checkHostOrigin(req({ host: '127.0.0.1:9100', origin: 'https://127.0.0.1:9100' }), loop)).toMatch(/foreign Origin/);
    expect(checkHostOrigin(req({}), loop)).toMatch(/no Host/);
    const tls: Site = { host: '0.0.0.0', port: 443, tls: true, loopback: false };
    expect(checkHostOrigin(req({ host: 'box.example', origin: 'https://box.example' }), tls)).toBeNull();
    expect(checkHostOrigin(req({ host: 'box.example', origin: 'http://box.example' }), tls)).toMatch(/foreign Origin/);
  });

  it('never resolves a static path outside the root', () => {
    const root = '/srv/web';
    expect(resolveStatic(root, '/')).toBe('/srv/web/index.html');
    expect(resolveStatic(root, '/app.js')).toBe('/srv/web/app.js');
    expect(resolveStatic(root, '/../secret.js')).toBeNull();
    expect(resolveStatic(root, '/..%2fsecret.js')).toBeNull();
    expect(resolveStatic(root, '/%2e%2e/secret.js')).toBeNull();
    expect(resolveStatic(root, '/a%5c..%5csecret.js')).toBeNull();
    expect(resolveStatic(root, '/x%00.js')).toBeNull();
    expect(resolveStatic(root, '/%E0%A4%A')).toBeNull();
    expect(resolveStatic(root, '/token')).toBeNull(); // no known type
  });
});
