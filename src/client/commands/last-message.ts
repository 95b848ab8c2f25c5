// cw last-message SESSION [-n N] [--json]
import type { Command } from 'commander';
import { ClientError } from '../errors.js';
import { parseIntOption, printJson, withDaemon, writeOut } from '../run.js';

export function register(program: Command): void {
  program
    .command('last-message')
    .alias('last')
    .description("the agent's last reply, as clean text (read from its screen and scrollback)")
    .argument('<session>', 'id, name or @name')
    .option('-n, --lines <n>', 'only the last N lines of the reply', parseIntOption('--lines'))
    .option('--json', 'print JSON: session, agent, text')
    .action(async (ref: string, o: { lines?: number; json?: boolean }) => {
      await withDaemon(async (ch) => {
        const r = (await ch.request('last-message', { session: ref })) as { session: number; agent: string; text: string; source: string };
        let text = r.text;
        if (o.lines !== undefined) text = text.split('\n').slice(-o.lines).join('\n');
        if (o.json) {
          printJson({ ...r, text });
          return;
        }
        if (!text) throw new ClientError(`no reply found on the screen of session ${r.session} (${r.agent})`, `look at it with \`cw screen ${r.session}\``);
        await writeOut(`${text}\n`);
      });
    });
}
