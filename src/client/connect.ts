// Reaching the daemon: check that its home and socket are ours, connect, starting it first when none is running.
// Nothing is sent before those checks (the hello carries a session token, a launch the whole environment), and the
// channel itself waits for the daemon's hello before it says anything (channel.ts).
import { VERSION } from '../common/version.js';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { APPEND_NOFOLLOW, checkHome, checkSocket, codewireHome, daemonLockName, readPrivateFile, resolvePaths, type Paths } from '../common/paths.js';
import { Channel } from '../channel/channel.js';
import { ClientError } from '../channel/errors.js';
import { childProcess } from '../common/builtins.js';
import { DAEMON_POLL_MS, DAEMON_START_TIMEOUT_MS, LOCK_PROBE_TIMEOUT_MS, SOCKET_RECREATE_TIMEOUT_MS, START_ERROR_MAX_BYTES } from '../common/limits.js';

function connectOnce(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect(path);
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

function isNoDaemon(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ECONNREFUSED';
}

/** A daemon for this home holds the lock: its pid (null when it does not say). Null when nobody holds it. */
function lockHolder(home: string): Promise<{ pid: number | null } | null> {
  return new Promise((resolve) => {
    const s = netConnect(daemonLockName(home));
    let text = '';
    const done = (v: { pid: number | null } | null): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done({ pid: null }), LOCK_PROBE_TIMEOUT_MS);
    s.setEncoding('utf8');
    s.on('data', (d: string) => (text += d));
    s.on('end', () => {
      const pid = Number(text.trim());
      done({ pid: Number.isInteger(pid) && pid > 0 ? pid : null });
    });
    s.on('error', () => done(null));
  });
}

export function pidFromFile(paths: Paths): number | null {
  const n = Number(readPrivateFile(paths.pidFile)?.trim());
  return Number.isInteger(n) && n > 0 ? n : null;
}

/** Connects when a socket is there and is ours; null when no daemon listens. Re-reads the paths: a fallback socket's place is recorded by the daemon. */
async function tryConnect(home: string): Promise<{ socket: Socket; paths: Paths } | null> {
  const paths = resolvePaths(home);
  if (checkSocket(paths) === 'absent') return null;
  try {
    return { socket: await connectOnce(paths.socket), paths };
  } catch (err) {
    if (isNoDaemon(err)) return null;
    throw new ClientError(`cannot reach the daemon at ${paths.socket}: ${(err as Error).message}`);
  }
}

/** A daemon this command started; its exit (a lost start race exits 0) and where its output begins in daemon.log. */
interface Started {
  exitCode: number | null;
  logOffset: number;
}

/** Starts `cw daemon` detached, its output going to daemon.log. Several racing starters are fine: one wins the lock. */
export function spawnDaemon(paths: Paths): Started {
  checkHome(paths.home, { create: true });
  const out = openSync(paths.daemonLog, APPEND_NOFOLLOW, 0o600);
  try {
    const started: Started = { exitCode: null, logOffset: fstatSync(out).size };
    const cli = fileURLToPath(new URL('./cw.js', import.meta.url));
    const child = childProcess().spawn(process.execPath, [cli, 'daemon', '--autostarted'], {
      detached: true,
      stdio: ['ignore', out, out],
      cwd: '/',
      // The daemon finds its home as every cw does; a home given explicitly (connectLocal's) goes along.
      env: paths.home === codewireHome() ? process.env : { ...process.env, CODEWIRE_HOME: paths.home },
    });
    child.on('exit', (code, signal) => (started.exitCode = code ?? (signal ? 128 : 1)));
    // A failed spawn shows as an exit, so the wait below reports it at once.
    child.on('error', () => (started.exitCode = 127));
    child.unref();
    return started;
  } finally {
    closeSync(out);
  }
}

