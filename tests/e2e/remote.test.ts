// Remote: every command against a daemon over WebSocket, with tokens and TLS. Real connections on loopback.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import pty from 'node-pty';
import WebSocket from 'ws';
import type { SessionInfo } from '../../src/protocol/index.js';
import { CW, alive, exitOf, makeHome, waitFor, waitForOutput, type Home, freePort } from '../support/harness.js';


/** A daemon listening on loopback (its own home) and a separate client home that has no daemon of its own. */
interface Remote {
  server: Home;
  client: Home;
  url: string;
  token: string;
  /** `cw --server URL --token T ARGS...` from the client side. */
  cw: (args: string[], opts?: { timeoutMs?: number }) => ReturnType<Home['cw']>;
  ok: (args: string[]) => Promise<string>;
}

async function startRemote(opts: { tls?: { cert: string; key: string } } = {}): Promise<Remote> {
  const port = await freePort();
  const server = makeHome();
  if (opts.tls) {
    writeFileSync(join(server.dir, 'config.toml'), `[daemon]\nlisten = "127.0.0.1:${port}"\ntls_cert = "${opts.tls.cert}"\ntls_key = "${opts.tls.key}"\n`);
  } else {
    writeFileSync(join(server.dir, 'config.toml'), `[daemon]\nlisten = "127.0.0.1:${port}"\n`);
  }
  await server.ok(['start']);
  await waitFor(() => readFileSync(join(server.dir, 'daemon.log'), 'utf8').includes('listening for remote clients'), 'ws listener');
  const token = (await server.ok(['token'])).trim();
  const client = makeHome();
  const url = `${opts.tls ? 'wss' : 'ws'}://127.0.0.1:${port}`;
  const cw: Remote['cw'] = (args, o) => client.cw(['--server', url, '--token', token, ...args], o);
  return {
    server,
    client,
    url,
    token,
    cw,
    ok: async (args) => {
      const r = await cw(args);
      if (r.code !== 0) throw new Error(`cw ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
      return r.stdout;
    },
  };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function track(r: Remote): Remote {
  cleanups.push(() => r.client.cleanup(), () => r.server.cleanup());
  return r;
}

describe('remote over ws://', () => {
  it('runs the session commands: launch, list, status, send, logs -f, watch, screen, kill, rm', { timeout: 60_000 }, async () => {
    const r = track(await startRemote());
    const id = (await r.ok(['launch', '--name', 'api', '--', 'bash', '-c', 'echo remote-start; read x; echo "got $x"'])).trim();
    expect(id).toMatch(/^\d+$/);
    const list = JSON.parse(await r.ok(['list', '--json'])) as SessionInfo[];
    expect(list.map((s) => s.name)).toEqual(['api']);
    // The session runs on the server: in its home directory, with the server's environment.
    expect(list[0]!.cwd).not.toBe(process.cwd());
    const follower = r.client.spawn(['--server', r.url, '--token', r.token, 'logs', 'api', '-f']);
    await waitForOutput(follower, 'remote-start');
    const watcher = r.client.spawn(['--server', r.url, '--token', r.token, 'watch', 'api']);
    await waitForOutput(watcher, 'remote-start');
    await r.ok(['send', 'api', 'over-the-wire']);
    expect(await exitOf(follower)).toBe(0);
    expect(await exitOf(watcher)).toBe(0);
    expect(await r.ok(['logs', 'api'])).toBe('remote-start\nover-the-wire\ngot over-the-wire\n');
    expect(await r.ok(['screen', 'api'])).toContain('got over-the-wire');
    const s = JSON.parse(await r.ok(['status', 'api', '--json'])) as SessionInfo;
    expect(s).toMatchObject({ state: 'exited', exitCode: 0 });
    const k = (await r.ok(['launch', '--', 'sleep', '60'])).trim();
    await r.ok(['kill', k]);
    expect((JSON.parse(await r.ok(['status', k, '--json'])) as SessionInfo).state).toBe('killed');
    await r.ok(['rm', '--exited']);
    expect(JSON.parse(await r.ok(['list', '--json']))).toEqual([]);
    // The client side never started a daemon of its own.
    expect(r.client.daemonPid()).toBeNull();
  });

  it('attaches through a pty, detaches with Ctrl+B d, and a client that vanishes mid-attach harms nothing', { timeout: 60_000 }, async () => {
    const r = track(await startRemote());
    await r.ok(['launch', '--name', 'sh', '--env', 'PS1=$ ', '--', 'bash', '--norc', '--noprofile']);
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.client.env)) if (v !== undefined) env[k] = v;
    const spawnAttach = (): { p: pty.IPty; out: () => string; exited: Promise<number> } => {
      const p = pty.spawn(process.execPath, [CW, '--server', r.url, '--token', r.token, 'attach', 'sh'], { name: 'xterm-256color', cols: 100, rows: 30, env });
      let out = '';
      p.onData((d) => (out += d));
      const exited = new Promise<number>((res) => p.onExit((e) => res(e.exitCode)));
      return { p, out: () => out, exited };
    };
    const a = spawnAttach();
    await waitFor(() => a.out().includes('$ '), 'prompt through the remote attach');
    a.p.write('echo remote-$((6*7))\r');
    await waitFor(() => a.out().includes('remote-42'), 'typed command output');
    a.p.write('\x02d');
    expect(await a.exited).toBe(0);
    expect(a.out()).toContain('[cw] detached from session');
    const b = spawnAttach();
    await waitFor(() => b.out().includes('remote-42'), 'restored screen');
    await waitFor(async () => (JSON.parse(await r.ok(['status', 'sh', '--json'])) as SessionInfo).clients === 1, 'one client attached');
    process.kill(b.p.pid, 'SIGKILL');
    await waitFor(async () => (JSON.parse(await r.ok(['status', 'sh', '--json'])) as SessionInfo).clients === 0, 'the vanished client to be dropped');
    const s = JSON.parse(await r.ok(['status', 'sh', '--json'])) as SessionInfo;
    expect(s.state).toBe('running');
    const daemonPid = r.server.daemonPid()!;
    expect(alive(daemonPid)).toBe(true);
    // The other way round: the server goes away under an attached client, which says so and exits non-zero.
    const c = spawnAttach();
    await waitFor(() => c.out().includes('remote-42'), 'attached again');
    process.kill(daemonPid, 'SIGKILL');
    expect(await c.exited).toBe(1);
    expect(c.out()).toMatch(/\[cw\] connection to session \d+ lost/);
  });

  it('refuses a wrong token (exit 7), no token (exit 4), an unreachable server (exit 5), each in one line', { timeout: 30_000 }, async () => {
    const r = track(await startRemote());
    // In the environment: a --token would add its warning (a token on a command line is visible to all) first.
    const wrong = await r.client.cw(['--server', r.url, 'list'], { env: { CODEWIRE_TOKEN: 'not-the-token' } });
    expect(wrong.code).toBe(7);
    expect(wrong.stderr.split('\n')[0]).toMatch(/rejected the token/);
    const none = await r.client.cw(['--server', r.url, 'list'], { env: { CODEWIRE_TOKEN: '' } });
    expect(none.code).toBe(4);
    expect(none.stderr).toMatch(/no token for/);
    const down = await r.client.cw(['--server', `ws://127.0.0.1:${await freePort()}`, '--token', 'x', 'list']);
    expect(down.code).toBe(5);
    expect(down.stderr).toMatch(/cannot reach/);
    // Repeated failures from one address shut it out for a while (and are logged so): an attempt in that time is
    // refused unchecked, with HTTP 429 (exit 5); tests/e2e/security-listener.test.ts has the details.
    for (let i = 0; i < 4; i++) {
      const bad = await r.client.cw(['--server', r.url, 'list'], { env: { CODEWIRE_TOKEN: `bad${i}` } });
      if (bad.code === 5) expect(bad.stderr).toMatch(/HTTP 429 too many failed attempts/);
      else expect(bad.code).toBe(7);
    }
    expect(readFileSync(join(r.server.dir, 'daemon.log'), 'utf8')).toMatch(/wrong token \(failure \d+; the address is shut out for \d+ ms\)/);
  });

  it('rejects a token in the query string with 401, and an oversized message by closing that connection only', { timeout: 30_000 }, async () => {
    const r = track(await startRemote());
    const port = Number(new URL(r.url).port);
    const status = await new Promise<{ code: number; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: `/?token=${r.token}`, headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' } });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
      });
      req.on('upgrade', () => reject(new Error('upgraded with a token in the URL')));
      req.on('error', reject);
      req.end();
    });
    expect(status.code).toBe(401);
    expect(status.body).toContain('token in the URL is refused');

    const closeCode = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(r.url, { headers: { Authorization: `Bearer ${r.token}` } });
      ws.on('open', () => ws.send(Buffer.alloc(5 * 1024 * 1024, 0x41)));
      ws.on('close', (code) => resolve(code));
      ws.on('error', () => {}); // the close code is what we check
      setTimeout(() => reject(new Error('no close')), 10_000).unref();
    });
    expect(closeCode).toBe(1009);
    expect(JSON.parse(await r.ok(['list', '--json']))).toEqual([]);
  });

  it('saved servers: add, use by name, list (without tokens), remove', { timeout: 30_000 }, async () => {
    const r = track(await startRemote());
    await r.client.ok(['server', 'add', 'box', r.url, '--token', r.token]);
    expect(statSync(join(r.client.dir, 'servers.toml')).mode & 0o777).toBe(0o600);
    await r.client.ok(['--server', 'box', 'launch', '--name', 'x', '--', 'sleep', '30']);
    expect((JSON.parse(await r.client.ok(['--server', 'box', 'list', '--json'])) as SessionInfo[]).map((s) => s.name)).toEqual(['x']);
    const listed = await r.client.ok(['server', 'list', '--json']);
    expect(listed).not.toContain(r.token);
    expect(JSON.parse(listed)).toEqual([{ name: 'box', url: r.url, token: 'saved', trust: 'no TLS' }]);
    await r.client.ok(['server', 'remove', 'box']);
    const gone = await r.client.cw(['--server', 'box', 'list']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("no saved server 'box'");
  });

  it('server add checks the server first: a wrong token (7), nobody listening (5) are not saved; --no-check saves anyway', { timeout: 30_000 }, async () => {
    const r = track(await startRemote());
    const saved = async (): Promise<string[]> => (JSON.parse(await r.client.ok(['server', 'list', '--json'])) as { name: string }[]).map((s) => s.name);
    // In the environment: the token a saved server without its own is used with, so the one checked.
    const wrong = await r.client.cw(['server', 'add', 'box', r.url], { env: { CODEWIRE_TOKEN: 'not-the-token' } });
    expect(wrong.code).toBe(7);
    expect(wrong.stderr.split('\n')).toEqual([`cw: server 'box' not saved: ${r.url} rejected the token: wrong token`, 'hint: check the token with `cw token` on the server; or save it unchecked with --no-check', '']);
    const downUrl = `ws://127.0.0.1:${await freePort()}`;
    const down = await r.client.cw(['server', 'add', 'gone', downUrl], { env: { CODEWIRE_TOKEN: r.token } });
    expect(down.code).toBe(5);
    expect(down.stderr.split('\n')[0]).toMatch(new RegExp(`^cw: server 'gone' not saved: cannot reach ${downUrl}: `));
    // No token at all: reaching it is all that can be checked (nothing is sent, so no failed login is counted).
    const noToken = await r.client.cw(['server', 'add', 'gone', downUrl], { env: { CODEWIRE_TOKEN: '' } });
    expect(noToken.code).toBe(5);
    expect(await saved()).toEqual([]);

    const unchecked = await r.client.cw(['server', 'add', 'gone', downUrl, '--no-check', '--json'], { env: { CODEWIRE_TOKEN: '' } });
    expect(unchecked.code, unchecked.stderr).toBe(0);
    expect(JSON.parse(unchecked.stdout)).toMatchObject({ name: 'gone', url: downUrl, checked: 'no', token: null });
    const reachable = await r.client.cw(['server', 'add', 'later', r.url], { env: { CODEWIRE_TOKEN: '' } });
    expect(reachable.code, reachable.stderr).toBe(0);
    expect(reachable.stderr).toContain("Saved server 'later' (" + r.url + '; checked: reached; no token to try)');
    const good = await r.client.cw(['server', 'add', 'box', r.url, '--json'], { env: { CODEWIRE_TOKEN: r.token } });
    expect(good.code, good.stderr).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ name: 'box', checked: 'token' });
    expect(good.stderr).toContain('checked: reached, token accepted');
    expect((await saved()).sort()).toEqual(['box', 'gone', 'later']);
    // The check did not use up the address's allowance of failed logins: the next command still gets through.
    expect((await r.client.cw(['--server', r.url, 'list'], { env: { CODEWIRE_TOKEN: r.token } })).code).toBe(0);
  });

  it('never prints credentials in a URL: errors, server add and list', { timeout: 30_000 }, async () => {
    const r = track(await startRemote());
    const withCreds = r.url.replace('://', '://ann:pa55word@');
    const bad = await r.client.cw(['--server', withCreds, 'list'], { env: { CODEWIRE_TOKEN: 'not-the-token' } });
    expect(bad.code).toBe(7);
    expect(bad.stderr.split('\n')[0]).toBe(`cw: ${r.url.replace('://', '://***@')} rejected the token: wrong token`);
    const add = await r.client.cw(['server', 'add', 'box', withCreds, '--json'], { env: { CODEWIRE_TOKEN: r.token } });
    expect(add.code, add.stderr).toBe(0);
    const listed = await r.client.ok(['server', 'list', '--json']);
    const table = await r.client.ok(['server', 'list']);
    const notUrl = await r.client.cw(['--server', 'ftp://ann:pa55word@x', 'list']);
    expect(notUrl.stderr.split('\n')[0]).toBe("cw: 'ftp://***@x' is not a ws:// or wss:// URL");
    for (const text of [bad.stdout, bad.stderr, add.stdout, add.stderr, listed, table, notUrl.stderr]) expect(text).not.toContain('pa55word');
    expect(JSON.parse(listed)[0].url).toBe(r.url.replace('://', '://***@'));
  });

  it('token --rotate refuses the old token at once', { timeout: 30_000 }, async () => {
    const r = track(await startRemote());
    const fresh = (await r.server.ok(['token', '--rotate'])).trim();
    expect(fresh).not.toBe(r.token);
    expect((await r.cw(['list'])).code).toBe(7);
    expect((await r.client.cw(['--server', r.url, '--token', fresh, 'list'])).code).toBe(0);
  });

  it('refuses unknown keys in config.toml with a message naming the key', async () => {
    const h = makeHome();
    cleanups.push(() => h.cleanup());
    writeFileSync(join(h.dir, 'config.toml'), '[daemon]\nlisen = "9100"\n');
    const r = await h.cw(['daemon']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("unknown key 'lisen'");
  });
});

