// cw wait SESSION... [--until idle|working|waiting|exit|not-working] [--any|--all] [--tag T] [--timeout S] [--json]
import type { Command } from 'commander';
import { safeLine } from '../../common/terminal-text.js';
import type { SessionInfo, WaitUntil } from '../../protocol/index.js';
import { ClientError, ExitCode } from '../../channel/errors.js';
import { collect, describeState, printJson, say, usage, withDaemon } from '../run.js';
import { Follower, restartedLine } from '../reconnect.js';

const UNTIL: readonly WaitUntil[] = ['idle', 'working', 'waiting', 'exit', 'not-working'];
const isUntil = (s: string): s is WaitUntil => (UNTIL as readonly string[]).includes(s);

export function describeActivity(s: SessionInfo): string {
  if (s.state !== 'running') return describeState(s);
  return `${s.activity}${s.activityReason ? ` (${safeLine(s.activityReason)})` : ''}`;
}

export function register(program: Command): void {
  program
    .command('wait')
    .description("wait until sessions' turns are over, a dialog needs a human, or they exit")
    .argument('[sessions...]', 'ids, names or @names')
    .option('-u, --until <state>', `idle, working, waiting, exit or not-working (idle, waiting or exited)`, 'not-working')
    .option('--any', 'return when any one session gets there')
    .option('--all', 'return when all of them get there (default)')
    .option('-t, --tag <tag>', 'also every session with this tag (repeatable)', collect, [])
    .option('--timeout <seconds>', 'give up after this many seconds (exit 124)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nA session whose activity is unknown (a program cw cannot read) is not-working only once it exits.\nAfter `cw send`, idle and waiting count only once the session has reacted (or 3 s passed).\n\nExamples:\n  cw wait fix --timeout 900 && cw last-message fix\n  cw wait --tag ui --any --until waiting',
    )
    .action(async (refs: string[], o: { until: string; any?: boolean; all?: boolean; tag: string[]; timeout?: string; json?: boolean }) => {
      const until = o.until;
      if (!isUntil(until)) throw usage(`--until takes ${UNTIL.join(', ')}, got '${o.until}'`);
      if (o.any && o.all) throw usage('give --any or --all, not both');
      if (refs.length === 0 && o.tag.length === 0) throw usage('name the sessions to wait for', 'cw wait SESSION... | --tag T');
      let timeoutMs: number | undefined;
      if (o.timeout !== undefined) {
        const n = Number(o.timeout);
        if (!Number.isFinite(n) || n < 0) throw usage(`--timeout takes seconds, got '${o.timeout}'`);
        timeoutMs = Math.round(n * 1000);
      }
      await withDaemon(async (first) => {
        const deadline = timeoutMs !== undefined ? Date.now() + timeoutMs : undefined;
        const ask = (ch: typeof first) =>
          ch.request('wait', {
            sessions: refs,
            tags: o.tag,
            until,
            mode: o.any ? 'any' : 'all',
            ...(deadline !== undefined ? { timeoutMs: Math.max(0, deadline - Date.now()) } : {}),
          });
        // Across a daemon restart (or a crash) the wait is asked again of the new daemon, with what is left of the timeout.
        const f = new Follower(first);
        let r;
        try {
          for (;;) {
            try {
              r = await ask(f.channel);
              break;
            } catch (err) {
              if (f.channel.error === null) throw err;
              const daemon = await f.again();
              if (!daemon) throw err;
              say(`${restartedLine(daemon)}; still waiting`);
            }
          }
        } finally {
          f.close();
        }
        if (o.json) printJson(r);
        else for (const s of r.sessions) process.stdout.write(`${s.id}\t${s.name ?? '-'}\t${describeActivity(s)}\n`);
        if (r.reached) return ExitCode.OK;
        if (r.timedOut) {
          say(`[cw] timed out after ${o.timeout}s waiting for ${o.until}`);
          return ExitCode.TIMEOUT;
        }
        throw new ClientError(`session${r.unreachable.length > 1 ? 's' : ''} ${r.unreachable.join(', ')} ended before reaching ${o.until}`, 'see `cw logs` for what happened');
      });
    });
}
