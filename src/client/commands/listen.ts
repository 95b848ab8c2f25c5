// cw listen [--json]: stream the messages addressed to you as they arrive.
import type { Command } from 'commander';
import { safeLine } from '../../common/terminal-text.js';
import type { StreamEventOf } from '../../protocol/messages.js';
import { ClientError } from '../../channel/errors.js';
import { formatMessage } from '../messages-format.js';
import { say, withDaemon } from '../run.js';

export function register(program: Command): void {
  program
    .command('listen')
    .description('stream messages addressed to you as they arrive (they stay unread until `cw inbox`)')
    .option('--json', 'JSON lines: one message object per line')
    .action(async (o: { json?: boolean }) => {
      await withDaemon(async (ch) => {
        let resolveEnd!: (ev: Extract<StreamEventOf, { type: 'end' }>) => void;
        const end = new Promise<Extract<StreamEventOf, { type: 'end' }>>((r) => (resolveEnd = r));
        const { result } = await ch.openStream('listen', {}, {
          output: () => {},
          event: (ev) => {
            if (ev.type === 'message') process.stdout.write(o.json ? `${JSON.stringify(ev.message)}\n` : `${formatMessage(ev.message)}\n`);
            else if (ev.type === 'end') resolveEnd(ev);
          },
        });
        say(`[cw] listening for messages to ${safeLine(result.me)} (Ctrl+C to stop)`);
        const e = await end;
        throw new ClientError(`stopped listening: ${e.message}`);
      });
    });
}
