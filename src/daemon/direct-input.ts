// Direct input: a local `cw attach` writes keystrokes straight into the session's pty master, which the daemon hands
// it over the Unix socket (SCM_RIGHTS), instead of sending each one to the daemon to write (issue 17, part 3).
//
// Why: a keystroke through `cw attach` crossed two Node processes each way (client → daemon → pty → daemon →
// client), and each crossing is an event-loop wake-up in JavaScript; tmux pays the same hops in C. With the master
// in the client, the way in is one write from the process that read the key; only the echo still comes through
// the daemon, which must see every byte of output anyway (the log, the screen, every other client). Measured in
// bench/RESULTS.md, section 4, next to tmux and to the same attach with input through the daemon.
//
// What stays the daemon's:
// - Output, the log, the screen, flow control: the client only writes; it never reads the master.
// - Who typed: the client sends an empty INPUT frame (throttled, after the echo) so the daemon still knows a
//   person is typing (nothing is typed over them, HUMAN_GRACE_MS) and who sizes the session ('latest' policy).
// - Size first: with clients of different sizes, typing makes the typist's size the session's before its keys
//   reach the program (as in tmux). The first key after a pause (DIRECT_INPUT_BURST_MS) goes through the daemon,
//   which decides then, exactly; the daemon's 'input' stream events (Session.mayWriteDirectly) say when the client
//   may write directly: not while its typing would resize the session, nor while the daemon holds input the program
//   has not read, which nothing may overtake. The client writes directly only once the daemon has taken all it
//   sent through it (the event's `taken`), so its own keys never overtake each other either.
// - Order: the client writes all its direct input through its own queue on the master (common/pty-input.ts), so
//   its keystrokes keep their order, even behind a paste the program reads slowly; when it goes back to typing
//   through the daemon (told so, or detaching), what that queue still holds goes first. Input from elsewhere
//   (`cw send`, another client) is a separate writer, as another terminal on the same pty would be.
// - The bound on unread input (INPUT_QUEUE_MAX_BYTES): kept by the client's queue, which refuses past it.
// - Lifetime: the descriptor is the client's until it detaches or exits (close-on-exec; the kernel closes it if
//   the client dies). The program's end is the daemon's to see (waitpid), not the master's last close, so a client
//   holding a copy changes nothing there; its writes then fail with EIO, as the session ends.
// Who gets it: a client of the local Unix socket (a WebSocket cannot carry a descriptor; a remote client would not
// be on this machine) that attached read-write, to a session whose pty the daemon holds itself (DirectPty; not the
// node-pty fallback), asking with a one-time key that its attach reply carried, within DIRECT_INPUT_KEY_MS.
// Everyone else types through the daemon as before, and so does a client that cannot take the descriptor.
import { randomBytes } from 'node:crypto';
import { ErrorCode, encodeControl, FrameType, type OpResults } from '../protocol/index.js';
import type { Connection } from './connection.js';
import { CwError } from './errors.js';
import { DIRECT_INPUT_KEY_MS } from './limits.js';
import { handoverAddon } from './native.js';
import type { AttachStream } from './streams.js';
import type { Session } from './session.js';

interface Offer {
  stream: AttachStream;
  session: Session;
  expires: number;
}

const offers = new Map<string, Offer>();

function prune(now: number): void {
  for (const [key, o] of offers) if (o.expires <= now || o.stream.done) offers.delete(key);
}

/** A one-time key for `direct-input`, or null when this client cannot write into this session's pty directly. */
export function offerDirectInput(conn: Connection, stream: AttachStream, session: Session): { key: string } | null {
  if (stream.readOnly || !conn.transport.sendWithFd || conn.remotePeer !== null) return null;
  if (session.masterFd === null || !handoverAddon().addon) return null;
  const now = Date.now();
  prune(now);
  const key = randomBytes(16).toString('hex');
  offers.set(key, { stream, session, expires: now + DIRECT_INPUT_KEY_MS });
  stream.offeredDirectInput = true;
  return { key };
}

/**
 * `direct-input`: replies on `conn` with the session's pty master attached, then closes the connection (it exists
 * for this one exchange). A key that is unknown, used or expired, or whose stream or session has ended, is refused.
 */
export async function handDirectInput(conn: Connection, requestId: number, key: string): Promise<void> {
  try {
    const offer = offers.get(key);
    offers.delete(key);
    prune(Date.now());
    if (!offer || offer.expires <= Date.now()) {
      throw new CwError(ErrorCode.NOT_FOUND, 'no such direct-input key (each is used once, within seconds of its attach)', 'attach again');
    }
    const fd = offer.session.masterFd;
    if (offer.stream.done || fd === null) throw new CwError(ErrorCode.NOT_FOUND, `session ${offer.session.id} is no longer attached or running`);
    const send = conn.transport.sendWithFd?.bind(conn.transport);
    if (!send) throw new CwError(ErrorCode.INVALID_ARGUMENT, 'a descriptor can only be passed over the local Unix socket');
    // The hello went out when the connection opened: once it has left, the reply is the next thing on the wire.
    await conn.transport.whenDrained();
    const reply = { session: offer.session.id } satisfies OpResults['direct-input'];
    send(encodeControl(FrameType.RESPONSE, { id: requestId, ok: true, result: reply }), fd);
  } catch (err) {
    if (err instanceof CwError) conn.replyError(requestId, err.code, err.message, err.hint);
    else conn.replyError(requestId, ErrorCode.INTERNAL, `cannot pass the pty: ${(err as Error).message}`);
  } finally {
    conn.transport.end();
  }
}
