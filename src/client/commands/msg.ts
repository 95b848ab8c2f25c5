// cw msg TARGET [TEXT] [--task] [--stdin] [--json] ; cw request TARGET [TEXT] [--timeout S] ; cw reply ID [TEXT]
import type { Command } from 'commander';
import { safeLine } from '../../common/terminal-text.js';
import { ExitCode } from '../../channel/errors.js';
import { cleanBody, formatMessage } from '../../common/messages-format.js';
import { isRemote, printJson, routeTarget, say, usage, withDaemon, writeOut } from '../run.js';

/** Where a message went to a session that will never run again (SentMessage.targetState). */
const ENDED = new Set(['exited', 'killed', 'lost', 'removed']);

async function bodyFrom(text: string | undefined, stdin: boolean | undefined): Promise<string> {
  if (text !== undefined && stdin) throw usage('give the text as an argument or with --stdin, not both');
  if (text !== undefined) return text;
  if (!stdin) throw usage('nothing to send', 'give TEXT or --stdin');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function register(program: Command): void {
  program
    .command('msg')
    .description('send a message to another session (durable; it reads it with `cw inbox`)')
    .argument('<target>', 'a session (id, name, @name), tag:T for every running session with the tag, operator, or SERVER:SESSION')
    .argument('[text]', 'the message (or --stdin); at most 16 KiB: send a file path for more')
    .option('--task', 'an obligation the receiver owns until it closes it with `cw work done|block`')
    .option('--stdin', 'read the message from standard input')
    .option('--json', 'print the stored messages as JSON')
    .addHelpText('after', '\nInside a session, the daemon knows who you are (CW_SESSION_TOKEN); outside, you are the operator.\n\nExamples:\n  cw msg deploy "gateway moved to port 8443"\n  cw msg deploy --task "migrate the config loader"\n  cw msg tag:backend "freeze merges for 10 minutes"')
    .action(async (target: string, text: string | undefined, o: { task?: boolean; stdin?: boolean; json?: boolean }) => {
      const body = await bodyFrom(text, o.stdin);
      const to = await routeTarget(target);
      const { fleetConfigured, fleetDeliver } = await import('./fleet.js');
      const overFleet = to === target && !isRemote() && (await fleetConfigured(target));
      await withDaemon(async (ch) => {
        const r = overFleet ? await fleetDeliver('msg', target, body, { task: !!o.task }) : await ch.request('msg', { to, body, task: !!o.task });
        if (o.json) printJson(r.messages);
        for (const m of r.messages) {
          if (!o.json) process.stdout.write(`${m.id}\n`);
          // A session that ended never reads it: "queued" would promise a delivery that cannot come.
          const state = ENDED.has(m.targetState) ? 'undeliverable' : m.state;
          say(`${m.kind === 'task' ? 'Task' : 'Message'} ${m.id} to ${safeLine(m.to)}: ${state}${m.hint ? ` (${safeLine(m.hint)})` : ''}`);
        }
      });
    });

  program
    .command('request')
    .alias('ask')
    .description('ask another session and wait for its reply (exit 124 on timeout; a late reply still reaches your inbox)')
    .argument('<target>', 'a session (id, name, @name) or SERVER:SESSION')
    .argument('[text]', 'the question (or --stdin)')
    .option('--stdin', 'read the question from standard input')
    .option('--timeout <seconds>', 'how long to wait for the reply', '60')
    .option('--json', 'print the request and the reply as JSON')
    .action(async (target: string, text: string | undefined, o: { stdin?: boolean; timeout: string; json?: boolean }) => {
      const body = await bodyFrom(text, o.stdin);
      const secs = Number(o.timeout);
      if (!Number.isFinite(secs) || secs < 0) throw usage(`--timeout takes seconds, got '${o.timeout}'`);
      const to = await routeTarget(target);
      const { fleetConfigured, fleetDeliver } = await import('./fleet.js');
      const overFleet = to === target && !isRemote() && (await fleetConfigured(target));
      const timeoutMs = Math.round(secs * 1000);
      await withDaemon(async (ch) => {
        const r = overFleet ? await fleetDeliver('request', target, body, { timeoutMs }) : await ch.request('request', { to, body, timeoutMs });
        if (o.json) printJson(r);
        // Just the reply, for `$(cw request ...)`; the peer's controls arrive as visible escapes.
        else await writeOut(`${cleanBody(r.reply.body)}\n`);
        return ExitCode.OK;
      });
    });

  program
    .command('reply')
    .description('answer a message you received (only its recipient can)')
    .argument('<id>', 'the message id, e.g. msg:12')
    .argument('[text]', 'the reply (or --stdin)')
    .option('--stdin', 'read the reply from standard input')
    .option('--json', 'print the reply as JSON')
    .action(async (id: string, text: string | undefined, o: { stdin?: boolean; json?: boolean }) => {
      const body = await bodyFrom(text, o.stdin);
      await withDaemon(async (ch) => {
        const r = await ch.request('reply', { id, body });
        if (o.json) printJson(r.message);
        say(`Reply ${r.message.id} to ${safeLine(r.message.to)} (re ${safeLine(r.message.re)})`);
      });
    });

  program
    .command('inbox')
    .description('your unread messages (then marked read)')
    .option('--peek', 'show without marking them read')
    .option('--all', 'also the messages already read')
    .option('-n, --limit <n>', 'at most this many (default 50; the rest wait for the next call)', '50')
    .option('--json', 'print JSON')
    .action(async (o: { peek?: boolean; all?: boolean; limit: string; json?: boolean }) => {
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1) throw usage(`--limit takes a positive number, got '${o.limit}'`);
      await withDaemon(async (ch) => {
        const r = await ch.request('inbox', { peek: !!o.peek, all: !!o.all, limit });
        if (o.json) {
          printJson(r.messages);
          return;
        }
        if (r.messages.length === 0) {
          say(`no ${o.all ? '' : 'unread '}messages for ${safeLine(r.me)}`);
          return;
        }
        const { PEER_PREAMBLE } = await import('../../common/messages-format.js');
        await writeOut(`${PEER_PREAMBLE}\n\n${r.messages.map(formatMessage).join('\n')}`);
      });
    });
}
