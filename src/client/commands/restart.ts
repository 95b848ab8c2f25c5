// cw restart SESSION [--force] [--json]
import type { Command } from 'commander';
import { safeLine } from '../../common/terminal-text.js';
import { printJson, say, withDaemon } from '../run.js';

export function register(program: Command): void {
  program
    .command('restart')
    .description('start an ended session again as a new one (same command, directory, environment, name, tags, size); an agent resumes its conversation')
    .argument('<session>', 'id, name or @name')
    .option('-f, --force', 'a running session is ended first (as `cw kill`), then started again')
    .option('--json', 'print the new session, the one it replaces and the conversation it resumes as JSON')
    .addHelpText('after', '\nThe new session gets a new id and the name; the old one keeps its id, its logs and its screen.\nExamples:\n  cw restart api\n  id=$(cw restart --force 3)')
    .action(async (ref: string, o: { force?: boolean; json?: boolean }) => {
      await withDaemon(async (ch) => {
        const r = await ch.request('restart', { session: ref, force: !!o.force });
        const s = r.session;
        if (o.json) printJson(r);
        else process.stdout.write(`${s.id}\n`);
        // The conversation id and the note come from the agent's hooks and the command line: escaped.
        const how = r.resumed ? `, resuming its conversation ${safeLine(r.resumed)}` : '';
        say(`Session ${r.previous} restarted as session ${s.id}${s.name ? ` (${safeLine(s.name)})` : ''}${how}: ${safeLine(s.command.join(' '))}`);
        if (r.note) say(`note: ${safeLine(r.note)}`);
      });
    });
}
