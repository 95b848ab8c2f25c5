// cw last-message SESSION [-n N] [--json]
import type { Command } from 'commander';
import { safeText } from '../../common/terminal-text.js';
import { ClientError } from '../../channel/errors.js';
import { parseIntOption, printJson, withDaemon, writeOut } from '../run.js';

export function register(program: Command): void {
  program
    .command('last-message')
    .alias('last')
    .description("the reply of the agent's latest turn, as clean text (from its hook, transcript or screen); exit 1 when that turn has none")
    .argument('<session>', 'id, name or @name')
    .option('-n, --lines <n>', 'only the last N lines of the reply', parseIntOption('--lines'))
    .option('--json', 'print JSON: session, agent, text, source (hook, transcript or screen)')
    .action(async (ref: string, o: { lines?: number; json?: boolean }) => {
      await withDaemon(async (ch) => {
        const r = await ch.request('last-message', { session: ref });
        let text = r.text;
        if (o.lines !== undefined) text = text.split('\n').slice(-o.lines).join('\n');
        if (o.json) {
          printJson({ ...r, text });
          return;
        }
        if (!text) throw new ClientError(`the latest reply of session ${r.session} (${r.agent}) is empty`, `look at it with \`cw screen ${r.session}\``);
        // The agent's own words: its controls reach the terminal only as visible escapes (--json is exact).
        await writeOut(`${safeText(text)}\n`);
      });
    });
}
