// The daemon: one per CODEWIRE_HOME. Owns every session; serves the frame protocol on a Unix socket.
import { chmodSync, closeSync, constants, existsSync, lstatSync, openSync, rmdirSync, rmSync, unlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { watchDescriptors } from './descriptors.js';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkHome, daemonLockName, ensurePrivateDir, prepareSocketDir, resolvePaths, writePrivateFile, type Paths } from '../common/paths.js';
import { VERSION } from '../common/version.js';
import { Connection } from './connection.js';
import { createHandler } from './ops/index.js';
import { STOP_FLUSH_MS, STOP_GRACE_MS, logRotateBytes } from './limits.js';
import { Logger } from './log.js';
import { Registry } from './registry.js';
import { Mailbox } from './mailbox.js';
import { ScreenHost } from './screen.js';
import { SCHEMA_VERSION, schemaVersion, Store } from './store.js';
import { SocketTransport, type Transport } from './transport.js';
import { WsServer } from './ws-server.js';
import { attachWeb } from './http/index.js';
import { listenForUi } from './http/ui-port.js';
import { ConfigError, loadDaemonConfig, parseListen, type DaemonConfig, type ListenAddress } from '../common/config.js';
import { ensureToken, readToken } from '../common/token.js';
import { ErrorCode, ProtocolError } from '../protocol/index.js';
import { reaper as theReaper } from './direct-pty.js';
import { CwError } from './errors.js';
import Database from 'better-sqlite3';
import { checkReport, HANDOVER_FILE, prepareHandover, takeInherited } from './handover.js';
import { handoverAddon } from './native.js';
import { holdPrompt } from './prompts.js';
import { Tasks } from './task-service.js';
import { Notifier } from './notifier.js';

export interface DaemonOptions {
  /** Started by a CLI command rather than by `cw daemon`: lose the start race quietly. */
  autostarted: boolean;
  foreground: boolean;
  /** Overrides of config.toml and the environment, from `cw daemon --listen ... --tls-cert ... --tls-key ...`. */
  listen?: string;
  tlsCert?: string;
  tlsKey?: string;
}

/**
 * How often the daemon checks that its socket path is still its own socket (removed by hand, by a /tmp cleaner, or
 * replaced): it listens again, so a running daemon is never orphaned (tmux does this on SIGUSR1, which we also take).
 */
const SOCKET_CHECK_MS = 5_000;

/**
 * Takes the one-daemon lock: a Linux abstract socket, released by the kernel however the daemon dies. Whoever
 * connects to it is told this daemon's pid: a client that finds no socket but a lock holder with daemon.pid's pid
 * knows the socket was removed (and sends SIGUSR1) instead of waiting for a daemon that will never start.
 */
function takeLock(home: string, inheritedFd?: number): Promise<Server | null> {
  return new Promise((resolve, reject) => {
    const lock = createServer((c) => {
      c.on('error', () => {}); // a prober that hung up first: nothing to tell
      c.end(`${process.pid}\n`);
    });
    lock.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(null) : reject(err)));
    // After `cw daemon restart` the lock was never let go: this process held it across the exec (handover.ts).
    if (inheritedFd !== undefined) lock.listen({ fd: inheritedFd }, () => resolve(lock));
    else lock.listen(daemonLockName(home), () => resolve(lock));
  });
}

/** The descriptor under a listening server (libuv's handle), for the hand-over. */
function fdOf(server: Server): number {
  return (server as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1;
}

/** Listens on a Unix socket created 0600 from the start (the bind happens inside listen(), under this umask), not chmodded after. */
function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const umask = process.umask(0o177);
    try {
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    } finally {
      process.umask(umask);
    }
  });
}

/** Which file a path is now (device and inode), to tell our socket from a replacement; null when none. */
function fileId(path: string): string | null {
  try {
    const st = lstatSync(path);
    return `${st.dev}:${st.ino}`;
  } catch {
    return null; // gone
  }
}

