// Credentials in URLs: redacted wherever cw prints a URL (src/common/redact.ts), and taken out of [nats] url and
// --nats before the NATS client or any message sees them (parseNatsUrls in src/common/config.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDaemonConfig, parseNatsUrls, withNatsUrlAuth } from '../../src/common/config.js';
import { redactUrl, redactUrls } from '../../src/common/redact.js';

describe('redactUrl', () => {
  it('replaces user information, a token alone included, and keeps the rest', () => {
    expect(redactUrl('nats://fleet:s3cret@127.0.0.1:4222')).toBe('nats://***@127.0.0.1:4222');
    expect(redactUrl('nats://s3cret-token@nats.example:4222')).toBe('nats://***@nats.example:4222');
    expect(redactUrl('fleet:s3cret@10.1.2.3:4222')).toBe('***@10.1.2.3:4222');
    expect(redactUrl('wss://u:p%40ss@box.example:9100/path?x=1')).toBe('wss://***@box.example:9100/path?x=1');
    expect(redactUrl('wss://u:p@ss@box.example:9100')).toBe('wss://***@box.example:9100');
    expect(redactUrl('wss://box.example:9100/?token=abc&x=1')).toBe('wss://box.example:9100/?token=***&x=1');
    expect(redactUrl('nats://127.0.0.1:4222')).toBe('nats://127.0.0.1:4222');
    expect(redactUrl('127.0.0.1:4222')).toBe('127.0.0.1:4222');
    // An @ after the authority is not user information.
    expect(redactUrl('https://host/a@b')).toBe('https://host/a@b');
  });

  it('redacts every URL in a text, and nothing else', () => {
    expect(redactUrls("connect to nats://a:b@h1:4222,nats://h2:4222 and tls://tok@h3:4222 failed (see 'wss://x:y@z/')")).toBe(
      "connect to nats://***@h1:4222,nats://h2:4222 and tls://***@h3:4222 failed (see 'wss://***@z/')",
    );
    expect(redactUrls('mail ann@example.com about nats://h:4222')).toBe('mail ann@example.com about nats://h:4222');
    expect(redactUrls('GET /x?password=hunter2 HTTP/1.1')).toBe('GET /x?password=*** HTTP/1.1');
  });
});

describe('credentials in nats.url', () => {
  it('user and password, or a token, come out of the URL; percent-escapes decoded', () => {
    expect(parseNatsUrls('nats://fleet:s3cret@127.0.0.1:4222')).toEqual({ servers: ['nats://127.0.0.1:4222'], auth: { user: 'fleet', password: 's3cret' } });
    expect(parseNatsUrls('tls://tok3n@n1:4222, n2:4222')).toEqual({ servers: ['tls://n1:4222', 'n2:4222'], auth: { token: 'tok3n' } });
    expect(parseNatsUrls('u%40corp:p%3Aw@h:1')).toEqual({ servers: ['h:1'], auth: { user: 'u@corp', password: 'p:w' } });
    // A user with an empty password is a token, as in the Go client.
    expect(parseNatsUrls('nats://tok:@h:1').auth).toEqual({ token: 'tok' });
    expect(parseNatsUrls('nats://a:1,nats://b:2')).toEqual({ servers: ['nats://a:1', 'nats://b:2'], auth: null });
  });

  it('refuses different credentials on two servers, and bad URLs, without showing a secret', () => {
    expect(() => parseNatsUrls('nats://u:one@a:1,nats://u:two@b:1')).toThrow("nats.url: 'nats://***@a:1' and 'nats://***@b:1' carry different credentials");
    expect(() => parseNatsUrls('nats://u:pw@a:1/x')).toThrow("nats.url: 'nats://***@a:1/x' is not nats://HOST:PORT, tls://HOST:PORT or HOST:PORT");
    expect(() => parseNatsUrls('nats://u:%zz@a:1', '--nats')).toThrow("--nats: the credentials in 'nats://***@a:1' have a bad %-escape");
    expect(() => parseNatsUrls(' , ')).toThrow('nats.url: no server given');
  });

  it('URL credentials take the place of the other ways to authenticate', () => {
    const cfg = { servers: ['nats://x:1'], user: 'k', password: 'kp', tlsCa: '/ca.pem' };
    expect(withNatsUrlAuth(cfg, { token: 't' })).toEqual({ servers: ['nats://x:1'], token: 't', tlsCa: '/ca.pem' });
    expect(withNatsUrlAuth(cfg, null)).toBe(cfg);
  });

  const dir = mkdtempSync(join(tmpdir(), 'cw-redact-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const load = (toml: string): ReturnType<typeof loadDaemonConfig> => {
    writeFileSync(join(dir, 'config.toml'), toml, { mode: 0o600 });
    return loadDaemonConfig(dir, {});
  };

  it('config.toml: the URL wins over user/password keys; with creds_file it is an error', () => {
    expect(load('[nats]\nurl = "nats://fleet:s3cret@127.0.0.1:4222"\nuser = "old"\npassword = "old-pw"\n').nats).toEqual({
      servers: ['nats://127.0.0.1:4222'],
      user: 'fleet',
      password: 's3cret',
    });
    expect(() => load('[nats]\nurl = "nats://fleet:s3cret@h:1"\ncreds_file = "/x.creds"\n')).toThrow(/nats: credentials in nats\.url and creds_file: give one of them/);
    try {
      load('[nats]\nurl = "nats://fleet:s3cret@h:1/bad"\n');
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toMatch(/nats\.url: 'nats:\/\/\*\*\*@h:1\/bad' is not/);
      expect((err as Error).message).not.toContain('s3cret');
    }
  });
});
