// cw state [show] ; cw state set TEXT [--session S] ; cw state clear
import type { Command } from 'commander';
import { safeLine } from '../../common/terminal-text.js';
import { printJson, say, withDaemon } from '../run.js';

export function register(program: Command): void {
  const state = program
    .command('state')
    .description("this session's state card: one line on what it is doing, shown to peers in `cw list`")
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      await withDaemon(async (ch) => {
        const r = await ch.request('whoami', {});
        if (o.json) printJson(r);
        else if (r.kind === 'session') process.stdout.write(`${r.session.stateCard ? safeLine(r.session.stateCard) : '(no state card)'}\n`);
        else say(`you are ${safeLine(r.label)} (not a session): use \`cw state set --session NAME TEXT\``);
      });
    });
  for (const [name, clear] of [['set', false], ['clear', true]] as const) {
    const c = state.command(name).description(clear ? 'remove the state card' : 'set the state card (200 characters at most)');
    if (!clear) c.argument('<text>', 'what this session is doing');
    c.option('--session <session>', 'for the operator: the session to set it on')
      .option('--json', 'print JSON')
      .action(async (...args: unknown[]) => {
        const text = clear ? null : (args[0] as string);
        const o = (clear ? args[0] : args[1]) as { session?: string; json?: boolean };
        await withDaemon(async (ch) => {
          const r = await ch.request('state-set', { card: text, ...(o.session ? { session: o.session } : {}) });
          if (o.json) printJson(r.session);
          say(`State card of session ${r.session.id}: ${r.session.stateCard ? safeLine(r.session.stateCard) : '(cleared)'}`);
        });
      });
  }
}
