// cw top (and `cw` alone at a terminal): the cockpit, every session at a glance, live (docs/cockpit.md).
import type { Command } from 'commander';
import { ClientError } from '../../channel/errors.js';
import { redactUrl } from '../../common/redact.js';
import { daemonTarget } from '../run.js';
import type { CockpitMachine } from '../cockpit/cockpit.js';

export function register(program: Command): void {
  program
    .command('top')
    .description('the cockpit: every session live, with its screen; attach, answer dialogs, send, launch, kill (also `cw` alone)')
    .addHelpText(
      'after',
      '\nKeys: ↑↓ select, Enter attach (Ctrl+B d comes back), 1/2/3/y/n/Enter/Esc answer a waiting dialog, s send a line,\nl launch, x kill, / filter, m messages, ? help, q quit. With --server, that machine is shown beside this one.',
    )
    .action(async (_o: unknown, cmd: Command) => {
      if (!process.stdin.isTTY || !process.stdout.isTTY) {
        throw new ClientError('cw top needs a terminal', 'from a script, use `cw list --json` and `cw events -f --json`');
      }
      const g = cmd.optsWithGlobals<{ server?: string; token?: string; ca?: string; pin?: string }>();
      const t = await daemonTarget();
      // This machine always; `cw attach` for it must not follow a CODEWIRE_SERVER from the environment.
      const machines: CockpitMachine[] = [{ key: 'local', label: 'local', target: { home: t.home, remote: null }, cliArgs: [], cliEnv: { CODEWIRE_SERVER: undefined } }];
      if (t.remote) {
        const server = g.server ?? process.env.CODEWIRE_SERVER!;
        machines.push({
          key: 'remote',
          label: t.remote.name ?? redactUrl(t.remote.url),
          target: t,
          // The token travels in the environment, never in a child's argv (readable by every local user).
          cliArgs: ['--server', server, ...(g.ca ? ['--ca', g.ca] : []), ...(g.pin ? ['--pin', g.pin] : [])],
          cliEnv: t.remote.token ? { CODEWIRE_TOKEN: t.remote.token } : {},
        });
      }
      // A bundle of its own (scripts/build.mjs COLD): no other command pays for loading the cockpit.
      const { runCockpit } = await import('../cockpit/cockpit.js');
      process.exitCode = await runCockpit(machines);
    });
}
