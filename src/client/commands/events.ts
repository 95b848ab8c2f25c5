// cw events [SESSION...] [-f] [--tail N] [--since ID] [--json]
import type { Command } from 'commander';
import type { EventRecord, StreamEventOf } from '../../protocol/index.js';
import { ClientError } from '../errors.js';
import { parseIntOption, withDaemon } from '../run.js';

export function formatEvent(e: EventRecord): string {
  const d = e.data;
  const who = e.sessionId === null ? 'daemon' : `session ${e.sessionId}`;
  let what: string;
  switch (e.type) {
    case 'activity':
      what = `${String(d.previous ?? '?')} → ${String(d.activity)}${d.reason ? ` (${String(d.reason)})` : ''}`;
      break;
    case 'session.created':
      what = `launched: ${Array.isArray(d.command) ? d.command.join(' ') : ''}`;
      break;
    case 'session.ended':
      what = `${String(d.state)}${d.exitCode !== null && d.exitCode !== undefined ? ` (code ${String(d.exitCode)})` : ''}${d.signal ? ` (${String(d.signal)})` : ''}`;
      break;
    default:
      what = e.type + (Object.keys(d).length ? ` ${JSON.stringify(d)}` : '');
  }
  return `${e.at}  #${e.id}  ${who}  ${e.type === 'activity' ? 'activity ' : ''}${what}`;
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
      await withDaemon(async (ch) => {
        let resolveEnd!: (ev: Extract<StreamEventOf, { type: 'end' }>) => void;
        const end = new Promise<Extract<StreamEventOf, { type: 'end' }>>((r) => (resolveEnd = r));
        await ch.openStream(
          'events',
          { sessions: refs, follow: !!o.follow, ...(o.tail !== undefined ? { tail: o.tail } : {}), ...(o.since !== undefined ? { since: o.since } : {}) },
          {
            output: () => {},
            event: (ev) => {
              if (ev.type === 'event') process.stdout.write(o.json ? `${JSON.stringify(ev.event)}\n` : `${formatEvent(ev.event)}\n`);
              else if (ev.type === 'end') resolveEnd(ev);
            },
          },
        );
        const e = await end;
        if (e.reason !== 'eof' && e.reason !== 'detached') throw new ClientError(`event stream ended: ${e.message}`);
      });
    });
}
