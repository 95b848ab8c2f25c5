// cw worktree ls [--json] | cw worktree prune [--yes] [--json]: the git worktrees of sessions (docs/worktrees.md).
import type { Command } from 'commander';
import type { WorktreeEntry, WorktreeInfo } from '../../protocol/index.js';
import { safeLine } from '../../common/terminal-text.js';
import { printJson, say, table, withDaemon } from '../run.js';

/** Bytes as `du -h` shows them: 512, 4.0K, 1.5M, 2.0G. */
export function humanBytes(n: number): string {
  const units = ['K', 'M', 'G', 'T'];
  if (n < 1024) return String(n);
  let v = n;
  let u = -1;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)}${units[u]}`;
}

/** "clean", or what is not yet safe: "2 modified, 1 untracked, 3 ahead of main"; "missing" when the directory is gone. */
export function worktreeChanges(w: WorktreeInfo): string {
  if (!w.exists) return 'missing';
  const parts: string[] = [];
  if (w.modified) parts.push(`${w.modified} modified`);
  if (w.untracked) parts.push(`${w.untracked} untracked`);
  if (w.ahead) parts.push(`${w.ahead} ahead of ${safeLine(w.base)}`);
  return parts.length ? parts.join(', ') : 'clean';
}

const sessionText = (e: WorktreeEntry): string => (e.session === null ? '-' : `${e.session}${e.sessionName ? ` (${safeLine(e.sessionName)})` : ''}`);

function printEntries(rows: WorktreeEntry[], extra?: (e: WorktreeEntry) => string): void {
  const head = ['SESSION', 'STATE', 'BRANCH', 'CHANGES', 'DISK', 'PATH', ...(extra ? ['WHY'] : [])];
  const body = rows.map((e) => [
    sessionText(e),
    e.sessionState,
    safeLine(e.branch),
    worktreeChanges(e),
    e.diskBytes === null ? '-' : `${e.diskPartial ? '>' : ''}${humanBytes(e.diskBytes)}`,
    safeLine(e.path),
    ...(extra ? [extra(e)] : []),
  ]);
  process.stdout.write(`${table([head, ...body])}\n`);
}

export function register(program: Command): void {
  const wt = program.command('worktree').description('the git worktrees of sessions (cw launch --worktree)');

  wt.command('ls')
    .alias('list')
    .description('every cw worktree: its session, branch, changes and disk use')
    .option('--json', 'print a JSON array (diskBytes in bytes)')
    .action(async (o: { json?: boolean }) => {
      await withDaemon(async (ch) => {
        const r = await ch.request('worktree-ls', { du: true });
        if (o.json) return printJson(r.worktrees);
        if (!r.worktrees.length) return say('no worktrees (start a session in one with `cw launch --worktree -- CMD`)');
        printEntries(r.worktrees);
      });
    });

  wt.command('prune')
    .description('remove the worktrees of ended sessions that hold no work (a dry run unless --yes)')
    .option('-y, --yes', 'remove them (without it, only say what would go and what stays)')
    .option('--json', 'print what was (or would be) removed and kept, as JSON')
    .action(async (o: { yes?: boolean; json?: boolean }) => {
      await withDaemon(async (ch) => {
        const r = await ch.request('worktree-prune', { yes: !!o.yes });
        if (o.json) return printJson(r);
        const verb = r.dryRun ? 'would remove' : 'removed';
        if (r.removed.length) {
          say(`${verb}:`);
          printEntries(r.removed);
        } else say(`nothing to remove`);
        if (r.kept.length) {
          say('kept:');
          printEntries(r.kept, (e) => (e as WorktreeEntry & { why: string }).why);
        }
        if (r.dryRun && r.removed.length) say('nothing was removed: run `cw worktree prune --yes` to remove them');
      });
    });
}