describe('remote over wss:// (TLS)', () => {
  let dir: string;
  let cert: string;
  let key: string;
  let otherCert: string;
  beforeAll(() => {
    dir = execFileSync('mktemp', ['-d', '/tmp/cwtls-XXXXXX']).toString().trim();
    const make = (name: string): void => {
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost',
        '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.pem`),
      ], { stdio: 'ignore' });
    };
    make('server');
    make('other');
    cert = join(dir, 'server.pem');
    key = join(dir, 'server.key');
    otherCert = join(dir, 'other.pem');
  });
  afterAll(() => {
    execFileSync('rm', ['-rf', dir]);
  });

  it('works with the right CA, refuses with none or a mismatched one (exit 6), and pins a certificate', { timeout: 60_000 }, async () => {
    const r = track(await startRemote({ tls: { cert, key } }));
    const untrusted = await r.cw(['list']);
    expect(untrusted.code).toBe(6);
    expect(untrusted.stderr).toMatch(/TLS with .* failed/);
    await r.client.ok(['server', 'add', 'good', r.url, '--token', r.token, '--ca', cert]);
    await r.client.ok(['--server', 'good', 'launch', '--name', 'secure', '--', 'echo', 'over-tls']);
    await waitFor(async () => (await r.client.ok(['--server', 'good', 'logs', 'secure'])).includes('over-tls'), 'output over wss');
    // The wrong CA is caught when adding (nothing saved); saved unchecked, it fails when used.
    const badAdd = await r.client.cw(['server', 'add', 'bad', r.url, '--token', r.token, '--ca', otherCert]);
    expect(badAdd.code).toBe(6);
    expect(badAdd.stderr).toMatch(/^cw: server 'bad' not saved: TLS with .* failed/m);
    await r.client.ok(['server', 'add', 'bad', r.url, '--token', r.token, '--ca', otherCert, '--no-check']);
    expect((await r.client.cw(['--server', 'bad', 'list'])).code).toBe(6);
    const pinned = await r.client.cw(['server', 'add', 'pinned', r.url, '--token', r.token, '--pin']);
    expect(pinned.code).toBe(0);
    expect(pinned.stderr).toMatch(/Pinned the certificate .*SHA-256 [0-9A-F:]+/);
    expect((await r.client.cw(['--server', 'pinned', 'list'])).code).toBe(0);
    const wrongFp = await r.client.cw(['server', 'add', 'evil', r.url, '--token', r.token, '--pin', '--fingerprint', 'AA:BB']);
    expect(wrongFp.code).toBe(6);
  });

  it('--ca and --pin (or CODEWIRE_CA, CODEWIRE_PIN) work with an ad hoc --server URL', { timeout: 60_000 }, async () => {
    const r = track(await startRemote({ tls: { cert, key } }));
    const env = { CODEWIRE_TOKEN: r.token };
    const fp = new X509Certificate(readFileSync(cert)).fingerprint256;
    const otherFp = new X509Certificate(readFileSync(otherCert)).fingerprint256;
    const run = (args: string[], extra: NodeJS.ProcessEnv = {}): ReturnType<Home['cw']> => r.client.cw(args, { env: { ...env, ...extra } });
    expect((await run(['--server', r.url, 'list'])).code).toBe(6);
    const withCa = await run(['--server', r.url, '--ca', cert, 'list', '--json']);
    expect(withCa.code, withCa.stderr).toBe(0);
    expect(JSON.parse(withCa.stdout)).toEqual([]);
    expect((await run(['--server', r.url, '--ca', otherCert, 'list'])).code).toBe(6);
    expect((await run(['--server', r.url, '--pin', fp, 'list'])).code).toBe(0);
    // Fingerprints compare however they are written.
    expect((await run(['--server', r.url, '--pin', fp.replace(/:/g, '').toLowerCase(), 'list'])).code).toBe(0);
    const wrongPin = await run(['--server', r.url, '--pin', otherFp, 'list']);
    expect(wrongPin.code).toBe(6);
    expect(wrongPin.stderr.split('\n')[0]).toBe(`cw: the certificate of 127.0.0.1:${new URL(r.url).port} has fingerprint ${fp}, not the pinned one`);
    expect((await run(['--server', r.url, 'list'], { CODEWIRE_CA: cert })).code).toBe(0);
    expect((await run(['--server', r.url, 'list'], { CODEWIRE_PIN: fp })).code).toBe(0);
    expect((await run(['--server', r.url, 'list'], { CODEWIRE_PIN: otherFp })).code).toBe(6);
    // The command line beats the environment.
    expect((await run(['--server', r.url, '--ca', cert, 'list'], { CODEWIRE_PIN: otherFp })).code).toBe(0);
    // Usage: not on ws://, not both, not a fingerprint.
    const onWs = await run(['--server', 'ws://127.0.0.1:9', '--ca', cert, 'list']);
    expect(onWs.code).toBe(2);
    expect(onWs.stderr.split('\n')[0]).toBe('cw: --ca and --pin are for wss:// URLs');
    expect((await run(['--server', r.url, '--ca', cert, '--pin', fp, 'list'])).code).toBe(2);
    const notFp = await run(['--server', r.url, '--pin', 'AA:BB', 'list']);
    expect(notFp.code).toBe(2);
    expect(notFp.stderr.split('\n')[0]).toBe("cw: --pin: 'AA:BB' is not a SHA-256 fingerprint");
    // A saved server keeps its own trust over the environment; --ca for one run overrides it.
    await r.client.ok(['server', 'add', 'good', r.url, '--ca', cert], { env });
    expect((await run(['--server', 'good', 'list'], { CODEWIRE_PIN: otherFp })).code).toBe(0);
    expect((await run(['--server', 'good', '--ca', otherCert, 'list'])).code).toBe(6);
  });
});
