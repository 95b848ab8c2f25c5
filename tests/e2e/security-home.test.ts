// Black-box: issue 14, findings 2, 5 and 8. Each test plays the attack (or the accident) against the built `cw`
// and shows it fails: a squatted socket directory, a socket or home another user owns, planted files and
// symlinks in a home, a peer that does not speak first as a daemon; a removed socket, a corrupt database.
// Tests that need a second Unix user create one (root only) and skip saying so otherwise.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { FrameType, PROTOCOL_VERSION, encodeControl } from '../../src/protocol/index.js';
import { alive, makeHome, waitFor, waitForOutput, type Home } from '../support/harness.js';

const isRoot = process.getuid?.() === 0;
const NEEDS_ROOT = 'needs root to create a second Unix user (useradd): run the suite as root (CI does) to cover this';

const homes: Home[] = [];
const cleanups: (() => void)[] = [];
function home(env: NodeJS.ProcessEnv = {}): Home {
  const h = makeHome(env);
  homes.push(h);
  return h;
}
afterEach(async () => {
  for (const h of homes.splice(0)) await h.cleanup();
  for (const c of cleanups.splice(0).reverse()) c();
});

/** A second Unix user, removed after the file's tests. */
interface OtherUser {
  name: string;
  uid: number;
  gid: number;
}
const users: string[] = [];
afterAll(() => {
  for (const u of users) spawnSync('userdel', [u]);
});
function otherUser(): OtherUser {
  const name = `cwhome${process.pid % 100000}${users.length}`;
  execFileSync('useradd', ['--no-create-home', '--shell', '/bin/sh', name]);
  users.push(name);
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  return { name, uid, gid };
}

/** A listener that records what a client sends it: an attacker's socket, or a fake daemon. */
function recorder(path: string, onConnect?: (c: import('node:net').Socket) => void): Promise<{ server: Server; bytes: () => number; connections: () => number }> {
  let bytes = 0;
  let connections = 0;
  const server = createServer((c) => {
    connections++;
    c.on('data', (d) => (bytes += d.length));
    c.on('error', () => {});
    onConnect?.(c);
  });
  cleanups.push(() => server.close());
  return new Promise((resolve) => server.listen(path, () => resolve({ server, bytes: () => bytes, connections: () => connections })));
}

/** Only `cw: message` and at most a `hint:` line; never a stack trace. */
function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines.length, stderr).toBeLessThanOrEqual(2);
  expect(stderr).not.toMatch(/^\s+at /m);
  if (lines[1]) expect(lines[1]).toMatch(/^hint: /);
  return lines[0]!;
}

/** A home path too long for a Unix socket (the socket then lives outside it). */
function longHome(): { base: string; dir: string } {
  const base = mkdtempSync('/tmp/cwl-');
  const dir = join(base, 'a'.repeat(60), 'b'.repeat(60));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  cleanups.push(() => rmSync(base, { recursive: true, force: true }));
  return { base, dir };
}

function socketName(home: string): string {
  return `cw-${createHash('sha256').update(home).digest('hex').slice(0, 16)}.sock`;
}

