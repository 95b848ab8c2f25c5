// cw start | cw daemon | cw stop: the daemon's lifecycle (cw daemon restart: daemon-restart.ts).
import type { Command } from 'commander';
import { resolvePaths } from '../../common/paths.js';
import { processRunning } from '../../common/process-running.js';
import { ClientError, ExitCode } from '../../channel/errors.js';
import { isRemote, openChannel, printJson, reportError, say, usage } from '../run.js';
import { register as registerRestart } from './daemon-restart.js';

/** How long `cw stop` waits for the daemon process to be gone after it closed the connection. */
const DAEMON_EXIT_TIMEOUT_MS = 10_000;

async function waitForExit(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!processRunning(pid)) return;
    if (Date.now() > deadline) throw new ClientError(`the daemon (pid ${pid}) is still running ${timeoutMs / 1000}s after stopping`, `kill it with \`kill ${pid}\``);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function register(program: Command): void {
  program
    .command('start')
    .description('start the daemon in the background (any command starts it when needed)')
    .option('--json', 'print the daemon pid and socket as JSON')
    .action(async (o: { json?: boolean }) => {
      try {
        if (isRemote()) throw usage('cw start starts the daemon on this machine; a remote daemon is started there (`cw daemon --listen`)');
        const { connectLocal } = await import('../connect.js');
        const { channel, started } = await connectLocal();
        const hello = await channel.hello;
        channel.end();
        const paths = resolvePaths();
        if (o.json) printJson({ pid: hello.pid, version: hello.version, socket: paths.socket, started });
        say(started ? `Daemon started (pid ${hello.pid}) on ${paths.socket}` : `Daemon already running (pid ${hello.pid})`);
      } catch (err) {
        process.exitCode = reportError(err);
      }
    });

  const daemon = program
    .command('daemon')
    .description('run the daemon in the foreground (logs to stderr and daemon.log)')
    .option('--listen <[host:]port>', 'also serve remote clients over WebSocket (port alone: 127.0.0.1); config: [daemon] listen')
    .option('--tls-cert <file>', 'serve wss:// with this certificate (PEM); config: tls_cert')
    .option('--tls-key <file>', 'the private key for --tls-cert (PEM); config: tls_key')
    .option('--autostarted', 'started by another command (internal)')
    .option('--check-handover', 'check that this cw can take over running sessions, print what it accepts (internal, for `cw daemon restart`)')
    .addHelpText('after', '\nRemote access is off unless --listen, CODEWIRE_LISTEN or [daemon] listen in config.toml says otherwise.\nThe token clients need: `cw token`.')
    .action(async (o: { autostarted?: boolean; checkHandover?: boolean; listen?: string; tlsCert?: string; tlsKey?: string }) => {
      if (o.checkHandover) {
        const { checkHandover } = await import('../../daemon/main.js');
        process.exitCode = checkHandover();
        return;
      }
      const { runDaemon } = await import('../../daemon/main.js');
      process.exitCode = await runDaemon({
        autostarted: !!o.autostarted,
        foreground: !o.autostarted,
        ...(o.listen !== undefined ? { listen: o.listen } : {}),
        ...(o.tlsCert !== undefined ? { tlsCert: o.tlsCert } : {}),
        ...(o.tlsKey !== undefined ? { tlsKey: o.tlsKey } : {}),
      });
    });
  registerRestart(daemon);

  program
    .command('stop')
    .description('stop the daemon: running sessions get SIGHUP, logs and history stay')
    .option('--json', 'print the result as JSON')
    .action(async (o: { json?: boolean }) => {
      try {
        if (isRemote()) {
          const ch = await openChannel();
          const hello = await ch.hello;
          const closed = new Promise<void>((r) => ch.onClose(() => r()));
          const r = await ch.request('stop', {});
          await closed;
          if (o.json) printJson({ stopped: true, pid: hello.pid, sessionsEnded: r.sessions });
          say(`Remote daemon stopped (pid ${hello.pid})`);
          return;
        }
        const { connectLocal } = await import('../connect.js');
        let conn;
        try {
          conn = await connectLocal({ autostart: false });
        } catch (err) {
          if (err instanceof ClientError && err.message === 'no daemon is running') {
            if (o.json) printJson({ stopped: false, running: false });
            say('No daemon is running');
            return;
          }
          // By code: ClientError's instanceof matches any ClientError, whatever the subclass.
          if (err instanceof ClientError && err.code === 'orphaned' && typeof (err as { pid?: unknown }).pid === 'number') {
            const pid = (err as unknown as { pid: number }).pid;
            // Its socket is gone and SIGUSR1 did not bring it back: it holds the lock and is daemon.pid's process
            // (checked by connectLocal), so it is stopped by signal; it ends its sessions as on `cw stop`.
            process.kill(pid, 'SIGTERM');
            await waitForExit(pid, DAEMON_EXIT_TIMEOUT_MS);
            if (o.json) printJson({ stopped: true, pid, socketLost: true });
            say(`Daemon stopped (pid ${pid}); its socket was gone`);
            return;
          }
          throw err;
        }
        const { channel, socket } = conn;
        const hello = await channel.hello;
        const closed = new Promise<void>((r) => socket.once('close', () => r()));
        const r = await channel.request('stop', {});
        // The channel lets go of the socket once nothing is pending; hold the process until the daemon hangs up.
        socket.ref();
        await closed;
        // The socket closes just before the process exits; return only once it is gone, so a script can
        // start a fresh daemon (or remove the home) right after `cw stop`.
        if (hello.pid) await waitForExit(hello.pid, DAEMON_EXIT_TIMEOUT_MS);
        if (o.json) printJson({ stopped: true, pid: hello.pid, sessionsEnded: r.sessions });
        say(`Daemon stopped (pid ${hello.pid})${r.sessions ? `; ${r.sessions} running session${r.sessions > 1 ? 's' : ''} ended` : ''}`);
      } catch (err) {
        process.exitCode = reportError(err);
      }
      if (process.exitCode === undefined) process.exitCode = ExitCode.OK;
    });
}
