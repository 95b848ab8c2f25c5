// Where the daemon keeps its files, and the checks that make them trustworthy. Both the daemon and the CLI
// compute these the same way. The home and the socket's directory must be this user's alone: anything another
// user could have put there first (a token, a config.toml with a listen address, a symlink named daemon.log or
// sessions, a socket that collects our requests) is refused, never used (issue 14, findings 2 and 5).
import { constants, closeSync, fstatSync, lstatSync, mkdirSync, mkdtempSync, chmodSync, openSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { crypto } from './builtins.js';

/** Linux sun_path is 108 bytes including the NUL; macOS 104. Stay under the smaller. */
export const SOCKET_PATH_MAX_BYTES = 103;

/** Open flags that refuse a symlink at the last component (ELOOP) instead of following it. */
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

export interface Paths {
  home: string;
  socket: string;
  /** True when the socket lives outside the home because home's path was too long. */
  socketFallback: boolean;
  /** Names the directory that holds the fallback socket (written by the daemon; the home is trusted, /tmp is not). */
  socketDirFile: string;
  pidFile: string;
  daemonLog: string;
  db: string;
  sessionsDir: string;
}

/**
 * An unsafe home, socket or file: one line saying what is wrong, and a hint. It carries the CLI's ClientError
 * mark (src/client/errors.ts) so the CLI prints it as such (exit 1), not as a stack trace; common/ cannot import
 * client/.
 */
const CLIENT_ERROR: unique symbol = Symbol.for('codewire.ClientError') as never;

export class UnsafePathError extends Error {
  readonly [CLIENT_ERROR] = true;
  readonly exitCode = 1;
  readonly code = 'unsafe_path';
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'UnsafePathError';
  }
}

/** The home when CODEWIRE_HOME is not set: ~/.codewire. */
export function defaultCodewireHome(): string {
  return resolve(join(homedir(), '.codewire'));
}

export function codewireHome(): string {
  const env = process.env.CODEWIRE_HOME;
  return env && env.length > 0 ? resolve(env) : defaultCodewireHome();
}

function myUid(): number | undefined {
  return process.getuid?.();
}

function socketName(home: string): string {
  return `cw-${crypto().createHash('sha256').update(home).digest('hex').slice(0, 16)}.sock`;
}

export function resolvePaths(home = codewireHome()): Paths {
  const socketDirFile = join(home, 'socket-dir');
  let socket = join(home, 'server.sock');
  let socketFallback = false;
  if (Buffer.byteLength(socket) > SOCKET_PATH_MAX_BYTES) {
    socketFallback = true;
    // The daemon records where it made its socket; no record: no daemon yet ('' is never connected to).
    const dir = readPrivateFile(socketDirFile)?.trim();
    socket = dir ? join(dir, socketName(home)) : '';
  }
  return {
    home,
    socket,
    socketFallback,
    socketDirFile,
    pidFile: join(home, 'daemon.pid'),
    daemonLog: join(home, 'daemon.log'),
    db: join(home, 'state.db'),
    sessionsDir: join(home, 'sessions'),
  };
}

export function sessionDir(paths: Paths, id: number): string {
  return join(paths.sessionsDir, String(id));
}

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UnsafePathError(`cannot check ${path}: ${(err as Error).message}`);
  }
}

function mode(st: Stats): string {
  return `0${(st.mode & 0o777).toString(8)}`;
}

/** What is wrong with a directory that must be this user's alone (symlink, owner, group/other access), or null. */
function privateDirProblem(dir: string, st: Stats): string | null {
  const uid = myUid();
  if (st.isSymbolicLink()) return `${dir} is a symbolic link`;
  if (!st.isDirectory()) return `${dir} is not a directory`;
  if (uid !== undefined && st.uid !== uid) return `${dir} belongs to another user (uid ${st.uid})`;
  if ((st.mode & 0o077) !== 0) return `${dir} is open to other users (mode ${mode(st)})`;
  return null;
}

/**
 * Creates a directory private to this user (0700), or checks an existing one: never a symlink, owned by this
 * user, not writable by others (only read access is taken away: nothing can have been planted in it).
 */
