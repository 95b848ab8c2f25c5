// cw rename SESSION NAME [--json]
import type { Command } from 'commander';
import { safeLine } from '../../common/terminal-text.js';
import { SESSION_NAME_RE } from '../../protocol/index.js';
import { printJson, say, usage, withDaemon } from '../run.js';

export function register(program: Command): void {
  program
    .command('rename')
    .description('give a session a new name (refused when a running session has it)')
    .argument('<session>', 'id, name or @name')
    .argument('<name>', 'the new name: 1-64 of [a-zA-Z0-9._-], starting with a letter or digit')
    .option('--json', 'print the session as JSON')
    .action(async (ref: string, name: string, o: { json?: boolean }) => {
      // Checked here too, so a bad name is a usage error (exit 2) as with `launch --name`, without a daemon.
      if (!SESSION_NAME_RE.test(name)) throw usage(`'${safeLine(name)}' is not a session name: names are 1-64 of [a-zA-Z0-9._-], starting with a letter or digit`);
      await withDaemon(async (ch) => {
        const r = await ch.request('rename', { session: ref, name });
        if (o.json) printJson({ ...r.session, previous: r.previous });
        const was = r.previous === null ? '' : ` (was ${safeLine(r.previous)})`;
        say(`Session ${r.session.id} is now named ${safeLine(r.session.name)}${was}`);
      });
    });
}