describe('finding 2: the socket directory is private and checked before anything is sent', () => {
  it('a squatted predictable /tmp name and an XDG_RUNTIME_DIR another user controls are never used', async (t) => {
    if (!isRoot) return t.skip(NEEDS_ROOT);
    const other = otherUser();
    // A /tmp of our own for the test, so the predictable name is free for the attacker to take first.
    const tmp = mkdtempSync('/tmp/cwsq-');
    chmodSync(tmp, 0o1777);
    cleanups.push(() => rmSync(tmp, { recursive: true, force: true }));
    const { dir } = longHome();
    const squat = join(tmp, `codewire-${process.getuid!()}`);
    const xdg = join(tmp, 'their-runtime');
    // The attacker creates the old fixed directory (and a runtime dir) first, and listens where cw used to connect.
    const script = `
      const fs = require('fs'), net = require('net');
      for (const d of [process.argv[1], process.argv[3]]) { fs.mkdirSync(d); fs.chmodSync(d, 0o777); }
      net.createServer((c) => c.on('data', (d) => process.stdout.write('got ' + d.length + '\\n'))).listen(process.argv[2], () => {
        fs.chmodSync(process.argv[2], 0o777);
        process.stdout.write('listening\\n');
      });`;
    const attacker: ChildProcess = spawn(process.execPath, ['-e', script, squat, join(squat, socketName(dir)), xdg], { uid: other.uid, gid: other.gid, stdio: ['ignore', 'pipe', 'inherit'] });
    cleanups.push(() => attacker.kill('SIGKILL'));
    let heard = '';
    attacker.stdout!.on('data', (d: Buffer) => (heard += d.toString()));
    await waitForOutput(attacker, 'listening');

    const h = home({ CODEWIRE_HOME: dir, TMPDIR: tmp, XDG_RUNTIME_DIR: xdg });
    const id = (await h.ok(['launch', '--env', 'API_KEY=sk-secret-123', '--', 'bash', '-c', 'echo "key=$API_KEY"'])).trim();
    await waitFor(async () => (await h.ok(['logs', id])).includes('key=sk-secret-123'), 'the session output');

    const socketDir = readFileSync(join(dir, 'socket-dir'), 'utf8').trim();
    expect(socketDir).not.toBe(squat);
    expect(socketDir).not.toBe(xdg);
    expect(socketDir.startsWith(`${squat}-`)).toBe(true); // mkdtemp: the fixed prefix plus an unguessable suffix
    const st = lstatSync(socketDir);
    expect(st.isDirectory() && st.uid === process.getuid!() && (st.mode & 0o777) === 0o700).toBe(true);
    expect(statSync(join(socketDir, socketName(dir))).isSocket()).toBe(true);
    expect(heard).not.toContain('got');
  });

  it('uses XDG_RUNTIME_DIR when it is private to the user', async () => {
    const { dir } = longHome();
    const xdg = mkdtempSync('/tmp/cwx-');
    cleanups.push(() => rmSync(xdg, { recursive: true, force: true }));
    const h = home({ CODEWIRE_HOME: dir, XDG_RUNTIME_DIR: xdg });
    await h.ok(['list']);
    expect(readFileSync(join(dir, 'socket-dir'), 'utf8').trim()).toBe(xdg);
    expect(statSync(join(xdg, socketName(dir))).isSocket()).toBe(true);
  });

  it('a socket another user owns gets nothing: no hello, no session token, no launch environment', async (t) => {
    if (!isRoot) return t.skip(NEEDS_ROOT);
    const other = otherUser();
    const h = home();
    const sock = join(h.dir, 'server.sock');
    const rec = await recorder(sock, (c) => c.write(encodeControl(FrameType.HELLO, { protocol: PROTOCOL_VERSION, version: 'x', role: 'daemon', pid: 1 })));
    lchownSync(sock, other.uid, other.gid);
    const r = await h.cw(['launch', '--env', 'API_KEY=sk-secret-123', '--', 'true'], { env: { CW_SESSION_TOKEN: 'session-token-xyz' } });
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toContain(`${sock} belongs to another user (uid ${other.uid})`);
    expect(rec.connections()).toBe(0);
    expect(rec.bytes()).toBe(0);
  });

  it('sends nothing to a peer that does not first say it is a cw daemon', async () => {
    const h = home();
    const rec = await recorder(join(h.dir, 'server.sock'), (c) => c.write(encodeControl(FrameType.HELLO, { protocol: PROTOCOL_VERSION, version: 'x', role: 'impostor', pid: 1 })));
    const r = await h.cw(['launch', '--env', 'API_KEY=sk-secret-123', '--', 'true'], { env: { CW_SESSION_TOKEN: 'session-token-xyz' } });
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toContain('the peer is not a cw daemon');
    expect(rec.connections()).toBe(1);
    expect(rec.bytes()).toBe(0);
  });

  it('says nothing before the daemon has said hello', async () => {
    const h = home();
    let helloSent = false;
    let bytesBeforeHello = 0;
    let bytesAfterHello = 0;
    await recorder(join(h.dir, 'server.sock'), (c) => {
      c.on('data', (d) => (helloSent ? (bytesAfterHello += d.length) : (bytesBeforeHello += d.length)));
      // The fake daemon takes its time to speak; the client must wait for it (it never answers the request).
      const timer = setTimeout(() => {
        helloSent = true;
        c.write(encodeControl(FrameType.HELLO, { protocol: PROTOCOL_VERSION, version: 'x', role: 'daemon', pid: 1 }));
      }, 300);
      c.on('close', () => clearTimeout(timer));
    });
    const child = h.spawn(['list']);
    await waitFor(() => bytesAfterHello > 0, 'the client hello after the daemon hello');
    child.kill('SIGKILL');
    expect(bytesBeforeHello).toBe(0);
  });
});

