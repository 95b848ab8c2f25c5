// Flow control: when a session's pty stops being read, so that no reader can make the daemon buffer without bound.
// Two readers may hold the pty back, each under its own reason, and reading goes on only while neither does:
// - 'clients': an interactive attach (not read-only) has more than FLOW_HIGH_BYTES of output it has not
//   acknowledged; reading resumes once every such client is below FLOW_LOW_BYTES. Clients acknowledge every
//   FLOW_ACK_BYTES they have consumed (common/flow.ts, shared with the CLI and the page).
// - 'screen': more than SCREEN_BACKLOG_HIGH_BYTES were posted to the screen worker and not yet parsed; reading
//   resumes below SCREEN_BACKLOG_LOW_BYTES.
// Watchers (watch, logs -f, read-only attach) never hold the pty back: they are dropped when too slow (streams.ts).
// - 'handover': `cw daemon restart` is handing the pty to the next daemon (handover.ts): nothing more is read here.
// The pty keeps the set of reasons and reads only while it is empty (pty.ts); once the child has exited nothing
// holds it back, so the last bytes are always read.
import { FLOW_HIGH_BYTES, FLOW_LOW_BYTES, SCREEN_BACKLOG_HIGH_BYTES, SCREEN_BACKLOG_LOW_BYTES } from './limits.js';

/** Why a pty's reading is paused. */
export type PauseReason = 'clients' | 'screen' | 'handover';

/** The read side of a pty: paused while any reason holds, read again when the last reason is lifted. */
export interface Pausable {
  pause(reason: PauseReason): void;
  resume(reason: PauseReason): void;
}

/** What flow control needs to know of a client. */
export interface FlowClient {
  readonly kind: 'attach' | 'watch';
  readonly readOnly: boolean;
  /** Output sent and not yet acknowledged, in bytes (counted for interactive clients only). */
  unacked: number;
}

/** Only an interactive attach holds the pty back: a person typing must see every byte, a watcher need not. */
export function holdsBack(c: FlowClient): boolean {
  return c.kind === 'attach' && !c.readOnly;
}

/** Unacknowledged bytes after an ack; clamped at zero to heal from a client that acks more than it got (as VS Code). */
export function afterAck(unacked: number, ackedBytes: number): number {
  return Math.max(0, unacked - ackedBytes);
}

/** One session's flow control: pauses and resumes its pty at the thresholds above. */
export class SessionFlow {
  /** Bytes posted to the screen worker and not yet parsed. */
  private _screenBacklog = 0;

  constructor(private readonly _pty: Pausable) {}

  get screenBacklog(): number {
    return this._screenBacklog;
  }

  /** `bytes` of output were posted to the screen worker. */
  screenPosted(bytes: number): void {
    this._screenBacklog += bytes;
    if (this._screenBacklog > SCREEN_BACKLOG_HIGH_BYTES) this._pty.pause('screen');
  }

  /** The screen worker finished parsing `bytes`. */
  screenParsed(bytes: number): void {
    this._screenBacklog = Math.max(0, this._screenBacklog - bytes);
    if (this._screenBacklog < SCREEN_BACKLOG_LOW_BYTES) this._pty.resume('screen');
  }

  /** Pauses while an interactive client has too much unacknowledged output; resumes when all have caught up. */
  clientsChanged(clients: Iterable<FlowClient>): void {
    let max = 0;
    for (const c of clients) if (holdsBack(c)) max = Math.max(max, c.unacked);
    if (max > FLOW_HIGH_BYTES) this._pty.pause('clients');
    else if (max < FLOW_LOW_BYTES) this._pty.resume('clients');
  }
}
