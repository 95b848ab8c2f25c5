// cw kill SESSION... | --tag T | --all
import type { Command } from 'commander';
import { collect, printJson, say, usage, withDaemon } from '../run.js';

export function register(program: Command): void {
  program
    .command('kill')
    .description('end sessions: SIGHUP to the process group, SIGKILL after a grace period')
    .argument('[sessions...]', 'ids, names or @names')
    .option('-t, --tag <tag>', 'every running session with this tag (repeatable)', collect, [])
    .option('--all', 'every running session')
    .option('--json', 'print the result as JSON')
    .action(async (refs: string[], o: { tag: string[]; all?: boolean; json?: boolean }) => {
      if (refs.length === 0 && o.tag.length === 0 && !o.all) throw usage('name the sessions to kill', 'cw kill SESSION... | --tag T | --all');
      await withDaemon(async (ch) => {
        const r = await ch.request('kill', { sessions: refs, tags: o.tag, all: !!o.all });
        if (o.json) printJson(r);
        for (const id of r.killed) say(`Session ${id} killed`);
        for (const id of r.alreadyEnded) say(`Session ${id} had already ended`);
        if (r.killed.length === 0 && r.alreadyEnded.length === 0) say('no running sessions matched');
      });
    });
}