export function ensurePrivateDir(dir: string): void {
  let st = lstatOrNull(dir);
  if (!st) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    st = lstatSync(dir);
  }
  const uid = myUid();
  if (st.isSymbolicLink()) throw new UnsafePathError(`${dir} is a symbolic link: cw does not follow links in its home`, `remove it (\`rm ${dir}\`); cw recreates it`);
  if (!st.isDirectory()) throw new UnsafePathError(`${dir} is not a directory`, 'move it away; cw recreates it');
  if (uid !== undefined && st.uid !== uid) {
    throw new UnsafePathError(`${dir} belongs to another user (uid ${st.uid}): cw will not use it`, 'set CODEWIRE_HOME to a directory you own');
  }
  if ((st.mode & 0o022) !== 0) {
    throw new UnsafePathError(`${dir} is writable by other users (mode ${mode(st)}): files planted in it could be trusted`, `check what is in it, then \`chmod 700 ${dir}\``);
  }
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/** The files cw itself writes or reads in a home: never a symlink, never another user's, never writable by others. */
const HOME_FILES = new Set(['token', 'config.toml', 'servers.toml', 'daemon.log', 'daemon.pid', 'state.db', 'state.db-wal', 'state.db-shm', 'state.db-journal', 'server.sock', 'socket-dir', 'sessions']);

/**
 * Checks a home before anything in it is read or anything is sent to a socket in it: the home itself (see
 * ensurePrivateDir; the home may be a symlink the user made, to a directory of theirs), then every entry, since
 * a file another user planted there beforehand would be trusted (a token that works remotely, a listen address,
 * a daemon.log or sessions symlink that cw would write through). `create`: make a missing home (else a missing
 * home is fine: there is nothing to trust yet).
 */
export function checkHome(home: string, opts: { create: boolean }): void {
  const link = lstatOrNull(home);
  if (!link && !opts.create) return;
  const uid = myUid();
  if (link?.isSymbolicLink()) {
    if (uid !== undefined && link.uid !== uid && link.uid !== 0) {
      throw new UnsafePathError(`${home} is a symbolic link made by another user (uid ${link.uid}): cw will not use it`, 'set CODEWIRE_HOME to a directory you own');
    }
    let target: Stats;
    try {
      target = statSync(home);
    } catch (err) {
      throw new UnsafePathError(`${home} is a symbolic link to nothing (${(err as NodeJS.ErrnoException).code})`, 'remove the link or create its target');
    }
    if (!target.isDirectory()) throw new UnsafePathError(`${home} is not a directory`, 'set CODEWIRE_HOME to a directory you own');
    if (uid !== undefined && target.uid !== uid) {
      throw new UnsafePathError(`${home} belongs to another user (uid ${target.uid}): cw will not use it`, 'set CODEWIRE_HOME to a directory you own');
    }
    if ((target.mode & 0o022) !== 0) {
      throw new UnsafePathError(`${home} is writable by other users (mode ${mode(target)}): files planted in it could be trusted`, `check what is in it, then \`chmod 700 ${home}\``);
    }
    if ((target.mode & 0o077) !== 0) chmodSync(home, 0o700);
  } else {
    ensurePrivateDir(home);
  }
  for (const name of readdirSync(home)) {
    const p = join(home, name);
    const st = lstatOrNull(p);
    if (!st) continue; // removed while we looked
    if (uid !== undefined && st.uid !== uid) {
      throw new UnsafePathError(`${p} belongs to another user (uid ${st.uid}): cw will not use this home`, `check it and remove it (\`rm -r ${p}\`)`);
    }
    if (!HOME_FILES.has(name)) continue;
    if (st.isSymbolicLink()) throw new UnsafePathError(`${p} is a symbolic link: cw does not follow links in its home`, `remove it (\`rm ${p}\`)`);
    if ((st.mode & 0o022) !== 0) {
      throw new UnsafePathError(`${p} is writable by other users (mode ${mode(st)})`, `check it, then \`chmod go-w ${p}\``);
    }
  }
}

