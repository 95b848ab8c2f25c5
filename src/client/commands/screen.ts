// cw screen SESSION [--ansi] [--json]
import type { Command } from 'commander';
import { printJson, withDaemon, writeOut } from '../run.js';

export function register(program: Command): void {
  program
    .command('screen')
    .description("the session's current screen as text, exactly as a terminal shows it")
    .argument('<session>', 'id, name or @name')
    .option('--ansi', 'keep colours and attributes (escape sequences that redraw the screen)')
    .option('--json', 'print JSON: size, cursor and text')
    .action(async (ref: string, o: { ansi?: boolean; json?: boolean }) => {
      await withDaemon(async (ch) => {
        const r = await ch.request('screen', { session: ref, ansi: !!o.ansi });
        if (o.json) printJson(r);
        else await writeOut(r.text.endsWith('\n') || r.text === '' ? r.text : `${r.text}\n`);
      });
    });
}
