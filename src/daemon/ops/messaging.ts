// Messaging ops: msg, request, reply, inbox, work, work-close, state-set, messages. The mailbox does the work;
// who a message is from, and whose state card may be set, is decided in auth.ts. The card's shape is checked here.
import { ErrorCode, OpArgs, parseArgs } from '../../protocol/index.js';
import { CwError, invalid } from '../errors.js';
import { STATE_CARD_MAX_CHARS } from '../limits.js';
import { endedPhrase, parseMessageId, view } from '../mailbox.js';
import type { DaemonContext, Family } from './types.js';

export type MessagingOp = 'msg' | 'request' | 'reply' | 'inbox' | 'work' | 'work-close' | 'state-set' | 'messages';

export function messagingOps(ctx: DaemonContext): Family<MessagingOp> {
  const { registry, mailbox } = ctx;
  return {
    msg: (_c, raw, _req, who) => {
      const a = parseArgs(OpArgs.msg, 'msg', raw);
      const sent = mailbox.send(who.sender(a.via), a.to, a.task ? 'task' : 'message', a.body);
      return { messages: sent.map((m) => ({ ...view(m), ...mailbox.outlook(m) })) };
    },

    request: async (conn, raw, _req, who) => {
      const a = parseArgs(OpArgs.request, 'request', raw);
      const to = mailbox.recipients(a.to);
      if (to.length !== 1) throw invalid('a request goes to one session', 'use `cw msg tag:T` to broadcast');
      // An ended session never answers: say so now rather than after the whole timeout.
      const r0 = to[0]!;
      if (r0.kind === 'session' && !r0.session.running) {
        throw new CwError(ErrorCode.NOT_RUNNING, `session ${r0.session.row.name ?? r0.session.id} ${endedPhrase(r0.session)} and is not coming back: nobody would answer`, 'ask a running session (`cw list --status running`)');
      }
      const sent = mailbox.send(who.sender(a.via), a.to, 'request', a.body);
      const req = sent[0]!;
      const reply = await mailbox.waitReply(req.id, a.timeoutMs, conn.whenClosed);
      if (!reply) {
        throw new CwError(
          ErrorCode.TIMEOUT,
          `no reply to ${view(req).id} from ${req.toLabel} within ${Math.round(a.timeoutMs / 1000)}s`,
          `a later reply still reaches your inbox (\`cw inbox\`); \`cw work\` shows it as open`,
        );
      }
      // The asker has the reply in hand: it is read, and no notice about it is typed later.
      mailbox.markRead(reply, mailbox.identityOf(who.identity()).label);
      return { request: view(req), reply: view({ ...reply, state: 'read' }) };
    },

    reply: (_c, raw, _req, who) => {
      const a = parseArgs(OpArgs.reply, 'reply', raw);
      const r = mailbox.reply(who.identity(), parseMessageId(a.id), a.body);
      return { message: { ...view(r), ...mailbox.outlook(r) } };
    },

    inbox: (_c, raw, _req, who) => {
      const a = parseArgs(OpArgs.inbox, 'inbox', raw);
      const me = who.identity();
      return { me: mailbox.identityOf(me).label, messages: mailbox.inbox(me, a).map(view) };
    },

    work: (_c, _raw, _req, who) => {
      const w = mailbox.work(who.identity());
      return { owes: w.owes.map(view), waitsOn: w.waitsOn.map(view) };
    },

    'work-close': (_c, raw, _req, who) => {
      const a = parseArgs(OpArgs['work-close'], 'work-close', raw);
      return { message: view(mailbox.closeWork(who.identity(), parseMessageId(a.id), a.state, a.text)) };
    },

    'state-set': (_c, raw, _req, who) => {
      const a = parseArgs(OpArgs['state-set'], 'state-set', raw);
      const target = who.cardTarget(a.session);
      const card = a.card === null ? null : a.card.replace(/\s+/g, ' ').trim();
      if (card !== null && [...card].length > STATE_CARD_MAX_CHARS) {
        throw invalid(`the state card is ${[...card].length} characters; the limit is ${STATE_CARD_MAX_CHARS}`, 'keep it to one line: what you are doing, for your peers');
      }
      registry.setStateCard(target, card || null);
      return { session: target.info() };
    },

    messages: (_c, raw) => {
      const a = parseArgs(OpArgs.messages, 'messages', raw);
      const o = mailbox.overview(a.limit);
      return { messages: o.messages.map(view), open: o.open.map(view) };
    },
  };
}
