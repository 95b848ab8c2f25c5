// cw status SESSION [--json]
import type { Command } from 'commander';
import { safeLine } from '../../common/terminal-text.js';
import { worktreeChanges } from './worktree.js';
import { describeState, formatAge, printJson, withDaemon } from '../run.js';

export function register(program: Command): void {
  program
    .command('status')
    .description("a session's state, activity and counters")
    .argument('<session>', 'id, name or @name')
    .option('--json', 'print JSON')
    .action(async (ref: string, o: { json?: boolean }) => {
      await withDaemon(async (ch) => {
        const r = await ch.request('status', { session: ref });
        const s = r.session;
        if (o.json) {
          printJson({ ...s, logError: r.logError, owes: r.owes, waitsOn: r.waitsOn });
          return;
        }
        const now = Date.now();
        const activity =
          s.state === 'running'
            ? `${s.activity}${s.activitySince ? ` since ${formatAge(now - Date.parse(s.activitySince))}` : ''}${s.activityReason ? ` (${safeLine(s.activityReason)})` : ''}`
            : '-';
        const lines: [string, string][] = [
          ['id', String(s.id)],
          // Everything a session (or whoever launched it) controls is escaped and bounded: see terminal-text.ts.
          ['name', s.name === null ? '-' : safeLine(s.name)],
          ['command', safeLine(s.command.join(' '))],
          ['cwd', safeLine(s.cwd)],
          ...(s.worktree ? ([['worktree', `${safeLine(s.worktree.path)}${s.worktree.exists ? '' : ' (missing)'}`], ['branch', `${safeLine(s.worktree.branch)} from ${safeLine(s.worktree.base)}: ${worktreeChanges(s.worktree)}`]] as [string, string][]) : []),
          ['state', describeState(s)],
          ['activity', activity],
          ['agent', safeLine(s.agent)],
          ...(s.hooks ? ([['hooks', safeLine(s.hooks)]] as [string, string][]) : []),
          ...(s.conversationId ? ([['conversation', safeLine(s.conversationId)]] as [string, string][]) : []),
          ...(s.prompt ? ([['prompt', `${s.prompt.state}${s.prompt.detail ? ` (${safeLine(s.prompt.detail)})` : ''} since ${formatAge(now - Date.parse(s.prompt.since))}`]] as [string, string][]) : []),
          ['pid', s.pid === null ? '-' : String(s.pid)],
          ['created', `${s.createdAt} (${formatAge(now - Date.parse(s.createdAt))} ago)`],
          ['ended', s.endedAt ? `${s.endedAt} (${formatAge(now - Date.parse(s.endedAt))} ago)` : '-'],
          ['size', `${s.cols}x${s.rows}`],
          ['clients', String(s.clients)],
          ['output', `${s.outputBytes} bytes`],
          // Idle is a running session's word: an ended one shows how long ago its output stopped.
          ['last output', s.lastOutputAt ? `${s.lastOutputAt} (${s.state === 'running' ? `idle ${s.idleSeconds}s` : `${formatAge(now - Date.parse(s.lastOutputAt))} ago`})` : '-'],
          ['tags', safeLine(s.tags.join(', ')) || '-'],
          ...(s.restartPolicy && s.restartPolicy !== 'never' ? ([['restart', s.restartPolicy]] as [string, string][]) : []),
          ...(s.restartedFrom ? ([['restarted from', `session ${s.restartedFrom}`]] as [string, string][]) : []),
          ...(s.restartedAs ? ([['restarted as', `session ${s.restartedAs}`]] as [string, string][]) : []),
          ['state card', s.stateCard ? safeLine(s.stateCard) : '-'],
          ['messages', `${s.unread ?? 0} unread`],
        ];
        for (const m of r.owes) lines.push(['owes', `${m.id} ${m.kind} from ${safeLine(m.from)} (${m.workState})`]);
        for (const m of r.waitsOn) lines.push(['waits on', `${m.id} ${m.kind} to ${safeLine(m.to)} (${m.workState})`]);
        if (r.logError) lines.push(['log', safeLine(r.logError)]);
        process.stdout.write(lines.map(([k, v]) => `${k.padEnd(12)} ${v}`).join('\n') + '\n');
      });
    });
}
