// Security of the dashboard's login and of the listener's token (issue 14, findings 1, 9 and 10's CSP):
// - `cw ui` never puts the login code on a command line: the browser opener gets a private file's path, and
//   another local user reading every process's argv (ps) finds no code; the link on stdout still works;
// - `--token` on the command line is warned about (it is readable by every local user);
// - the listener's token (CODEWIRE_TOKEN) is not in the environment of sessions, launched remotely or locally;
// - the Content-Security-Policy is built from the listener's configuration, never from the request's Host.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { alive, freePort, makeHome, waitFor, type Home } from '../support/harness.js';

const CHROMIUM = '/usr/bin/chromium';
const isRoot = process.getuid?.() === 0;

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const u = new URL(url);
  const req = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const r = req(url, { headers, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    r.on('error', reject);
    r.end();
  });
}

const cookieOf = (a: Answer): string => String((a.headers['set-cookie'] as string[] | undefined)?.[0] ?? '').split(';')[0]!;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A directory of fake desktop programs: an `xdg-open` that records its argv and stays alive like a browser. */
function fakeDesktop(browserDesktop: string | null): { bin: string; argvFile: string; pidFile: string; env: NodeJS.ProcessEnv } {
  const bin = mkdtempSync('/tmp/cwsec-bin-');
  chmodSync(bin, 0o755);
  const argvFile = join(bin, 'argv');
  const pidFile = join(bin, 'pid');
  // Not `exec sleep`: the shell keeps the argv it was started with, as a browser would, for `ps` to show.
  writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\necho $$ > "${pidFile}"\nprintf '%s\\n' "$@" > "${argvFile}.tmp" && mv "${argvFile}.tmp" "${argvFile}"\nsleep 60\n`, { mode: 0o755 });
  writeFileSync(join(bin, 'xdg-settings'), browserDesktop ? `#!/bin/sh\necho ${browserDesktop}\n` : '#!/bin/sh\nexit 1\n', { mode: 0o755 });
  cleanups.push(() => {
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : 0;
    if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(bin, { recursive: true, force: true });
  });
  return { bin, argvFile, pidFile, env: { PATH: `${bin}:${process.env.PATH}`, DISPLAY: ':99', WAYLAND_DISPLAY: '' } };
}

/** A second Unix user for the attacker's side (root only); removed by the returned function. */
function makeOtherUser(): { name: string; remove: () => void } {
  const name = `cwsec${process.pid % 100000}${Math.floor(Math.random() * 1000)}`;
  execFileSync('useradd', ['--no-create-home', '--shell', '/bin/sh', name]);
  return { name, remove: () => spawnSync('userdel', [name]) };
}

