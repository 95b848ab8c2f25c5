// cw rm SESSION... | --exited
import type { Command } from 'commander';
import { printJson, say, usage, withDaemon } from '../run.js';

export function register(program: Command): void {
  program
    .command('rm')
    .description('forget ended sessions and delete their logs')
    .argument('[sessions...]', 'ids, names or @names')
    .option('--exited', 'every session that is no longer running')
    .option('--worktree', 'also remove their git worktrees and branches, unless that would lose work (docs/worktrees.md)')
    .option('-f, --force', 'with --worktree: remove them even with uncommitted or unmerged work')
    .option('--json', 'print the removed ids as JSON')
    .action(async (refs: string[], o: { exited?: boolean; worktree?: boolean; force?: boolean; json?: boolean }) => {
      if (refs.length === 0 && !o.exited) throw usage('name the sessions to remove', 'cw rm SESSION... | --exited');
      if (o.force && !o.worktree) throw usage('--force goes with --worktree', 'cw rm --worktree --force SESSION');
      await withDaemon(async (ch) => {
        if (o.worktree) {
          const w = await ch.request('worktree-rm', { sessions: refs, exited: !!o.exited, force: !!o.force });
          if (o.json) printJson(w);
          for (const e of w.worktrees) say(`Removed worktree ${e.path} and branch ${e.branch}`);
          say(w.removed.length ? `Removed session${w.removed.length > 1 ? 's' : ''} ${w.removed.join(', ')}` : 'nothing to remove');
          return;
        }
        const r = await ch.request('rm', { sessions: refs, exited: !!o.exited });
        if (o.json) printJson(r);
        say(r.removed.length ? `Removed session${r.removed.length > 1 ? 's' : ''} ${r.removed.join(', ')}` : 'nothing to remove');
        for (const k of r.worktreesKept ?? []) say(`The worktree of session ${k.session} is still there: ${k.path} (branch ${k.branch}); \`cw worktree prune\` or \`git worktree remove\` removes it`);
      });
    });
}
