// cw list [--status running|exited|all] [--tag T] [--activity A] [--json]
import type { Command } from 'commander';
import { FIELD_MAX_CHARS, safeLine } from '../../common/terminal-text.js';
import { shortCommand } from '../command-line.js';
import type { SessionInfo } from '../../protocol/index.js';
import { worktreeChanges } from './worktree.js';
import { collect, describeState, formatAge, printJson, table, usage, withDaemon } from '../run.js';

/** The COMMAND column's width when a STATE CARD column follows it: room for the card on an 80-160 column terminal. */
const COMMAND_WITH_CARD_CHARS = 40;

const ACTIVITIES = ['working', 'idle', 'waiting_for_input', 'waiting', 'unknown'];

export function register(program: Command): void {
  program
    .command('list')
    .alias('ls')
    .description('list sessions, running first')
    .option('-s, --status <status>', 'running, exited or all', 'all')
    .option('-t, --tag <tag>', 'only sessions with this tag (repeatable: any matches)', collect, [])
    .option('-a, --activity <state>', 'only sessions in this activity: working, idle, waiting_for_input, unknown')
    .option('--json', 'print a JSON array')
    .action(async (o: { status: string; tag: string[]; activity?: string; json?: boolean }) => {
      if (!['running', 'exited', 'all'].includes(o.status)) throw usage(`--status takes running, exited or all, got '${o.status}'`);
      if (o.activity && !ACTIVITIES.includes(o.activity)) throw usage(`--activity takes ${ACTIVITIES.join(', ')}, got '${o.activity}'`);
      const activity = o.activity === 'waiting' ? 'waiting_for_input' : o.activity;
      await withDaemon(async (ch) => {
        const r = await ch.request('list', {
          status: o.status as 'running' | 'exited' | 'all',
          tags: o.tag,
          ...(activity ? { activity: activity as SessionInfo['activity'] } : {}),
        });
        if (o.json) {
          printJson(r.sessions);
          return;
        }
        if (r.sessions.length === 0) {
          process.stderr.write('no sessions (start one with `cw launch -- CMD`)\n');
          return;
        }
        const now = Date.now();
        // Messages and state cards get columns only when some session has them.
        const mail = r.sessions.some((s) => s.unread || s.owes);
        const cards = r.sessions.some((s) => s.stateCard);
        // A BRANCH column only when some session runs in a worktree: `cw/api (2 modified, 1 ahead of main)`.
        const trees = r.sessions.some((s) => s.worktree);
        const rows = [['ID', 'NAME', 'STATE', 'ACTIVITY', 'AGE', ...(mail ? ['MAIL'] : []), ...(trees ? ['BRANCH'] : []), 'COMMAND', ...(cards ? ['STATE CARD'] : [])]];
        for (const s of r.sessions) {
          rows.push([
            String(s.id),
            s.name === null ? '-' : safeLine(s.name),
            describeState(s),
            s.state === 'running' ? s.activity : '-',
            formatAge(now - Date.parse(s.createdAt)),
            ...(mail ? [s.unread || s.owes ? `${s.unread ?? 0} new${s.owes ? `, owes ${s.owes}` : ''}` : '-'] : []),
            ...(trees ? [s.worktree ? `${safeLine(s.worktree.branch)} (${worktreeChanges(s.worktree)})` : '-'] : []),
            // Session-controlled text is escaped and bounded (a 1 MB argument must not flood the table); beside
            // a state card, paths and arguments give way first: the program's name always shows.
            shortCommand(s.command, cards ? COMMAND_WITH_CARD_CHARS : FIELD_MAX_CHARS),
            ...(cards ? [safeLine(s.stateCard)] : []),
          ]);
        }
        process.stdout.write(`${table(rows)}\n`);
      });
    });
}
