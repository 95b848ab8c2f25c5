// Reaching the daemon: connect to its socket, starting it first when none is running.
import { openSync, closeSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ensurePrivateDir, resolvePaths, type Paths } from '../common/paths.js';
import { Channel } from './channel.js';
import { ClientError } from './errors.js';
import { childProcess } from '../common/builtins.js';

/** How long a command waits for a daemon it started to accept connections (a cold start on a loaded CI box). */
const DAEMON_START_TIMEOUT_MS = 15_000;
/** Between connection attempts while the daemon starts. */
const DAEMON_POLL_MS = 20;

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

/** Starts `cw daemon` detached, its output going to daemon.log. Several racing starters are fine: one wins the lock. */
export function spawnDaemon(paths: Paths): void {
  ensurePrivateDir(paths.home);
  const out = openSync(paths.daemonLog, 'a', 0o600);
  try {
    const cli = fileURLToPath(new URL('./cw.js', import.meta.url));
    const child = childProcess().spawn(process.execPath, [cli, 'daemon', '--autostarted'], {
      detached: true,
      stdio: ['ignore', out, out],
      cwd: '/',
      env: process.env,
    });
    child.unref();
  } finally {
    closeSync(out);
  }
}

export async function connectLocal(opts: { autostart: boolean } = { autostart: true }): Promise<{ channel: Channel; socket: Socket; started: boolean }> {
  const paths = resolvePaths();
  let socket: Socket;
  let started = false;
  try {
    socket = await connectOnce(paths.socket);
  } catch (err) {
    if (!isNoDaemon(err)) throw new ClientError(`cannot reach the daemon at ${paths.socket}: ${(err as Error).message}`);
    if (!opts.autostart) throw new ClientError('no daemon is running', 'start one with `cw start` (any command starts it too)');
    spawnDaemon(paths);
    started = true;
    const deadline = Date.now() + DAEMON_START_TIMEOUT_MS;
    for (;;) {
      try {
        socket = await connectOnce(paths.socket);
        break;
      } catch (e) {
        if (!isNoDaemon(e)) throw new ClientError(`cannot reach the daemon at ${paths.socket}: ${(e as Error).message}`);
        if (Date.now() > deadline) {
          throw new ClientError(
            `the daemon did not start within ${DAEMON_START_TIMEOUT_MS / 1000}s`,
            `see ${paths.daemonLog}`,
          );
        }
        await new Promise((r) => setTimeout(r, DAEMON_POLL_MS));
      }
    }
  }
  const s = socket;
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
  return { channel, socket: s, started };
}