/**
 * `cw daemon --check-handover`, run by a daemon about to hand over to this code (handover.ts): this code starts,
 * reads the config, loads its addon, and could open the database (not newer than it knows; read only: the running
 * daemon owns it). Prints what it accepts as one JSON line; a problem is one line on stderr and exit 1.
 */
export function checkHandover(): number {
  try {
    const paths = resolvePaths();
    checkHome(paths.home, { create: false });
    loadDaemonConfig(paths.home);
    const { addon, why } = handoverAddon();
    if (!addon) throw new Error(why);
    if (existsSync(paths.db)) {
      const db = new Database(paths.db, { readonly: true, fileMustExist: true });
      try {
        const v = schemaVersion(db);
        if (v > SCHEMA_VERSION) throw new Error(`the database has schema version ${v}, newer than this cw knows (${SCHEMA_VERSION})`);
      } finally {
        db.close();
      }
    }
    process.stdout.write(`${JSON.stringify(checkReport())}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`${(err as Error).message.split('\n')[0]}\n`);
    return 1;
  }
}

export async function runDaemon(opts: DaemonOptions): Promise<number> {
  let paths: Paths;
  let config: DaemonConfig;
  let listenAt: ListenAddress | null = null;
  try {
    // The home first: another user's, or one others can write to, or planted files in it, are refused before
    // anything in it is read (config.toml, token) or written (daemon.log, sessions).
    paths = resolvePaths();
    checkHome(paths.home, { create: true });
    ensurePrivateDir(paths.sessionsDir);
    // Settings are checked before anything starts, so a typo is one clear line, not a half-started daemon.
    logRotateBytes();
    config = loadDaemonConfig(paths.home);
    if (opts.listen !== undefined) config.listen = opts.listen;
    if (opts.tlsCert !== undefined) config.tlsCert = opts.tlsCert;
    if (opts.tlsKey !== undefined) config.tlsKey = opts.tlsKey;
    if (config.listen) listenAt = parseListen(config.listen);
    if (!!config.tlsCert !== !!config.tlsKey) throw new ConfigError('TLS needs both a certificate and a key (tls_cert and tls_key)');
  } catch (err) {
    process.stderr.write(`cw daemon: ${(err as Error).message}\n`);
    return 1;
  }
  const log = new Logger(paths.daemonLog, opts.foreground);
  // Set when the previous daemon handed over to this code (`cw daemon restart`): same process, same lock and
  // socket, and its running sessions, taken over below.
  const inherited = takeInherited();
  if (inherited?.problem) log.error(`restart: ${inherited.problem}; the sessions it held are lost`);
  const lock = await takeLock(paths.home, inherited?.lockFd);
  if (!lock) {
    if (!opts.autostarted) process.stderr.write(`cw: a daemon is already running for ${paths.home}\n`);
    return opts.autostarted ? 0 : 1;
  }
  lock.unref();

  let store: Store;
  let step = 'socket';
  try {
    if (paths.socketFallback) {
      prepareSocketDir(paths);
      log.info(`home path is too long for a Unix socket; listening on ${paths.socket} instead`);
    }
    // We hold the lock, so any socket file left is stale (a daemon that was killed); unless it was handed to us.
    if (!inherited) rmSync(paths.socket, { force: true });
    // A state file no daemon took (the one that wrote it died before its exec) describes nothing that runs.
    if (!inherited) rmSync(join(paths.home, HANDOVER_FILE), { force: true });
    step = 'database';
    // 0600 from the start (SQLite gives its -wal and -shm files the database's mode); an older home's are tightened.
    closeSync(openSync(paths.db, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW, 0o600));
    for (const f of [paths.db, `${paths.db}-wal`, `${paths.db}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
    store = new Store(paths.db);
  } catch (err) {
    // One line on stderr (daemon.log for an autostarted daemon), which the client that started us prints at once.
    const what = (err as Error).message.split('\n')[0] ?? '';
    const line = step === 'database' ? `cannot open the state database ${paths.db}: ${what}` : what;
    log.error(line);
    process.stderr.write(`cw daemon: ${line}\n`);
    lock.close();
    return 1;
  }
  const screens = new ScreenHost(join(dirname(fileURLToPath(import.meta.url)), 'screen-worker.js'), (m) => log.error(m), (m) => log.info(m));
  const handed = inherited?.state?.sessions ?? [];
  const registry = new Registry(paths, store, screens, log, { agentHooks: config.agentHooks ?? true, handedOver: handed.map((h) => h.id), reviveLost: config.reviveLost ?? 'none' });
  if (inherited) {
    const { addon, why } = handoverAddon();
    let kept = 0;
    if (addon) {
      const reaper = theReaper()!;
      for (const h of handed) {
        if (!registry.adopt(h, addon, reaper)) continue;
        kept++;
        // A launch prompt the previous daemon still held (a dialog was open): held on here, never lost.
        const s = registry.sessions.get(h.id);
        if (h.heldPrompt && s) void holdPrompt(registry, s, h.heldPrompt.text, Math.max(0, h.heldPrompt.deadline - Date.now()));
      }
    } else log.error(`restart: ${why}; the handed-over sessions cannot be taken`);
    const from = inherited.state ? `cw ${inherited.state.fromVersion}` : 'the previous daemon';
    log.info(`restarted: took over ${kept} of ${handed.length} running sessions from ${from} (pid ${process.pid} kept)`);
    registry.recordEvent(null, 'daemon.restarted', { from: inherited.state?.fromVersion ?? null, to: VERSION, sessions: kept, lost: handed.length - kept });
  }

  const connections = new Set<Connection>();
  let stopping = false;
  let resolveExit: (code: number) => void = () => {};
  const exited = new Promise<number>((r) => (resolveExit = r));

  /** The fleet node agent (src/fleet/node: a client of this daemon), when config.toml has [nats]. */
  let fleet: { stop(): Promise<void> } | null = null;
  const stop = async (why: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info(`stopping (${why}); ${registry.running().length} running sessions get SIGHUP`);
    await fleet?.stop();
    clearInterval(socketCheck);
    server.close();
    for (const w of wsServers) w.server.close();
    for (const s of registry.running()) s.kill();
    const deadline = new Promise((r) => setTimeout(r, STOP_GRACE_MS).unref());
    await Promise.race([Promise.all(registry.running().map((s) => s.whenEnded())), deadline]);
    for (const c of connections) {
      for (const st of [...c.streams.values()]) st.close('closed');
      c.transport.end();
    }
    // A client that stopped reading (a suspended `cw watch`) would keep its socket, and so the daemon, alive:
    // whatever has not flushed by then is cut.
    setTimeout(() => {
      for (const c of connections) c.transport.destroy();
    }, STOP_FLUSH_MS).unref();
    mailbox.dispose();
    tasks.dispose();
    notifier.dispose();
    registry.dispose();
    store.close();
    await screens.dispose();
    // Only our own socket: a path now taken by something else is not ours to remove.
    if (fileId(paths.socket) === socketId) {
      try {
        unlinkSync(paths.socket);
      } catch {
        // already gone
      }
    }
    // A private directory made for the socket under /tmp goes with it (rmdir: only when empty; never XDG_RUNTIME_DIR).
    if (paths.socketFallback && dirname(paths.socket) !== process.env.XDG_RUNTIME_DIR) {
      try {
        rmdirSync(dirname(paths.socket));
      } catch {
        // not empty or already gone: left as it is
      }
    }
    rmSync(paths.pidFile, { force: true });
    lock.close();
    log.info('stopped');
    resolveExit(0);
  };

  const mailbox = new Mailbox(registry, store, log);
  const tasks = new Tasks(registry, store, log);
  const notifier = new Notifier(paths.home, registry, log);
  let ensureListener: () => Promise<{ server: WsServer; url: string }> = () => Promise.reject(new Error('not listening yet'));
  const restart = async (): Promise<{ sessions: number; toVersion: string; go(): void }> => {
    if (stopping) throw new CwError(ErrorCode.INTERNAL, 'the daemon is stopping');
    const prepared = await prepareHandover({
      paths,
      log,
      running: () => registry.running(),
      lockFd: () => fdOf(lock),
      socketFd: () => fdOf(server),
      quiesce: async () => {
        // The fleet node is a client of this daemon over NATS: it leaves and the next daemon's joins again.
        await fleet?.stop();
        fleet = null;
        registry.persistLive();
      },
      resumeAfterFailure: () => startFleet(),
    });
    return { sessions: prepared.sessions, toVersion: prepared.toVersion, go: () => (stopping ? prepared.abandon('the daemon is stopping') : prepared.exec()) };
  };
  const handler = createHandler({ registry, mailbox, tasks, paths, store, notifier, stop: () => void stop('cw stop'), restart, ensureListener: () => ensureListener() });
  const accept = (transport: Transport): Connection => {
    const conn = new Connection(transport, handler, log, VERSION, (c) => connections.delete(c));
    connections.add(conn);
    return conn;
  };
  const makeServer = (): Server => {
    const srv = createServer((socket) => {
      const conn = accept(new SocketTransport(socket));
      socket.on('data', (chunk) => conn.receive(chunk));
      socket.on('close', () => conn.handleTransportClosed());
      // A peer that vanished mid-write (EPIPE, ECONNRESET): 'close' follows and cleans up.
      socket.on('error', () => {});
    });
    // Once listening, an accept that fails (EMFILE when descriptors run out) must not become an uncaught
    // exception: one line. (While listen() runs, its own handler reports the failure.)
    // Running out of descriptors is reported once a minute by the descriptor watch (descriptors.ts), not per accept.
    srv.once('listening', () =>
      srv.on('error', (err) => {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EMFILE' && code !== 'ENFILE') log.warn(`socket ${paths.socket}: ${code ?? err.message}`);
      }),
    );
    return srv;
  };
  // Descriptors running out is one line in daemon.log, for every daemon, not only those with a listener.
  watchDescriptors(log, () => `${connections.size} local connections, ${registry.running().length} running sessions`);
  let server = makeServer();

  if (inherited) await new Promise<void>((resolve) => server.listen({ fd: inherited.socketFd }, resolve));
  else await listen(server, paths.socket);
  let socketId = fileId(paths.socket);
  /**
   * Listens again when the socket path is no longer our socket (removed, or its /tmp directory cleaned away).
   * Connections already open stay; closing the old listener unlinks whatever is at its path (libuv), so it is
   * closed before the new one binds.
   */
  let relistening = false;
  const ensureSocket = async (why: string): Promise<void> => {
    if (stopping || relistening) return;
    if (socketId !== null && fileId(paths.socket) === socketId) return;
    relistening = true;
    try {
      const before = paths.socket;
      if (paths.socketFallback) prepareSocketDir(paths);
      log.warn(`socket ${before} is gone or not ours any more (${why}); listening on ${paths.socket} again`);
      server.close();
      rmSync(paths.socket, { force: true });
      const next = makeServer();
      await listen(next, paths.socket);
      if (stopping) {
        next.close(); // stopped while we listened again: stop() closed the old listener only
        return;
      }
      server = next;
      socketId = fileId(paths.socket);
    } catch (err) {
      log.error(`cannot listen on ${paths.socket} again: ${(err as Error).message}`);
    } finally {
      relistening = false;
    }
  };
  const socketCheck = setInterval(() => void ensureSocket('periodic check'), SOCKET_CHECK_MS);
  socketCheck.unref();
  /** WebSocket listeners (for `--server` clients and the dashboard): the configured one, or one made on demand. */
  const wsServers: { server: WsServer; url: string }[] = [];
  const startWs = async (address: ListenAddress, tls: { cert: string; key: string } | null): Promise<{ server: WsServer; url: string }> => {
    const token = ensureToken(paths.home);
    // Re-read on every upgrade so `cw token --rotate` applies at once; CODEWIRE_TOKEN pins it.
    const currentToken = (): string => {
      if (process.env.CODEWIRE_TOKEN) return token;
      try {
        return readToken(paths.home) ?? token;
      } catch (err) {
        // The file became a symlink or another user's: never trusted; the token checked at start stays in force.
        log.warn(`${(err as Error).message}; keeping the token read at start`);
        return token;
      }
    };
    const server = new WsServer({
      address,
      ...(tls ? { tlsCert: tls.cert, tlsKey: tls.key } : {}),
      token: currentToken,
      log,
      onConnection: (transport, socket, peer) => {
        const conn = accept(transport);
        // Over the network nobody is a local session, whatever token they present: they act as a remote operator.
        conn.remotePeer = peer;
        socket.on('message', (data: Buffer, isBinary: boolean) => {
          if (!isBinary) conn.fail(new ProtocolError(ErrorCode.PROTOCOL, 'text WebSocket messages are not part of the protocol; send frames as binary messages'));
          else conn.receive(data);
        });
        socket.on('close', () => conn.handleTransportClosed());
        socket.on('error', () => {});
      },
    });
    attachWeb(server, { token: currentToken, log });
    const bound = await server.listen();
    const url = `${server.tls ? 'wss' : 'ws'}://${bound.host.includes(':') ? `[${bound.host}]` : bound.host}:${bound.port}`;
    log.info(`listening for remote clients on ${url}`);
    const entry = { server, url };
    wsServers.push(entry);
    return entry;
  };
  if (listenAt) {
    try {
      await startWs(listenAt, config.tlsCert ? { cert: config.tlsCert, key: config.tlsKey! } : null);
    } catch (err) {
      log.error(`cannot listen on ${config.listen}: ${(err as Error).message}`);
      process.stderr.write(`cw daemon: cannot listen on ${config.listen}: ${(err as Error).message}\n`);
    }
  }
  /** A listener for the dashboard: the configured one, else a new one on a free loopback port. */
  // One start at a time: two `cw ui` at once share the new listener.
  let starting: Promise<{ server: WsServer; url: string }> | null = null;
  ensureListener = async (): Promise<{ server: WsServer; url: string }> =>
    wsServers[0] ??
    (starting ??= listenForUi((port) => startWs({ host: '127.0.0.1', port }, null), { home: paths.home, ...(config.uiPort !== undefined ? { configured: config.uiPort } : {}), log }).finally(() => (starting = null)));
  chmodSync(paths.socket, 0o600);
  writePrivateFile(paths.pidFile, `${process.pid}\n`);
  log.info(`daemon ${VERSION} (pid ${process.pid}) listening on ${paths.socket}`);
  // Scheduled prompts: those missed while the daemon was down run once now, then on their schedule.
  tasks.start();
  // Fleet: join NATS when configured (loaded only then); it serves requests through this daemon's socket.
  const startFleet = (): void => {
    if (!config.nats || stopping) return;
    void import('../fleet/node/index.js').then((m) => {
      if (!stopping) fleet = m.startFleet({ config, socketPath: () => paths.socket, log, listenerUrl: () => (listenAt ? (wsServers[0]?.url ?? null) : null) });
    });
  };
  startFleet();

  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // As tmux: SIGUSR1 makes the daemon listen again when its socket was removed (clients send it when they find
  // the lock held by daemon.pid's process but no socket). The listener also keeps Node's debugger off that signal.
  process.on('SIGUSR1', () => void ensureSocket('SIGUSR1'));
  // SIGUSR2: `cw daemon restart` from a cw that cannot speak this daemon's protocol (it was upgraded past it).
  // The outcome is in daemon.log; the client sees the new daemon answer, or not.
  process.on('SIGUSR2', () => {
    log.info('restart asked by SIGUSR2');
    restart().then(
      (r) => r.go(),
      (err: unknown) => log.error(`restart refused, this daemon carries on: ${(err as Error).message}`),
    );
  });
  // Detached from any terminal: a hangup means nothing to us.
  process.on('SIGHUP', () => {});
  process.on('uncaughtException', (err) => log.error(`uncaught: ${err.stack ?? err.message}`));
  process.on('unhandledRejection', (err) => log.error(`unhandled rejection: ${(err as Error)?.stack ?? String(err)}`));

  return exited;
}