describe('finding 1: the dashboard login code is never on a command line', () => {
  let h: Home;
  beforeAll(async () => {
    h = makeHome();
    await h.ok(['start']);
  }, 30_000);
  afterAll(async () => {
    await h?.cleanup();
  });

  it('cw ui opens the browser on a private file, not on the link; the link on stdout still works', { timeout: 30_000 }, async () => {
    const d = fakeDesktop(null);
    const r = await h.cw(['ui'], { env: d.env });
    expect(r.code, r.stderr).toBe(0);
    const link = r.stdout.trim();
    const code = new URL(link).searchParams.get('code')!;
    expect(code.length).toBeGreaterThan(20);
    await waitFor(() => existsSync(d.argvFile), 'the browser opener to run');
    const argv = readFileSync(d.argvFile, 'utf8').trim().split('\n');
    // The attack: the opener's (and so the browser's) command line held the code.
    expect(argv.join(' ')).not.toContain(code);
    expect(argv).toHaveLength(1);
    expect(argv[0]).toMatch(/^file:\/\//);
    const page = fileURLToPath(argv[0]!);
    expect(page).toBe(join(h.dir, 'ui', 'login.html'));
    const st = statSync(page);
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.uid).toBe(process.getuid!());
    expect(statSync(join(h.dir, 'ui')).mode & 0o777).toBe(0o700);
    // The page sends the browser on to the very link printed on stdout.
    expect(readFileSync(page, 'utf8')).toContain(`content="0;url=${link}"`);

    // The link on stdout (the user's own) works, once.
    const login = await get(link);
    expect(login.status).toBe(200);
    expect(cookieOf(login)).toMatch(/^cw_session_\d+=/);
    expect((await get(link)).status).toBe(401);
  });

  it('another local user reading every command line (ps) finds no login code', { timeout: 30_000 }, async (t) => {
    if (!isRoot) {
      t.skip(); // needs root to create a second Unix user: run the suite as root (CI does) to cover this
      return;
    }
    const other = makeOtherUser();
    cleanups.push(other.remove);
    const d = fakeDesktop(null);
    const r = await h.cw(['ui'], { env: d.env });
    expect(r.code, r.stderr).toBe(0);
    const code = new URL(r.stdout.trim()).searchParams.get('code')!;
    await waitFor(() => existsSync(d.argvFile), 'the browser opener to run');
    const ps = execFileSync('runuser', ['-u', other.name, '--', 'ps', '-eo', 'args'], { encoding: 'utf8' });
    expect(ps).toContain('xdg-open'); // the opener is visible to the other user...
    expect(ps).not.toContain(code); // ...but holds no code
    // Nor can that user read the page the browser was sent to.
    const read = spawnSync('runuser', ['-u', other.name, '--', 'cat', join(h.dir, 'ui', 'login.html')], { encoding: 'utf8' });
    expect(read.status).not.toBe(0);
    expect(read.stdout).not.toContain(code);
  });

  it('a real browser opened on the file logs in to the dashboard', { timeout: 60_000 }, async (t) => {
    if (!existsSync(CHROMIUM)) {
      t.skip(); // the dashboard tests install chromium (.ci/run); without it the file's redirect is checked above only
      return;
    }
    const d = fakeDesktop(null);
    const r = await h.cw(['ui', '--json'], { env: d.env });
    expect(r.code, r.stderr).toBe(0);
    const ui = JSON.parse(r.stdout) as { url: string };
    await waitFor(() => existsSync(d.argvFile), 'the browser opener to run');
    const fileUrl = readFileSync(d.argvFile, 'utf8').trim();
    const profile = mkdtempSync('/tmp/cwsec-chromium-');
    const ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    cleanups.push(async () => {
      await ctx.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    });
    const tab = ctx.pages()[0] ?? (await ctx.newPage());
    await tab.goto(fileUrl);
    await tab.waitForURL(ui.url, { timeout: 15_000 });
    await tab.waitForSelector('.conn[data-state="live"]', { timeout: 15_000 });
    expect((await ctx.cookies()).some((c) => c.name.startsWith('cw_session_'))).toBe(true);
  });

  it('for a snap browser (which cannot read hidden directories) the page goes in its ~/snap/NAME/common', { timeout: 30_000 }, async () => {
    const fakeHome = mkdtempSync('/tmp/cwsec-home-');
    cleanups.push(() => rmSync(fakeHome, { recursive: true, force: true }));
    mkdirSync(join(fakeHome, 'snap', 'firefox', 'common'), { recursive: true });
    const d = fakeDesktop('firefox_firefox.desktop');
    const r = await h.cw(['ui'], { env: { ...d.env, HOME: fakeHome } });
    expect(r.code, r.stderr).toBe(0);
    await waitFor(() => existsSync(d.argvFile), 'the browser opener to run');
    const page = fileURLToPath(readFileSync(d.argvFile, 'utf8').trim());
    expect(page).toBe(join(fakeHome, 'snap', 'firefox', 'common', 'codewire-ui', 'login.html'));
    expect(statSync(page).mode & 0o777).toBe(0o600);
    expect(statSync(join(fakeHome, 'snap', 'firefox', 'common', 'codewire-ui')).mode & 0o777).toBe(0o700);
    expect(readFileSync(page, 'utf8')).toContain(r.stdout.trim());
  });

  it('--token on the command line is warned about, once; CODEWIRE_TOKEN is not', { timeout: 30_000 }, async () => {
    const port = await freePort(); // nothing listens: the command fails, the warning comes first
    const warn = 'visible to every local user';
    const inArgv = await h.cw(['--server', `ws://127.0.0.1:${port}`, '--token', 'sekrit', 'list']);
    expect(inArgv.stderr.split(warn).length - 1).toBe(1);
    const inEnv = await h.cw(['--server', `ws://127.0.0.1:${port}`, 'list'], { env: { CODEWIRE_TOKEN: 'sekrit' } });
    expect(inEnv.stderr).not.toContain(warn);
    const saved = await h.cw(['server', 'add', 'box', `ws://127.0.0.1:${port}`, '--token', 'sekrit', '--no-check']);
    expect(saved.code, saved.stderr).toBe(0);
    expect(saved.stderr).toContain(warn);
  });
});