describe('finding 5: a home that is not ours alone is refused, and its files are never followed', () => {
  it('a home owned by another user: one line, no daemon, nothing read or sent', async (t) => {
    if (!isRoot) return t.skip(NEEDS_ROOT);
    const other = otherUser();
    const dir = mkdtempSync('/tmp/cwo-');
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'token'), 'planted-token\n', { mode: 0o600 });
    execFileSync('chown', ['-R', `${other.uid}:${other.gid}`, dir]);
    const h = home({ CODEWIRE_HOME: dir });
    for (const args of [['list'], ['launch', '--env', 'API_KEY=x', '--', 'true'], ['token'], ['stop']]) {
      const r = await h.cw(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(oneLine(r.stderr)).toContain(`${dir} belongs to another user (uid ${other.uid})`);
      expect(r.stdout).not.toContain('planted-token');
    }
    expect(readdirSync(dir)).toEqual(['token']); // no daemon.log, socket or database made in it
  });

  it('a home others can write to, with a planted token and config.toml: refused, nothing used', async () => {
    const h = home();
    writeFileSync(join(h.dir, 'token'), 'planted-token\n', { mode: 0o644 });
    writeFileSync(join(h.dir, 'config.toml'), '[daemon]\nlisten = "0.0.0.0:47999"\n');
    chmodSync(h.dir, 0o777);
    const r = await h.cw(['list']);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toContain(`${h.dir} is writable by other users (mode 0777)`);
    expect(existsSync(join(h.dir, 'daemon.pid'))).toBe(false);
    const d = await h.cw(['daemon']);
    expect(d.code).toBe(1);
    expect(d.stderr).toContain('is writable by other users');
    chmodSync(h.dir, 0o700);
  });

  it('a file another user planted in the home is refused', async (t) => {
    if (!isRoot) return t.skip(NEEDS_ROOT);
    const other = otherUser();
    const h = home();
    writeFileSync(join(h.dir, 'token'), 'planted-token\n', { mode: 0o600 });
    lchownSync(join(h.dir, 'token'), other.uid, other.gid);
    const r = await h.cw(['token']);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toContain(`${join(h.dir, 'token')} belongs to another user`);
    expect(r.stdout).not.toContain('planted-token');
  });

  it('symlinks named daemon.log or sessions are refused, their targets untouched', async () => {
    for (const name of ['daemon.log', 'sessions', 'token', 'config.toml']) {
      const h = home();
      const target = mkdtempSync('/tmp/cwtarget-');
      cleanups.push(() => rmSync(target, { recursive: true, force: true }));
      const victim = join(target, 'victim');
      writeFileSync(victim, '', { mode: 0o640 });
      symlinkSync(name === 'sessions' ? target : victim, join(h.dir, name));
      const r = await h.cw(['list']);
      expect(r.code, name).toBe(1);
      expect(oneLine(r.stderr)).toContain(`${join(h.dir, name)} is a symbolic link`);
      expect(readFileSync(victim, 'utf8')).toBe('');
      expect(statSync(target).mode & 0o777).toBe(0o700); // mkdtemp's mode: not chmodded through the link
      expect(statSync(victim).mode & 0o777).toBe(0o640);
      expect(readdirSync(target)).toEqual(['victim']);
    }
  });

  it('the daemon never writes its log through a symlink put there while it runs', async () => {
    const h = home();
    await h.ok(['start']);
    const targetDir = mkdtempSync('/tmp/cwtarget-');
    cleanups.push(() => rmSync(targetDir, { recursive: true, force: true }));
    const target = join(targetDir, 'victim');
    writeFileSync(target, '');
    unlinkSync(join(h.dir, 'daemon.log'));
    symlinkSync(target, join(h.dir, 'daemon.log'));
    // Make the daemon log a line: remove its socket and signal it; it logs that it listens again.
    unlinkSync(join(h.dir, 'server.sock'));
    process.kill(h.daemonPid()!, 'SIGUSR1');
    await waitFor(() => existsSync(join(h.dir, 'server.sock')), 'the daemon to listen again');
    expect(readFileSync(target, 'utf8')).toBe('');
    // The client refuses the home while the link is there.
    const r = await h.cw(['list']);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toContain('daemon.log is a symbolic link');
    unlinkSync(join(h.dir, 'daemon.log'));
  });

  it('creates every file 0600 and every directory 0700', async () => {
    const h = home();
    const id = (await h.ok(['launch', '--', 'bash', '-c', 'echo hi'])).trim();
    await waitFor(async () => (await h.ok(['logs', id])).includes('hi'), 'output');
    await h.ok(['token']);
    const walk = (d: string): string[] => readdirSync(d).flatMap((n) => {
      const p = join(d, n);
      return lstatSync(p).isDirectory() ? [p, ...walk(p)] : [p];
    });
    for (const p of walk(h.dir)) {
      const st = lstatSync(p);
      expect(`${p} ${(st.mode & 0o777).toString(8)}`).toBe(`${p} ${st.isDirectory() ? '700' : '600'}`);
    }
  });
});