/** The line that says why a daemon we started exited: its own `cw daemon: ...` line, else an error's first line. */
function startError(paths: Paths, from: number): string | null {
  let text = '';
  try {
    const fd = openSync(paths.daemonLog, 'r');
    try {
      const buf = Buffer.alloc(START_ERROR_MAX_BYTES);
      text = buf.subarray(0, readSync(fd, buf, 0, buf.length, from)).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return null; // no log to read: the caller says where to look
  }
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const own = lines.find((l) => l.startsWith('cw daemon:') || l.startsWith('cw:'));
  if (own) return own.replace(/^cw( daemon)?:\s*/, '');
  const logged = lines.find((l) => / error /.test(l));
  if (logged) return logged.replace(/^\S+ error /, '');
  return lines.find((l) => /^\w*Error\b/.test(l)) ?? lines.at(-1) ?? null;
}

/** The daemon holds the lock and wrote daemon.pid (so it had listened), but its socket is gone: ask it to listen again. */
async function revive(home: string, pid: number): Promise<{ socket: Socket; paths: Paths } | null> {
  try {
    process.kill(pid, 'SIGUSR1');
  } catch {
    return null; // gone meanwhile, or not ours: the caller reports it
  }
  const deadline = Date.now() + SOCKET_RECREATE_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const c = await tryConnect(home);
    if (c) return c;
    await new Promise((r) => setTimeout(r, DAEMON_POLL_MS));
  }
  return null;
}

/** Thrown when a daemon runs for this home but cannot be reached: `cw stop` stops it by its pid (tell it by code `orphaned`). */
export class OrphanedDaemonError extends ClientError {
  constructor(
    readonly pid: number,
    socket: string,
  ) {
    super(`the daemon (pid ${pid}) is running but its socket ${socket || '(none)'} is gone and it did not recreate it`, '`cw stop` stops it', 1, 'orphaned');
  }
}

/** A channel to this machine's daemon for `home` (default: CODEWIRE_HOME or ~/.codewire), started first unless `autostart` is false. */
export async function connectLocal(opts: { autostart?: boolean; home?: string } = {}): Promise<{ channel: Channel; socket: Socket; started: boolean }> {
  const home = opts.home ?? resolvePaths().home;
  // Another user's home, or one others can write to, is refused before any byte is sent.
  checkHome(home, { create: false });
  let conn = await tryConnect(home);
  let started: Started | null = null;
  if (!conn) {
    const deadline = Date.now() + DAEMON_START_TIMEOUT_MS;
    let revived = false;
    for (;;) {
      const paths = resolvePaths(home);
      if (started?.exitCode) {
        const why = startError(paths, started.logOffset);
        throw new ClientError(`the daemon could not start${why ? `: ${why}` : ` (exit ${started.exitCode})`}`, `see ${paths.daemonLog}`);
      }
      const holder = await lockHolder(home);
      if (holder) {
        // A daemon is running or starting. One that wrote daemon.pid had listened: its socket was removed.
        const pid = holder.pid;
        if (pid !== null && pid === pidFromFile(paths) && !revived) {
          revived = true;
          conn = await revive(home, pid);
          if (conn) break;
          throw new OrphanedDaemonError(pid, paths.socket);
        }
      } else if (opts.autostart === false) {
        throw new ClientError('no daemon is running', 'start one with `cw start` (any command starts it too)');
      } else if (!started || started.exitCode !== null) {
        // None yet, or the one we started lost a race to a daemon that has since gone: start one.
        started = spawnDaemon(paths);
      }
      conn = await tryConnect(home);
      if (conn) break;
      if (Date.now() > deadline) {
        throw new ClientError(
          holder
            ? `a daemon${holder.pid ? ` (pid ${holder.pid})` : ''} holds the lock for ${home} but did not open its socket within ${DAEMON_START_TIMEOUT_MS / 1000}s`
            : `the daemon did not start within ${DAEMON_START_TIMEOUT_MS / 1000}s`,
          `see ${paths.daemonLog}`,
        );
      }
      await new Promise((r) => setTimeout(r, DAEMON_POLL_MS));
    }
  }
  const s = conn.socket;
  const channel = new Channel({
    write: (b) => {
      if (!s.destroyed) s.write(b);
    },
    end: () => s.end(),
    unref: () => s.unref(),
    ref: () => s.ref(),
  });
  s.on('data', (d) => channel.receive(d));
  s.on('close', () => channel.closed());
  s.on('error', (e) => channel.closed(new ClientError(`connection to the daemon failed: ${e.message}`)));
  channel.hello.then((h) => warnOtherVersion(h.version), () => {});
  return { channel, socket: s, started: started !== null };
}

let warnedVersion = false;

/**
 * A daemon of another version (cw was upgraded while it ran) works as long as the protocol matches, but runs the
 * old code: said once per command, on stderr, with the way to move it without losing a session.
 */
function warnOtherVersion(daemonVersion: string): void {
  if (warnedVersion || daemonVersion === VERSION) return;
  warnedVersion = true;
  process.stderr.write(`cw: the daemon runs cw ${daemonVersion}, this is cw ${VERSION}: \`cw daemon restart\` moves it to ${VERSION} and keeps every session\n`);
}
