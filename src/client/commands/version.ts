// cw version [--json]: this cw, and the daemon it would talk to (its version and when it started).
import type { Command } from 'commander';
import { PROTOCOL_VERSION } from '../../protocol/version.js';
import { VERSION } from '../../common/version.js';
import type { Hello } from '../../protocol/index.js';
import { isRemote, openChannel, printJson } from '../run.js';

/** The running daemon's hello, or null when none runs (never starts one: asking a version must not). */
async function daemonHello(): Promise<Hello | null> {
  try {
    if (isRemote()) {
      const ch = await openChannel();
      const h = await ch.hello;
      ch.end();
      return h;
    }
    const { connectLocal } = await import('../connect.js');
    const { channel } = await connectLocal({ autostart: false });
    const h = await channel.hello;
    channel.end();
    return h;
  } catch {
    return null;
  }
}

export function register(program: Command): void {
  program
    .command('version')
    .description('print the version of cw and of its protocol, and of the running daemon')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const d = await daemonHello();
      const daemon = d ? { version: d.version, protocol: d.protocol, pid: d.pid ?? null, startedAt: d.startedAt ?? null } : null;
      if (o.json) {
        printJson({ version: VERSION, protocol: PROTOCOL_VERSION, node: process.versions.node, daemon });
        return;
      }
      process.stdout.write(`cw ${VERSION} (protocol ${PROTOCOL_VERSION}, node ${process.versions.node})\n`);
      if (!daemon) process.stdout.write('daemon: not running\n');
      else {
        process.stdout.write(`daemon: cw ${daemon.version} (protocol ${daemon.protocol}, pid ${daemon.pid ?? '?'}, started ${daemon.startedAt ?? '?'})\n`);
        if (daemon.version !== VERSION) process.stdout.write('the daemon runs another version: `cw daemon restart` moves it to this one and keeps every session\n');
      }
    });
}
