// cw rm SESSION... | --exited
import type { Command } from 'commander';
import { printJson, say, usage, withDaemon } from '../run.js';

export function register(program: Command): void {
  program
    .command('rm')
    .description('forget ended sessions and delete their logs')
    .argument('[sessions...]', 'ids, names or @names')
    .option('--exited', 'every session that is no longer running')
    .option('--json', 'print the removed ids as JSON')
    .action(async (refs: string[], o: { exited?: boolean; json?: boolean }) => {
      if (refs.length === 0 && !o.exited) throw usage('name the sessions to remove', 'cw rm SESSION... | --exited');
      await withDaemon(async (ch) => {
        const r = await ch.request('rm', { sessions: refs, exited: !!o.exited });
        if (o.json) printJson(r);
        say(r.removed.length ? `Removed session${r.removed.length > 1 ? 's' : ''} ${r.removed.join(', ')}` : 'nothing to remove');
      });
    });
}
