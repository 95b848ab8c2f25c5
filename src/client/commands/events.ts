// cw events [SESSION...] [-f] [--tail N] [--since ID] [--json]
import type { Command } from 'commander';
import { safeLine } from '../../common/terminal-text.js';
import type { EventRecord, StreamEventOf } from '../../protocol/index.js';
import { ClientError } from '../../channel/errors.js';
import { parseIntOption, say, withDaemon } from '../run.js';
import { Follower, restartedLine } from '../reconnect.js';

/** One human line per event. Reasons, commands and data come from sessions, hooks and peers: escaped and bounded. */
export function formatEvent(e: EventRecord): string {
  const d = e.data;
  const f = (v: unknown): string => safeLine(String(v));
  const who = e.sessionId === null ? 'daemon' : `session ${e.sessionId}`;
  let what: string;
  switch (e.type) {
    case 'activity':
      what = `${f(d.previous ?? '?')} → ${f(d.activity)}${d.reason ? ` (${f(d.reason)})` : ''}`;
      break;
    case 'session.created':
      what = `launched: ${Array.isArray(d.command) ? f(d.command.join(' ')) : ''}`;
      break;
    case 'session.ended':
      what = `${f(d.state)}${d.exitCode !== null && d.exitCode !== undefined ? ` (code ${f(d.exitCode)})` : ''}${d.signal ? ` (${f(d.signal)})` : ''}`;
      break;
    default:
      // JSON.stringify escapes C0 controls but not DEL, C1 or bidi overrides: the line is escaped again.
      what = f(e.type) + (Object.keys(d).length ? ` ${f(JSON.stringify(d))}` : '');
  }
  return `${f(e.at)}  #${e.id}  ${who}  ${e.type === 'activity' ? 'activity ' : ''}${what}`;
}

export function register(program: Command): void {
  program
    .command('events')
    .description('the event history: activity changes, sessions launched and ended; -f streams new ones')
    .argument('[sessions...]', 'only these sessions (ids, names or @names)')
    .option('-f, --follow', 'keep streaming new events')
    .option('-n, --tail <n>', 'how many past events to show first (default 20)', parseIntOption('--tail'))
    .option('--since <id>', 'every event after this event id (resume where you left off)', parseIntOption('--since'))
    .option('--json', 'JSON lines: one event object per line')
    .action(async (refs: string[], o: { follow?: boolean; tail?: number; since?: number; json?: boolean }) => {
      await withDaemon(async (first) => {
        const f = new Follower(first);
        /**
         * The id of the last event printed: a follower that lost its daemon (`cw daemon restart`), or that the daemon
         * dropped for reading too slowly, resumes after it.
         */
        let lastId = 0;
        const follow = async (since: number | undefined): Promise<Extract<StreamEventOf, { type: 'end' }>> => {
          let resolveEnd!: (ev: Extract<StreamEventOf, { type: 'end' }>) => void;
          const end = new Promise<Extract<StreamEventOf, { type: 'end' }>>((r) => (resolveEnd = r));
          await f.channel.openStream(
            'events',
            { sessions: refs, follow: !!o.follow, ...(since === undefined && o.tail !== undefined ? { tail: o.tail } : {}), ...(since !== undefined ? { since } : {}) },
            {
              output: () => {},
              event: (ev) => {
                if (ev.type === 'event') {
                  if (ev.event.id) lastId = Math.max(lastId, ev.event.id);
                  process.stdout.write(o.json ? `${JSON.stringify(ev.event)}\n` : `${formatEvent(ev.event)}\n`);
                } else if (ev.type === 'end') resolveEnd(ev);
              },
            },
          );
          return end;
        };
        try {
          /** The last event printed when the current stream began: a drop with nothing printed since is final. */
          let from = lastId;
          let e = await follow(o.since);
          while (o.follow) {
            if (f.lost(e)) {
              const daemon = await f.again();
              if (!daemon) break;
              say(`${restartedLine(daemon)}; following events again`);
            } else if (!(e.reason === 'too_slow' && lastId > from)) break;
            // Dropped for reading too slowly (or after a restart): the history has every event after the last printed.
            from = lastId;
            e = await follow(lastId || o.since);
          }
          if (e.reason !== 'eof' && e.reason !== 'detached') throw new ClientError(`event stream ended: ${e.message}`);
        } finally {
          f.close();
        }
      });
    });
}
