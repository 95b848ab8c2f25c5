// The tunables of the processes that talk to the daemon (the CLI, the MCP server), with the unit in the name and the
// reason for the value. The daemon's own are in src/daemon/limits.ts, which the client may not import; a bound both
// sides share lives in src/protocol (SEND_TEXT_MAX_BYTES) or here.

/**
 * The longest session-controlled field human output shows, in characters: a 1 MB command argument or event
 * must not flood `cw list` or `cw status`. 500 is about six lines of an 80-column terminal, more than any real
 * command line, state card (200) or activity reason needs; the whole value is in --json. Past it the field is
 * cut with an ellipsis (common/terminal-text.ts).
 */
export const FIELD_MAX_CHARS = 500;

/** How long a command waits for a daemon it started to accept connections (a cold start on a loaded CI box); then it fails, naming daemon.log. */
export const DAEMON_START_TIMEOUT_MS = 15_000;
/** Between connection attempts while the daemon starts: a started daemon listens within tens of ms. */
export const DAEMON_POLL_MS = 20;
/** How long a running daemon whose socket was removed gets to recreate it after SIGUSR1 (it does so at once); then the command reports it orphaned. */
export const SOCKET_RECREATE_TIMEOUT_MS = 3_000;
/** How long the lock holder gets to say its pid (it answers at once; a daemon older than this check says nothing, and is taken as pid unknown). */
export const LOCK_PROBE_TIMEOUT_MS = 500;
/** How much of daemon.log a failed start may have written that is read back for its error line; the rest is left for the user to read. */
export const START_ERROR_MAX_BYTES = 64 * 1024;

/**
 * Longest a blocking MCP tool (wait, request) waits, in seconds: agents' MCP clients abort tool calls that run
 * too long (docs/mcp.md, "The 90-second clamp"). Past it `wait` returns timedOut and the agent calls again.
 */
export const MCP_BLOCK_MAX_SECONDS = 90;
/** Most text an MCP log or screen read returns, in characters (its end is kept): a whole read lands in the agent's context (~4 characters a token). */
export const MCP_TEXT_MAX_CHARS = 100_000;

/** `cw top`: at most one redraw per this many ms (10 a second): a burst of events or output costs one frame. */
export const COCKPIT_FRAME_MS = 100;
/** `cw top`: the session list is read again at least this often, besides on every event (ages, missed events). */
export const COCKPIT_REFRESH_MS = 2_000;
/** `cw top`: events read the list again at most this often: 200 sessions changing activity cost a few reads a second, not 200. */
export const COCKPIT_LIST_COALESCE_MS = 250;
/** `cw top`: the preview's screen is read at most this often while its session prints (one `screen` op, never per byte). */
export const COCKPIT_PREVIEW_COALESCE_MS = 150;
/** `cw top`: how long a notice (sent, killed, an error) stays in the footer. */
export const COCKPIT_NOTICE_MS = 5_000;
/**
 * How long one look at the fleet by `cw top` may take (connecting to NATS and discovery, itself at most 2 s): a
 * NATS address that does not answer is one line in the cockpit ("did not answer within 3s") instead of a wait.
 */
export const COCKPIT_FLEET_WAIT_MS = 3_000;
/**
 * How often `cw top` looks at the fleet again, so nodes that joined or left show: a NATS connection and one
 * scatter-gather each time, cheap next to the per-machine list refresh (COCKPIT_REFRESH_MS).
 */
export const COCKPIT_FLEET_REFRESH_MS = 10_000;
/**
 * The longest `cw top` waits before connecting again to a machine it could not reach: after each failure in a row
 * the wait doubles from COCKPIT_REFRESH_MS up to this, so a wrong token does not get this address locked out by
 * the daemon's failed-attempt limit, and a machine that comes back shows within a minute.
 */
export const COCKPIT_RETRY_MAX_MS = 60_000;

/** How long `cw attach` shows its notice (how to detach and scroll) in the last row before redrawing it away: long enough to read a line. */
export const ATTACH_NOTICE_MS = 3_000;
/** Lines of history the attach scrollback view asks for: all the daemon's headless screen keeps (SCREEN_SCROLLBACK_LINES). */
export const SCROLLBACK_VIEW_LINES = 2_000;

/**
 * Input typed into a session (cw send, an attached terminal, prompts) that its program has not read yet, queued
 * in the daemon beyond the kernel's own ~4 KiB pty buffer. A program that never reads (stopped, hung, busy)
 * would otherwise grow daemon memory without bound. Four of the largest sends (SEND_TEXT_MAX_BYTES) fit; past the
 * bound input is refused, never dropped quietly: `cw send` fails with code refused and types nothing, and refused
 * keystrokes from a terminal are an `input.refused` event and a daemon.log line. `cw attach` writing keystrokes
 * straight into the pty keeps its own queue under the same bound, and says on the terminal what it refused.
 */
export const INPUT_QUEUE_MAX_BYTES = 4 * 1024 * 1024;
/**
 * Longest wait between two attempts to hand queued input to a program that is not reading (the wait doubles
 * from 1 ms while nothing moves): bounds both the CPU a stuck program costs and the delay once it reads again.
 */
export const INPUT_RETRY_MAX_MS = 50;

/**
 * How long `cw attach` waits for the daemon to hand it the session's pty master (client/attach/direct-input.ts):
 * a local exchange of a few hundred bytes that takes well under a millisecond; past this the attach types through
 * the daemon instead, as it always could. It blocks the client before it reads the terminal, so it stays short.
 */
export const DIRECT_INPUT_TIMEOUT_MS = 2_000;
/**
 * At most one "a person typed" word to the daemon per this many ms while `cw attach` writes keystrokes into the pty
 * itself: the daemon needs it for HUMAN_GRACE_MS (10 s, nothing typed over a person) and for who sizes the session,
 * neither of which needs every key; one small frame per quarter second costs nothing beside the keystrokes.
 */
export const DIRECT_INPUT_NOTICE_MS = 250;
/**
 * How long that word waits for the keystroke's echo, after which it goes anyway (a program that does not echo).
 * It normally goes right after the echo is drawn; 50 ms is well inside HUMAN_GRACE_MS and below the time between
 * two keys of a fast typist, and no size change waits on it long enough for a person to notice.
 */
export const DIRECT_INPUT_WORD_WAIT_MS = 50;
/**
 * Direct input's burst: a key typed within this many ms of the previous one may go straight into the pty; the first
 * after a longer pause goes through the daemon, which then gives the size to this client before the key lands,
 * exactly as without direct input, whatever another client did during the pause (the daemon's word about that
 * may still be on its way). A person typing keeps well inside 1 s between keys; a pause to read or think does not.
 */
export const DIRECT_INPUT_BURST_MS = 1_000;