describe('finding 8: a removed socket does not orphan the daemon; a failed start says why at once', () => {
  it('a command after the socket was removed reaches the same daemon at once (SIGUSR1 makes it listen again)', async () => {
    const h = home();
    const id = (await h.ok(['launch', '--name', 'keep', '--', 'sleep', '300'])).trim();
    const pid = h.daemonPid();
    unlinkSync(join(h.dir, 'server.sock'));
    const t0 = Date.now();
    const list = await h.json<{ id: number }[]>(['list']);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(list.map((s) => String(s.id))).toContain(id);
    expect(h.daemonPid()).toBe(pid);
    expect(readFileSync(join(h.dir, 'daemon.log'), 'utf8')).toMatch(/listening on .* again/);
  });

  it('the daemon notices by itself that its socket is gone and listens again', async () => {
    const h = home();
    await h.ok(['start']);
    unlinkSync(join(h.dir, 'server.sock'));
    await waitFor(() => existsSync(join(h.dir, 'server.sock')), 'the periodic socket check', 10_000);
    expect(lstatSync(join(h.dir, 'server.sock')).mode & 0o777).toBe(0o600);
  });

  it('a daemon that cannot listen again is reported at once, and `cw stop` stops it', async () => {
    const { dir } = longHome();
    const tmp = mkdtempSync('/tmp/cwsq-');
    const h = home({ CODEWIRE_HOME: dir, TMPDIR: tmp, XDG_RUNTIME_DIR: '' });
    await h.ok(['launch', '--', 'sleep', '300']);
    const pid = h.daemonPid()!;
    // Its whole /tmp is gone (a cleaner): no socket, and nowhere to make a new one.
    rmSync(tmp, { recursive: true, force: true });
    const t0 = Date.now();
    const r = await h.cw(['list']);
    expect(Date.now() - t0).toBeLessThan(8_000);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toContain(`the daemon (pid ${pid}) is running but its socket`);
    const s = await h.cw(['stop']);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout + s.stderr).toContain(`Daemon stopped (pid ${pid}); its socket was gone`);
    expect(alive(pid)).toBe(false);
  });

  it('a corrupt database: the daemon\'s own error line at once, not a 15 s wait', async () => {
    const h = home();
    writeFileSync(join(h.dir, 'state.db'), 'this is not a database, it is a planted text file with some length\n'.repeat(20), { mode: 0o600 });
    const t0 = Date.now();
    const r = await h.cw(['list']);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toContain(`the daemon could not start: cannot open the state database ${join(h.dir, 'state.db')}: file is not a database`);
  });
});
