// cw daemon restart: the installed cw becomes the daemon and every running session stays (daemon/handover.ts).
import type { Command } from 'commander';
import type { Channel } from '../../channel/channel.js';
import { ClientError, ExitCode } from '../../channel/errors.js';
import { ErrorCode } from '../../protocol/errors.js';
import { readFileSync, statSync } from 'node:fs';
import { resolvePaths } from '../../common/paths.js';
import { isRemote, printJson, reportError, say, usage } from '../run.js';

/** How long the new daemon may take to answer after the old one handed over (its start plus taking every session). */
const RESTART_TIMEOUT_MS = 30_000;
/** How often the socket is tried while the new daemon starts. */
const RESTART_POLL_MS = 50;

export function register(daemon: Command): void {
  daemon
    .command('restart')
    .description('move the daemon to the installed cw, keeping every running session (same programs, same pids)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nAttached terminals, `cw watch`, `logs -f`, `wait` and `listen` reconnect by themselves. If the installed cw\ncannot take over (it does not start, or cannot read this daemon\'s state), nothing changes and the reason is printed.\nWith no daemon running, one is started.',
    )
    .action(async (o: { json?: boolean }) => {
      try {
        if (isRemote()) throw usage('cw daemon restart restarts the daemon on this machine; run it there');
        const { connectLocal } = await import('../connect.js');
        let conn;
        try {
          conn = await connectLocal({ autostart: false });
        } catch (err) {
          if (!(err instanceof ClientError && err.message === 'no daemon is running')) throw err;
          const { channel } = await connectLocal();
          const hello = await channel.hello;
          channel.end();
          if (o.json) printJson({ restarted: false, started: true, pid: hello.pid, version: hello.version, startedAt: hello.startedAt ?? null, sessions: 0 });
          say(`No daemon was running; started one (pid ${hello.pid})`);
          return;
        }
        const { channel, socket } = conn;
        let before;
        try {
          before = await channel.hello;
        } catch (err) {
          if (!(err instanceof ClientError && err.code === ErrorCode.VERSION_MISMATCH)) throw err;
          return await restartBySignal(o.json);
        }
        const closed = new Promise<void>((r) => socket.once('close', () => r()));
        const r = await channel.request('daemon-restart', {});
        socket.ref();
        await closed;
        // The same process runs the new code: wait until it answers with a new start time.
        const deadline = Date.now() + RESTART_TIMEOUT_MS;
        for (;;) {
          let hello;
          let next;
          try {
            next = await connectLocal({ autostart: false });
            hello = await next.channel.hello;
          } catch (err) {
            next?.channel.end();
            if (err instanceof ClientError && err.message === 'no daemon is running') {
              throw new ClientError(
                `the new daemon (cw ${r.toVersion}) stopped while taking over: the sessions it held are lost`,
                'daemon.log in the cw home says why; `cw list` shows what was lost and `cw restart SESSION` starts one again',
              );
            }
            hello = null; // still starting: the socket is there, the hello not yet
          }
          if (!hello || hello.startedAt === before.startedAt) next?.channel.end();
          else {
            const kept = await countRunning(next!.channel);
            if (o.json) printJson({ restarted: true, pid: hello.pid, fromVersion: r.fromVersion, toVersion: hello.version, startedAt: hello.startedAt ?? null, sessions: kept, handedOver: r.sessions });
            const lost = r.sessions - kept;
            say(`Daemon restarted (pid ${hello.pid}, cw ${r.fromVersion} → ${hello.version}): ${kept} running session${kept === 1 ? '' : 's'} kept${lost > 0 ? `, ${lost} ended or lost during the hand-over (see \`cw list\`)` : ''}`);
            return;
          }
          if (Date.now() > deadline) throw new ClientError(`the new daemon did not answer within ${RESTART_TIMEOUT_MS / 1000}s`, 'see daemon.log in the cw home');
          await new Promise((res) => setTimeout(res, RESTART_POLL_MS));
        }
      } catch (err) {
        process.exitCode = reportError(err);
      }
      if (process.exitCode === undefined) process.exitCode = ExitCode.OK;
    });
}

/**
 * The daemon speaks another protocol (this cw was upgraded past it), so it cannot be asked in words: SIGUSR2 asks
 * it to hand over to the installed code (daemon/main.ts). Success is a daemon that speaks our protocol; failure is
 * in daemon.log, whose line is shown.
 */
async function restartBySignal(json: boolean | undefined): Promise<void> {
  const { connectLocal, pidFromFile } = await import('../connect.js');
  const paths = resolvePaths();
  const pid = pidFromFile(paths);
  if (!pid) throw new ClientError('the daemon speaks another protocol and its pid is unknown', `stop it with the cw that started it (\`cw stop\`), or find it in ${paths.pidFile}`);
  const logSize = (): number => {
    try {
      return statSync(paths.daemonLog).size;
    } catch {
      return 0;
    }
  };
  /** The daemon's 'restart refused' line written since `from`, without its time and level. */
  const refused = (from: number): string => {
    try {
      const text = readFileSync(paths.daemonLog).subarray(from).toString('utf8');
      return (text.split('\n').filter((l) => l.includes('restart refused')).pop() ?? '').replace(/^\S+ \S+ /, '');
    } catch {
      return '';
    }
  };
  const from = logSize();
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + RESTART_TIMEOUT_MS;
  for (;;) {
    try {
      const next = await connectLocal({ autostart: false });
      const hello = await next.channel.hello;
      const kept = await countRunning(next.channel);
      if (json) printJson({ restarted: true, pid: hello.pid, fromVersion: null, toVersion: hello.version, startedAt: hello.startedAt ?? null, sessions: kept });
      say(`Daemon restarted (pid ${hello.pid}, now cw ${hello.version}): ${kept} running session${kept === 1 ? '' : 's'} kept`);
      return;
    } catch (err) {
      if (!(err instanceof ClientError && err.code === ErrorCode.VERSION_MISMATCH) && !(err instanceof ClientError && err.message === 'no daemon is running')) throw err;
      if (err.message === 'no daemon is running') throw new ClientError('the new daemon stopped while taking over: the sessions it held are lost', `see ${paths.daemonLog}`);
    }
    const why = refused(from);
    if (why) throw new ClientError(`the daemon did not restart: ${why}`, `see ${paths.daemonLog}`);
    if (Date.now() > deadline) throw new ClientError(`the daemon did not restart within ${RESTART_TIMEOUT_MS / 1000}s`, `see ${paths.daemonLog}`);
    await new Promise((res) => setTimeout(res, RESTART_POLL_MS));
  }
}

/** Running sessions on the daemon `channel` reaches (which it then ends). */
async function countRunning(channel: Channel): Promise<number> {
  try {
    const r = await channel.request('list', {});
    return r.sessions.filter((s) => s.state === 'running').length;
  } finally {
    channel.end();
  }
}
