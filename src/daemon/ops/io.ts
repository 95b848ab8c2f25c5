// Input and output ops: send (type into a session), wait (for sessions to reach a state), hook (an agent of a
// session reports itself; only from inside that session: auth.ts).
import { ErrorCode, OpArgs, parseArgs } from '../../protocol/index.js';
import { CwError, invalid } from '../errors.js';
import type { Session } from '../session.js';
import { readyToType, typeInto } from '../input.js';
import { waitFor } from '../waiting.js';
import { INPUT_QUEUE_MAX_BYTES } from '../limits.js';
import { requireRunning } from './sessions.js';
import type { DaemonContext, Family } from './types.js';

export type IoOp = 'send' | 'wait' | 'hook';

export function ioOps(ctx: DaemonContext): Family<IoOp> {
  const { registry } = ctx;
  return {
    send: async (_c, raw) => {
      const a = parseArgs(OpArgs.send, 'send', raw);
      const s = registry.resolve(a.session);
      requireRunning(s, 'send input');
      if (a.ifIdle) {
        const r = await readyToType(s, 'send-if-idle');
        if (!r.ready) throw new CwError(ErrorCode.REFUSED, `session ${s.id} is not at its ready prompt: ${r.why}; nothing sent`, `drop --if-idle to send anyway, or \`cw wait ${s.id}\` first`);
      }
      // All or nothing: into a program that has left too much input unread, nothing is typed and the sender is
      // told (the bracketed-paste markers and the Enter are counted too).
      const need = (a.text?.length ?? 0) + 12 + 1 + (a.keys?.length ?? 0);
      if (!s.inputFits(need)) {
        throw new CwError(
          ErrorCode.REFUSED,
          `session ${s.id} is not reading its input: ${s.queuedInput} bytes typed earlier still wait (at most ${INPUT_QUEUE_MAX_BYTES}); nothing sent`,
          `see \`cw screen ${s.id}\` (the program may be stopped or busy), and send again once it reads`,
        );
      }
      const r = await typeInto(s, a);
      return { session: s.id, bytes: r.bytes, pasted: r.pasted };
    },

    wait: async (conn, raw) => {
      const a = parseArgs(OpArgs.wait, 'wait', raw);
      const targets = new Set<Session>(a.sessions.map((r) => registry.resolve(r)));
      for (const s of registry.list()) if (a.tags.some((t) => s.row.tags.includes(t))) targets.add(s);
      if (targets.size === 0) throw invalid('no session to wait for', 'cw wait SESSION... | --tag T');
      // Start from a fresh look at each screen, not the last sample.
      await Promise.all([...targets].map((s) => s.activity?.sampleNow()));
      const r = await waitFor(registry, [...targets], a.until, a.mode, a.timeoutMs, conn.whenClosed);
      return r;
    },

    hook: (_c, raw, _req, who) => {
      const a = parseArgs(OpArgs.hook, 'hook', raw);
      registry.applyHook(who.session(), a.agent, a.event, a.payload);
      return {};
    },
  };
}