describe('finding 9: the listener token does not leak into sessions', () => {
  it('a session launched remotely or locally has no CODEWIRE_TOKEN, keeps CW_ settings, and --env still passes one', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const token = 'listener-token-0123456789abcdef';
    // The daemon is started with the listener's token in its environment (as CODEWIRE_TOKEN pins it).
    const h = makeHome({ CODEWIRE_TOKEN: token, CW_MY_SETTING: 'kept' });
    cleanups.push(() => h.cleanup());
    writeFileSync(join(h.dir, 'config.toml'), `[daemon]\nlisten = "127.0.0.1:${port}"\n`);
    await h.ok(['start']);
    await waitFor(() => readFileSync(join(h.dir, 'daemon.log'), 'utf8').includes('listening for remote clients'), 'the listener');
    const show = ['sh', '-c', 'echo "tok=${CODEWIRE_TOKEN-none} mine=${CW_MY_SETTING-none}"; exec sleep 60'];
    const remote = (await h.ok(['--server', `ws://127.0.0.1:${port}`, 'launch', '--name', 'remote', '--', ...show])).trim();
    const local = (await h.ok(['launch', '--name', 'local', '--', ...show])).trim();
    const given = (await h.ok(['launch', '--name', 'given', '--env', 'CODEWIRE_TOKEN=on-purpose', '--', ...show])).trim();
    for (const s of [remote, local]) {
      await waitFor(async () => (await h.ok(['logs', s])).includes('tok='), `session ${s}'s output`);
      const out = await h.ok(['logs', s]);
      expect(out).toContain('tok=none mine=kept');
      expect(out).not.toContain(token);
    }
    await waitFor(async () => (await h.ok(['logs', given])).includes('tok=on-purpose'), 'the --env token');
  });
});

describe('finding 10: the Content-Security-Policy never reflects the Host header', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync('/tmp/cwsec-tls-');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a TLS listener off loopback (any Host accepted) builds its policy from its own address', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const h = makeHome();
    cleanups.push(() => h.cleanup());
    writeFileSync(join(h.dir, 'config.toml'), `[daemon]\nlisten = "0.0.0.0:${port}"\ntls_cert = "${join(dir, 'cert.pem')}"\ntls_key = "${join(dir, 'key.pem')}"\n`);
    await h.ok(['start']);
    await waitFor(() => readFileSync(join(h.dir, 'daemon.log'), 'utf8').includes('listening for remote clients'), 'the listener');
    const ui = JSON.parse(await h.ok(['ui', '--json', '--no-open'])) as { login: string };
    const code = new URL(ui.login).searchParams.get('code')!;
    const base = `https://127.0.0.1:${port}`;
    const login = await get(`${base}/login?code=${code}`);
    expect(login.status).toBe(200);
    const cookie = cookieOf(login);
    // The attack: a Host that writes its own directives ahead of the real ones (the first of a name wins).
    const evil = await get(`${base}/`, { Cookie: cookie, Host: "evil.example; script-src * 'unsafe-inline'" });
    expect(evil.status).toBe(200);
    const csp = String(evil.headers['content-security-policy']);
    expect(csp).not.toContain('evil');
    expect(csp.match(/script-src/g)).toHaveLength(1);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toMatch(new RegExp(`connect-src 'self' wss://[^ ;]+:${port}[;]`));
  });

  it('a loopback listener allows exactly its loopback names', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const h = makeHome();
    cleanups.push(() => h.cleanup());
    writeFileSync(join(h.dir, 'config.toml'), `[daemon]\nlisten = "127.0.0.1:${port}"\n`);
    await h.ok(['start']);
    const ui = JSON.parse(await h.ok(['ui', '--json', '--no-open'])) as { url: string; login: string };
    const cookie = cookieOf(await get(ui.login));
    const page = await get(ui.url, { Cookie: cookie, Host: `localhost:${port}` });
    expect(page.status).toBe(200);
    const connect = /connect-src ([^;]+);/.exec(String(page.headers['content-security-policy']))![1]!;
    expect(connect.split(' ').sort()).toEqual(["'self'", `ws://127.0.0.1:${port}`, `ws://[::1]:${port}`, `ws://localhost:${port}`].sort());
  });
});
