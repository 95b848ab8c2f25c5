// Following a daemon across `cw daemon restart` (or any brief loss of the connection): the commands that stay
// connected (attach, watch, logs -f, events -f, wait, listen) open a new channel and carry on where they were.
import type { Channel } from '../channel/channel.js';
import { consumeOutput, type OutputEnd } from '../channel/output-stream.js';
import type { Hello, OpArgsOf, SessionInfo } from '../protocol/index.js';
import { openChannel } from './run.js';

/**
 * How long a follower keeps trying: a restart takes well under a second here; a daemon that has stopped for good
 * is found out at once (openChannel fails to find or start one), so this bounds only a daemon that is slow to answer.
 */
export const RECONNECT_TIMEOUT_MS = 30_000;
const RECONNECT_POLL_MS = 100;

/** A new channel to the daemon once it answers, or null when none answered within RECONNECT_TIMEOUT_MS. */
export async function reconnect(): Promise<Channel | null> {
  const deadline = Date.now() + RECONNECT_TIMEOUT_MS;
  for (;;) {
    try {
      const ch = await openChannel();
      await ch.hello;
      return ch;
    } catch {
      if (Date.now() > deadline) return null;
      await new Promise((r) => setTimeout(r, RECONNECT_POLL_MS));
    }
  }
}

/**
 * Whether a stream's end means its connection went away (a daemon restart, a crash), as opposed to the daemon
 * ending it (a detach, an exit, `cw stop`, which ends every stream before it closes): the channel itself reports
 * the loss, so it has its error by then.
 */
export function connectionLost(ev: { type: string; reason?: string }, ch: Channel): boolean {
  return ev.type === 'end' && ev.reason === 'closed' && ch.error !== null;
}

/**
 * The channel a following command uses: its first (withDaemon's, which ends it), then, after each lost connection,
 * a new one this opened (and ends when it is replaced, or on close()).
 */
export class Follower {
  private _ch: Channel;

  constructor(private readonly _first: Channel) {
    this._ch = _first;
  }

  get channel(): Channel {
    return this._ch;
  }

  /** Whether a stream of the current channel ended because its connection went away (see connectionLost). */
  lost(ev: { type: string; reason?: string }): boolean {
    return connectionLost(ev, this._ch);
  }

  /** Swaps in a new channel once a daemon answers: its hello; null when none answered within RECONNECT_TIMEOUT_MS. */
  async again(): Promise<Hello | null> {
    const next = await reconnect();
    if (!next) return null;
    this.close();
    this._ch = next;
    return next.hello;
  }

  /** Ends the channel this opened last, if any (the first is its owner's to end). */
  close(): void {
    if (this._ch !== this._first) this._ch.end();
  }
}

/** The start of the line a follower says when it carries on with the new daemon. */
export function restartedLine(daemon: Hello): string {
  return `[cw] daemon restarted (pid ${daemon.pid}, cw ${daemon.version})`;
}

/** The line a follower says when output it fell behind on was rotated out of the log before it could read it. */
export function gapLine(bytes: number): string {
  return `[cw] ${bytes} bytes of output were rotated out of the log before this follower read them; following on after them`;
}

/** What a following command is told besides the bytes. */
export interface FollowHandlers {
  /** The session, before its first byte. */
  onStart(session: SessionInfo): void;
  /** The connection was lost and a daemon answered again (a `cw daemon restart`): following the session again. */
  onResume(daemon: Hello, sessionId: number): void;
  /** Output this follower never received is no longer in the log (rotated out while it was behind): how much. */
  onGap(bytes: number): void;
}

/**
 * consumeOutput that follows the session across lost connections and slow readers: when a following stream's
 * connection went away, a new channel picks up at the byte where the old one stopped (fromByte); when the daemon
 * dropped it for reading too slowly (its queue bounded so a slow reader never holds the program back), a new
 * stream picks up there too, from the log, at this reader's pace. So the output goes on without a byte lost or
 * repeated, as long as the log still holds it (what a rotation dropped meanwhile is reported to onGap).
 */
export async function followOutput(
  first: Channel,
  args: OpArgsOf<'output'>,
  sink: (bytes: Uint8Array) => void,
  on: FollowHandlers,
): Promise<{ session: SessionInfo; end: Promise<OutputEnd> }> {
  const f = new Follower(first);
  let from: number | undefined;
  const firstRun = await consumeOutput(first, args, sink, (s, historyFrom) => {
    from = historyFrom;
    on.onStart(s);
  });
  const id = firstRun.session.id;
  const end = (async (): Promise<OutputEnd> => {
    let run = firstRun;
    try {
      for (;;) {
        const e = await run.end;
        if (!args.follow) return e;
        if (f.lost({ type: 'end', reason: e.reason })) {
          const daemon = await f.again();
          if (!daemon) return { ...e, message: `${e.message}, and no daemon answered within ${RECONNECT_TIMEOUT_MS / 1000}s` };
          on.onResume(daemon, id);
        } else if (!(e.reason === 'too_slow' && e.exact && e.position !== from)) {
          // Ended for good, or dropped with nothing received since the last pick-up (no progress to build on).
          return e;
        }
        from = e.position;
        try {
          run = await consumeOutput(f.channel, { ...args, session: String(id), history: true, fromByte: e.position }, sink, (_s, historyFrom) => {
            if (historyFrom !== undefined && historyFrom > e.position) on.onGap(historyFrom - e.position);
          });
        } catch (err) {
          return { exit: null, reason: 'closed', message: (err as Error).message, position: e.position, exact: e.exact };
        }
      }
    } finally {
      f.close();
    }
  })();
  return { session: firstRun.session, end };
}
