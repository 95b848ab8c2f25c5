// cw notify test [--json]: one test notification through every channel [notify] in config.toml sets up.
import type { Command } from 'commander';
import { ExitCode } from '../../channel/errors.js';
import { safeLine } from '../../common/terminal-text.js';
import { printJson, say, withDaemon } from '../run.js';

export function register(program: Command): void {
  const notify = program.command('notify').description('notifications when agents wait, finish or fail ([notify] in config.toml; docs/notify.md)');
  notify
    .command('test')
    .description("send one test notification through every configured channel and report each one's result")
    .option('--json', 'print the results as JSON')
    .action(async (o: { json?: boolean }) => {
      await withDaemon(async (ch) => {
        const r = await ch.request('notify-test', {});
        if (o.json) printJson(r);
        if (r.channels.length === 0) {
          say('cw: no notification channel is configured');
          say('hint: add a [notify] section to config.toml with command, url, desktop or bell (see docs/notify.md)');
          return ExitCode.ERROR;
        }
        if (!o.json) for (const c of r.channels) process.stdout.write(`${c.channel.padEnd(8)} ${c.ok ? 'ok    ' : 'FAILED'}  ${safeLine(c.detail)}\n`);
        const failed = r.channels.filter((c) => !c.ok);
        if (failed.length) {
          say(`cw: ${failed.length} of ${r.channels.length} notification channels failed (${failed.map((c) => c.channel).join(', ')})`);
          say('hint: the reasons are above and in daemon.log; fix [notify] in config.toml, then run `cw notify test` again');
          return ExitCode.ERROR;
        }
      });
    });
}
