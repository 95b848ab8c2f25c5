// cw work [--json] ; cw work done ID RESULT ; cw work block ID REASON
import type { Command } from 'commander';
import { safeLine } from '../../common/terminal-text.js';
import { printJson, say, table, withDaemon } from '../run.js';

/** A peer's text on one table row: whitespace runs folded, controls escaped, cut to n characters. */
const oneLine = (s: string, n = 60): string => safeLine(s.replace(/[ \t\n]+/g, ' ').trim(), n);

export function register(program: Command): void {
  const work = program
    .command('work')
    .description('open requests and tasks: what you owe, and what you wait on')
    .option('--json', 'print JSON: {owes, waitsOn}')
    .action(async (o: { json?: boolean }) => {
      await withDaemon(async (ch) => {
        const r = await ch.request('work', {});
        if (o.json) {
          printJson(r);
          return;
        }
        if (!r.owes.length && !r.waitsOn.length) {
          say('no open requests or tasks');
          return;
        }
        const rows = [['ID', 'KIND', 'STATE', 'FROM', 'TO', 'TEXT']];
        for (const m of [...r.owes, ...r.waitsOn]) rows.push([m.id, m.kind, m.workState ?? '-', safeLine(m.from, 64), safeLine(m.to, 64), oneLine(m.body)]);
        process.stdout.write(`${table(rows)}\n`);
      });
    });

  for (const state of ['done', 'block'] as const) {
    work
      .command(state)
      .description(state === 'done' ? 'close a task or request you own, with its result' : 'mark a task you own as blocked, with the reason')
      .argument('<id>', 'the task or request id, e.g. msg:12')
      .argument('<text>', state === 'done' ? 'the result' : 'what blocks it')
      .option('--json', 'print JSON')
      .action(async (id: string, text: string, o: { json?: boolean }) => {
        await withDaemon(async (ch) => {
          const r = await ch.request('work-close', { id, state: state === 'done' ? 'done' : 'blocked', text });
          if (o.json) printJson(r.message);
          say(`${r.message.id} ${r.message.workState}; ${safeLine(r.message.from)} is told`);
        });
      });
  }
}