/** Reads a file of the home: never through a symlink, only if it is ours and not writable by others; null when it does not exist. */
export function readPrivateFile(path: string): string | null {
  try {
    const fd = openSync(path, constants.O_RDONLY | NOFOLLOW);
    try {
      // The file opened, not a name checked earlier: another user's, or one others can write, is not trusted.
      const st = fstatSync(fd);
      const uid = myUid();
      if (uid !== undefined && st.uid !== uid) throw new UnsafePathError(`${path} belongs to another user (uid ${st.uid}): cw will not use it`, `check it and remove it (\`rm ${path}\`)`);
      if ((st.mode & 0o022) !== 0) throw new UnsafePathError(`${path} is writable by other users (mode ${mode(st)})`, `check it, then \`chmod go-w ${path}\``);
      return readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP') throw new UnsafePathError(`${path} is a symbolic link: cw does not follow links in its home`, `remove it (\`rm ${path}\`)`);
    throw err;
  }
}

/** Replaces a file atomically with a new one, 0600 (a rename replaces a symlink rather than writing through it). */
export function writePrivateFile(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.${crypto().randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW, 0o600);
  try {
    writeFileSync(fd, text);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Flags to append to a log in the home: created 0600 (with the mode argument), never through a symlink. */
export const APPEND_NOFOLLOW = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | NOFOLLOW;

/**
 * Daemon side, home path too long for a socket: picks the socket's directory, records it in the home, and
 * returns the socket path. XDG_RUNTIME_DIR when it is private to us; else the directory made before (if still
 * ours and private); else a new one with an unguessable name, made by mkdtemp (0700, fails rather than reuse an
 * existing path), so no other user can create it first (a fixed /tmp/codewire-UID could be squatted).
 */
export function prepareSocketDir(paths: Paths): string {
  if (!paths.socketFallback) return paths.socket;
  const usable = (dir: string | undefined): boolean => {
    if (!dir) return false;
    const st = lstatOrNull(dir);
    return !!st && privateDirProblem(dir, st) === null;
  };
  const xdg = process.env.XDG_RUNTIME_DIR;
  const recorded = readPrivateFile(paths.socketDirFile)?.trim();
  let dir: string;
  if (xdg && usable(xdg)) dir = xdg;
  else if (recorded && usable(recorded)) dir = recorded;
  else {
    dir = mkdtempSync(join(tmpdir(), `codewire-${myUid() ?? 0}-`));
    const problem = privateDirProblem(dir, lstatSync(dir));
    if (problem) throw new UnsafePathError(`cannot make a private socket directory: ${problem}`);
  }
  if (dir !== recorded) writePrivateFile(paths.socketDirFile, `${dir}\n`);
  paths.socket = join(dir, socketName(paths.home));
  return paths.socket;
}

/**
 * Client side, before connecting: is the socket there, and is it ours? 'absent' means no daemon listens (start
 * one). Throws UnsafePathError for a socket or directory another user could have made or can reach: nothing, not
 * even the hello with a session token, is sent to it.
 */
export function checkSocket(paths: Paths): 'absent' | 'ok' {
  if (paths.socket === '') return 'absent';
  const uid = myUid();
  if (paths.socketFallback) {
    const dir = dirname(paths.socket);
    const st = lstatOrNull(dir);
    if (!st) return 'absent';
    const problem = privateDirProblem(dir, st);
    if (problem) throw new UnsafePathError(`unsafe socket directory: ${problem}; cw will not connect`, `remove ${paths.socketDirFile}; the next command starts a daemon in a new private directory`);
  }
  const st = lstatOrNull(paths.socket);
  if (!st) return 'absent';
  if (!st.isSocket()) throw new UnsafePathError(`${paths.socket} is not a socket: cw will not connect to it`, `remove it (\`rm ${paths.socket}\`)`);
  if (uid !== undefined && st.uid !== uid) throw new UnsafePathError(`${paths.socket} belongs to another user (uid ${st.uid}): cw will not connect to it`, `remove it (\`rm ${paths.socket}\`)`);
  if ((st.mode & 0o022) !== 0) throw new UnsafePathError(`${paths.socket} is open to other users (mode ${mode(st)}): cw will not connect to it`, 'run `cw stop`; the next command starts a daemon with a private socket');
  return 'ok';
}

/** Name of the Linux abstract socket that serves as the one-daemon lock for a home (released by the kernel on any exit). */
export function daemonLockName(home: string): string {
  const hash = crypto().createHash('sha256').update(home).digest('hex').slice(0, 24);
  return `\0codewire-${process.getuid?.() ?? 0}-${hash}`;
}
