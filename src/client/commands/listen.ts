// cw listen [--json]: stream the messages addressed to you as they arrive.
import type { Command } from 'commander';
import { safeLine } from '../../common/terminal-text.js';
import type { StreamEventOf } from '../../protocol/messages.js';
import { ClientError } from '../../channel/errors.js';
import { formatMessage } from '../../common/messages-format.js';
import { say, withDaemon } from '../run.js';
import { Follower, restartedLine } from '../reconnect.js';

export function register(program: Command): void {
  program
    .command('listen')
    .description('stream messages addressed to you as they arrive (they stay unread until `cw inbox`)')
    .option('--json', 'JSON lines: one message object per line')
    .action(async (o: { json?: boolean }) => {
      await withDaemon(async (first) => {
        const listenOn = async (ch: typeof first): Promise<{ me: string; end: Promise<Extract<StreamEventOf, { type: 'end' }>> }> => {
          let resolveEnd!: (ev: Extract<StreamEventOf, { type: 'end' }>) => void;
          const end = new Promise<Extract<StreamEventOf, { type: 'end' }>>((r) => (resolveEnd = r));
          const { result } = await ch.openStream('listen', {}, {
            output: () => {},
            event: (ev) => {
              if (ev.type === 'message') process.stdout.write(o.json ? `${JSON.stringify(ev.message)}\n` : `${formatMessage(ev.message)}\n`);
              else if (ev.type === 'end') resolveEnd(ev);
            },
          });
          return { me: result.me, end };
        };
        const f = new Follower(first);
        let run = await listenOn(first);
        say(`[cw] listening for messages to ${safeLine(run.me)} (Ctrl+C to stop)`);
        try {
          for (;;) {
            const e = await run.end;
            // The daemon went away (`cw daemon restart`): listen on the new one. Messages that came in between
            // are kept unread in the inbox (`cw inbox`), as every message is.
            const daemon = f.lost(e) ? await f.again() : null;
            if (!daemon) throw new ClientError(`stopped listening: ${e.message}`);
            run = await listenOn(f.channel);
            say(`${restartedLine(daemon)}; listening again (\`cw inbox\` shows what came in between)`);
          }
        } finally {
          f.close();
        }
      });
    });
}
