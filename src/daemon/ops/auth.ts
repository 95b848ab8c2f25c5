// Who is speaking on a connection, and who may do what. Every op's rule is one line of ACCESS; this file is the
// only code that reads a connection's identity. A handler is given only what its op's rule grants (Who<O>), so
// the table is what the handlers compile against, not a description of them.
import { ErrorCode, type Op } from '../../protocol/index.js';
import type { Connection } from '../connection.js';
import { CwError, invalid } from '../errors.js';
import type { Identity } from '../mailbox.js';
import type { Registry } from '../registry.js';
import type { Session } from '../session.js';

/**
 * The rules. Reaching the daemon is the first gate for every op (the Unix socket is the user's own and private;
 * the WebSocket asks for the token; a fleet peer speaks as the operator `remote:NODE`). Beyond that:
 * - `anyone`: acts on what it names for whoever asks; it never reads who is speaking.
 * - `speaker`: acts as the speaker: its session from CW_SESSION_TOKEN, else the operator; never a claimed name.
 * - `session`: only from inside a session cw launched (it reports that session's agent); the operator is refused.
 * - `relay`: as `speaker`; `via` (a message a fleet node relays from another machine) only from the local
 *   operator, i.e. the node's own fleet agent, and then it is sent as `fleet:NODE:SESSION`.
 * - `own-card`: a session sets only its own state card; the operator (local or remote) any session's.
 */
export type Access = 'anyone' | 'speaker' | 'session' | 'relay' | 'own-card';

export const ACCESS = {
  // sessions
  list: 'anyone',
  launch: 'anyone',
  restart: 'anyone',
  status: 'anyone',
  kill: 'anyone',
  rm: 'anyone',
  screen: 'anyone',
  'last-message': 'anyone',
  rename: 'anyone',
  // worktrees
  'worktree-ls': 'anyone',
  'worktree-prune': 'anyone',
  'worktree-rm': 'anyone',
  // input and output
  send: 'anyone',
  wait: 'anyone',
  hook: 'session',
  // streams
  output: 'anyone',
  attach: 'anyone',
  'direct-input': 'anyone', // the key names the stream; only a local socket can carry a descriptor
  resize: 'anyone', // only a stream of this connection
  close: 'anyone', // only a stream of this connection
  events: 'anyone',
  listen: 'speaker',
  // messaging
  msg: 'relay',
  request: 'relay',
  reply: 'speaker',
  inbox: 'speaker',
  work: 'speaker',
  'work-close': 'speaker',
  'state-set': 'own-card',
  messages: 'anyone',
  // administration
  ping: 'anyone',
  whoami: 'speaker',
  stop: 'anyone',
  'daemon-restart': 'anyone',
  ui: 'anyone',
  // scheduled prompts: a run launches or types as `launch` and `send` do
  'task-add': 'anyone',
  'task-ls': 'anyone',
  'task-rm': 'anyone',
  'task-run': 'anyone',
  'task-runs': 'anyone',
  'notify-test': 'anyone',
} as const satisfies { readonly [O in Op]: Access };

/** Everything the rules can grant; each op sees the part its rule allows (Grants). Each call decides afresh. */
export interface Speaker {
  /** Who speaks on the connection: decided by the daemon from the session token, never from a claim. */
  identity(): Identity;
  /** The session speaking; anyone else is refused. */
  session(): Session;
  /** The sender of a message, `via` a fleet relay only from the local operator. */
  sender(via: string | undefined): Identity;
  /** The session whose state card is set: the speaker's own, or the named one if the speaker may. */
  cardTarget(ref: string | undefined): Session;
}

interface Grants {
  anyone: Record<never, never>;
  speaker: Pick<Speaker, 'identity'>;
  session: Pick<Speaker, 'session'>;
  relay: Pick<Speaker, 'identity' | 'sender'>;
  'own-card': Pick<Speaker, 'cardTarget'>;
}

/** What op O's handler may ask about who is speaking. */
export type Who<O extends Op> = Grants[(typeof ACCESS)[O]];

/**
 * The speaker on one connection. Nothing is read until a handler asks (after its arguments are checked), so an op
 * that never asks works whatever token the connection carries, and errors come in the same order as ever.
 */
export function speakerOn(registry: Registry, conn: Connection): Speaker {
  const identity = (): Identity => {
    if (conn.remotePeer) return { kind: 'operator', label: `remote:${conn.remotePeer}` };
    if (conn.sessionToken) {
      const s = registry.sessionByToken(conn.sessionToken);
      if (!s) {
        throw new CwError(ErrorCode.REFUSED, 'CW_SESSION_TOKEN does not belong to any session: refusing to guess who is speaking', 'run it from inside a cw session, or unset CW_SESSION_TOKEN to act as the operator');
      }
      return { kind: 'session', session: s };
    }
    return { kind: 'operator', label: 'operator' };
  };

  return {
    identity,

    // Only `hook` has this rule, hence its wording.
    session: () => {
      const who = identity();
      if (who.kind !== 'session') throw new CwError(ErrorCode.REFUSED, '`cw hook` reports an agent of a session cw launched; it runs inside one', 'cw adds it to the agent for you: see `cw status SESSION` (hooks)');
      return who.session;
    },

    sender: (via) => {
      const who = identity();
      if (via === undefined) return who;
      if (who.kind !== 'operator' || who.label !== 'operator') {
        throw new CwError(ErrorCode.REFUSED, 'only the local operator (a fleet node) may relay a message for another machine');
      }
      return { kind: 'operator', label: `fleet:${via}` };
    },

    cardTarget: (ref) => {
      const who = identity();
      if (ref !== undefined) {
        if (who.kind === 'session' && registry.resolve(ref) !== who.session) {
          throw new CwError(ErrorCode.REFUSED, 'a session may set only its own state card', 'drop --session');
        }
        return registry.resolve(ref);
      }
      if (who.kind === 'session') return who.session;
      throw invalid('outside a session, name the session', 'cw state set --session NAME "text"');
    },
  };
}
