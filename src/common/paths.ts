// Where the daemon keeps its files. Both the daemon and the CLI compute these the same way.
import { mkdirSync, chmodSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { crypto } from './builtins.js';

/** Linux sun_path is 108 bytes including the NUL; macOS 104. Stay under the smaller. */
export const SOCKET_PATH_MAX_BYTES = 103;

export interface Paths {
  home: string;
  socket: string;
  /** True when the socket lives under the runtime dir because home's path was too long. */
  socketFallback: boolean;
  pidFile: string;
  daemonLog: string;
  db: string;
  sessionsDir: string;
}

export function codewireHome(): string {
  const env = process.env.CODEWIRE_HOME;
  return resolve(env && env.length > 0 ? env : join(homedir(), '.codewire'));
}

export function resolvePaths(home = codewireHome()): Paths {
  let socket = join(home, 'server.sock');
  let socketFallback = false;
  if (Buffer.byteLength(socket) > SOCKET_PATH_MAX_BYTES) {
    const hash = crypto().createHash('sha256').update(home).digest('hex').slice(0, 16);
    const uid = process.getuid?.() ?? 0;
    const runtime = process.env.XDG_RUNTIME_DIR || join(tmpdir(), `codewire-${uid}`);
    socket = join(runtime, `cw-${hash}.sock`);
    socketFallback = true;
  }
  return {
    home,
    socket,
    socketFallback,
    pidFile: join(home, 'daemon.pid'),
    daemonLog: join(home, 'daemon.log'),
    db: join(home, 'state.db'),
    sessionsDir: join(home, 'sessions'),
  };
}

export function sessionDir(paths: Paths, id: number): string {
  return join(paths.sessionsDir, String(id));
}

/** Creates a directory private to this user (0700), fixing the mode of an existing one. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = statSync(dir);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) {
    throw new Error(`${dir} belongs to another user (uid ${st.uid}); set CODEWIRE_HOME to a directory you own`);
  }
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/** Name of the Linux abstract socket that serves as the one-daemon lock for a home (released by the kernel on any exit). */
export function daemonLockName(home: string): string {
  const hash = crypto().createHash('sha256').update(home).digest('hex').slice(0, 24);
  return `\0codewire-${process.getuid?.() ?? 0}-${hash}`;
}
