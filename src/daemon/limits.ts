// Every tunable of the daemon, with its unit in the name and the reason for its value.
// What happens at each bound is said next to it.

/** Launch size when no terminal is attached, and the size a session returns to when its last writer detaches. */
export const DEFAULT_COLS = 120;
export const DEFAULT_ROWS = 40;

/** Lines of scrollback the headless screen keeps per session: tmux's default history-limit, so memory compares fairly. */
export const SCREEN_SCROLLBACK_LINES = 2000;

/**
 * Output log size cap per file; at the cap output.log is renamed output.log.1 (one rotated file kept), so a
 * chatty agent uses at most twice this on disk. CODEWIRE_LOG_MAX_BYTES overrides it (read at daemon start).
 */
export const LOG_ROTATE_BYTES = 64 * 1024 * 1024;
/** Smallest accepted override: below this, rotation would churn on every screen redraw. */
export const LOG_ROTATE_MIN_BYTES = 4 * 1024;

export function logRotateBytes(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.CODEWIRE_LOG_MAX_BYTES;
  if (raw === undefined || raw === '') return LOG_ROTATE_BYTES;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < LOG_ROTATE_MIN_BYTES) {
    throw new Error(`CODEWIRE_LOG_MAX_BYTES must be a whole number of bytes ≥ ${LOG_ROTATE_MIN_BYTES}, got '${raw}'`);
  }
  return n;
}

/**
 * Interactive attach flow control (flow.ts), in bytes (VS Code's FlowControlConstants, counted in bytes not chars,
 * and scaled up because a local socket and a real terminal drain far faster than an IPC hop to a renderer).
 * Above HIGH unacknowledged bytes the pty is paused; it resumes below LOW. ACK must be ≤ LOW or it never resumes.
 */
export const FLOW_HIGH_BYTES = 1024 * 1024;
export const FLOW_LOW_BYTES = 128 * 1024;
export { FLOW_ACK_BYTES } from '../common/flow.js';

/**
 * Bytes queued on a watcher's socket (watch, logs -f) before it is dropped from the live stream as too slow (the
 * client then reads on from the log at its own pace). Watchers never pause the agent; a bounded queue keeps
 * daemon memory bounded (zellij's lesson).
 */
export const WATCHER_QUEUE_MAX_BYTES = 8 * 1024 * 1024;

/**
 * Bytes queued on a read-only attach's socket (`cw attach --read-only`, a dashboard viewer) before it is behind:
 * its raw output is skipped and, once the socket has drained, its screen is redrawn from the headless terminal,
 * as tmux does for a slow terminal (TTY_BLOCK). A viewer wants the screen as it is now, not minutes of backlog;
 * 1 MiB is the interactive client's pause threshold (flow.ts), many screens' worth of redraws.
 */
export const VIEWER_BEHIND_BYTES = 1024 * 1024;

/** Bytes queued on any socket before even an interactive client is dropped: a client that stops reading entirely. */
export const CLIENT_QUEUE_HARD_MAX_BYTES = 32 * 1024 * 1024;

/**
 * `cw watch` and `cw logs` history: read from the log READ bytes per step, and only while the socket holds less
 * than QUEUE, so a big log is streamed at the client's pace and never sits in daemon memory.
 */
export const HISTORY_READ_BYTES = 256 * 1024;
export const HISTORY_QUEUE_BYTES = 1024 * 1024;

/**
 * Output for the screen worker is posted at most this often per session (unless SCREEN_POST_MAX_BYTES gather
 * first, or a query, resize or close needs every byte now). Each post is a structured clone and a wake-up of the
 * worker, ~50 µs of the main thread; a fast writer yields one pty read (a few KiB) per turn of the event loop, so
 * posting every turn cost the main thread a third of its time under `cat` of a big file (profiled). A screen
 * that lags its output by 2 ms is invisible: anything that reads it flushes first.
 */
export const SCREEN_POST_DELAY_MS = 2;
/** Output gathered for one session that is posted at once, without waiting for SCREEN_POST_DELAY_MS. */
export const SCREEN_POST_MAX_BYTES = 256 * 1024;

/**
 * Bytes handed to the screen worker but not yet parsed (flow.ts). Above HIGH the pty is paused so a fast writer cannot
 * grow the queue without bound while the parser catches up; it resumes below LOW.
 */
export const SCREEN_BACKLOG_HIGH_BYTES = 16 * 1024 * 1024;
export const SCREEN_BACKLOG_LOW_BYTES = 4 * 1024 * 1024;

/**
 * After the child exits we keep reading until no output came for QUIET ms (node-pty would destroy the pty
 * 200 ms after the exit even with output unread), and give up after MAX ms (a grandchild that keeps writing).
 * QUIET is short: the kernel hands over queued output within microseconds; it adds to every exit's latency.
 */
export const EXIT_DRAIN_QUIET_MS = 60;
export const EXIT_DRAIN_MAX_MS = 5000;

/** Kill: SIGHUP to the process group, then SIGKILL after this grace period (shpool uses 500 ms; agents save state on HUP). */
export const KILL_GRACE_MS = 2000;

/**
 * `cw daemon restart` (handover.ts). CHECK: the installed code is first run as `cw daemon --check-handover`, which
 * loads it, its addon and the database and answers; it must do so within this time (a cold start of the daemon
 * bundle is ~0.3 s here; generous for a loaded machine), else the restart is refused and nothing changes.
 * SETTLE: typing under way (a paste waiting for its Enter) and sessions whose program is exiting (draining its
 * last output) are waited for up to this long before the hand-over, so no paste is left without its Enter and each
 * exit status is recorded by the daemon that reaped it; longer refuses the restart.
 * SCREENS: the screen worker must capture every screen within this time (a few ms each).
 */
export const HANDOVER_CHECK_TIMEOUT_MS = 15_000;
export const HANDOVER_SETTLE_MS = 6_000;
export const HANDOVER_SCREENS_TIMEOUT_MS = 10_000;

/**
 * After a hand-over, the programs inherited from the previous daemon are reaped by us (adopted-pty.ts): on every
 * SIGCHLD and, because signals coalesce, every this many ms (a reap costs one waitpid per inherited program).
 */
export const REAP_POLL_MS = 500;

/**
 * The one read buffer of each direct pty (direct-pty.ts), reused for every read: what libuv asks for per read
 * (64 KiB), so a fast writer's reads are as large as before, without an allocation each.
 */
export const PTY_READ_BYTES = 64 * 1024;

/** A new connection must say hello within this time, or it is closed (shpool's handshake timeout, generous for loaded CI). */
export const HANDSHAKE_TIMEOUT_MS = 5000;

/** How often live counters (output bytes, last output time) are written to the database; a crash loses at most this much. */
export const PERSIST_INTERVAL_MS = 2000;

/**
 * How often the screen of a session with new output is saved to the database, so a session whose daemon was
 * killed still shows its last screen (`cw screen` on a lost session). Serialising a screen costs ~1 ms.
 */
export const SCREEN_SAVE_INTERVAL_MS = 5000;

/**
 * A session's headless terminal with no output, resize or read for this long is hibernated: serialized to a
 * compact form and disposed, and recreated from it by the next output, resize or read (screen-hibernate.ts).
 * An idle 120x40 terminal costs ~300 KiB awake and well under 10 KiB asleep; a full 2000-line scrollback ~6 MiB
 * awake and its deflated text asleep. Snapshots (activity sampling, `cw screen`) of a hibernated terminal are
 * answered from a copy kept aside, and do not count as reads, so the activity heartbeat does not keep it awake.
 * SCREEN_SAVE_INTERVAL_MS: the periodic save of a screen that just went quiet then reads it awake instead of
 * reviving it (every read resets the wait, and the save comes within one interval of the last output).
 * CODEWIRE_SCREEN_HIBERNATE_MS overrides it, for tests only (read at daemon start); with it set, each
 * hibernation and revival is also logged in daemon.log, where tests can see it.
 */
export const SCREEN_HIBERNATE_IDLE_MS = SCREEN_SAVE_INTERVAL_MS;
/** Smallest accepted override: a shorter wait would hibernate between the chunks of one burst of output. */
export const SCREEN_HIBERNATE_MIN_MS = 50;

export function screenHibernateMs(env: NodeJS.ProcessEnv = process.env): { ms: number; overridden: boolean } {
  const raw = env.CODEWIRE_SCREEN_HIBERNATE_MS;
  if (raw === undefined || raw === '') return { ms: SCREEN_HIBERNATE_IDLE_MS, overridden: false };
  const n = Number(raw);
  if (!Number.isInteger(n) || n < SCREEN_HIBERNATE_MIN_MS) {
    throw new Error(`CODEWIRE_SCREEN_HIBERNATE_MS must be a whole number of ms ≥ ${SCREEN_HIBERNATE_MIN_MS}, got '${raw}'`);
  }
  return { ms: n, overridden: true };
}

/**
 * A terminal stays awake at least this many times as long as its last hibernation and revival took together,
 * so a session whose output resumes just after each hibernation spends at most 1/100 of a core on them: a full
 * 2000-line scrollback takes ~100 ms to pack and replay, so after its first hibernation it sleeps after 10 s of
 * quiet; a shell prompt (a few ms) after SCREEN_HIBERNATE_IDLE_MS.
 */
export const SCREEN_HIBERNATE_COST_FACTOR = 100;
/** Idle terminals are looked for this many times per hibernate delay: each sleeps within 1.25× the delay. */
export const SCREEN_HIBERNATE_CHECKS_PER_DELAY = 4;

/**
 * A writer faster than SCREEN_FIREHOSE_BYTES_PER_WINDOW bytes per SCREEN_FIREHOSE_WINDOW_MS is a firehose: a `cat`
 * of a big file, a build. Nobody reads such output as it scrolls by, so, like a terminal that draws at most so many
 * frames a second, the screen worker parses it in batches at most every SCREEN_FIREHOSE_FRAME_MS: a big batch lets
 * the fast path skip most of it, where many small ones would each be parsed whole (the last screen and scrollback
 * of every batch must be). Queries (screen, status, attach) never wait: they take every queued byte first. Slower
 * output is parsed as it comes.
 */
export const SCREEN_FIREHOSE_WINDOW_MS = 100;
export const SCREEN_FIREHOSE_BYTES_PER_WINDOW = 256 * 1024;
export const SCREEN_FIREHOSE_FRAME_MS = 50;

/** Characters kept of an application's OSC 7501 state report (`state=working:app=codex`): real ones are ~40. */
export const SCREEN_APP_STATE_MAX_CHARS = 200;


/**
 * After terminals hibernate or close, their rows (one malloc'd typed array each, ~1.4 KiB at 120 columns) are freed
 * only when the screen worker's heap is next collected, which in an idle daemon may be never, and even then glibc
 * keeps the freed chunks resident. So the worker collects its heap and the daemon calls malloc_trim (native/memtrim)
 * at most once per this interval, only after something was released. A full collection of a worker holding 100
 * hibernated screens takes tens of ms of the worker's time, so this bounds it to ~1% of a core.
 */
export const MEMORY_RELEASE_MIN_INTERVAL_MS = 5_000;
/**
 * Between the worker's collection and the trim: V8 frees dead typed arrays' memory on a background thread after a
 * collection (~10 ms for the rows of 20 full scrollbacks, measured), and a trim before that finds nothing to give.
 * What a slow sweep leaves is given back by the next release.
 */
export const MEMORY_TRIM_DELAY_MS = 500;

/** Lines of scrollback sent before the screen on attach (the rest stays readable with `cw logs`). */
export const ATTACH_SCROLLBACK_LINES = 1000;

/**
 * A client whose terminal is not the session's size gets the screen redrawn clipped (screen-clip.ts) at most this
 * often while output flows: a whole screen per frame, so about 30 frames a second, as smooth as a person reads
 * and a few hundred KB/s at most for a full 200x60 screen of colour.
 */
export const CLIP_REDRAW_MS = 33;

/** Graceful stop: how long `cw stop` waits for sessions to end after SIGHUP before the daemon exits anyway. */
export const STOP_GRACE_MS = 3000;

/** Graceful stop: how long clients get to read what is queued for them before their connections are cut. */
export const STOP_FLUSH_MS = 1000;

/** Bytes of the last screen kept in the database for exited and lost sessions (`cw screen` after the end). */
export const LAST_SCREEN_MAX_BYTES = 256 * 1024;

/**
 * `launch --prompt`: how long a prompt is held for the agent's ready prompt (`--prompt-timeout` changes it). Long
 * enough for a person to come back to a start-up dialog (trust, API key); a cold start alone takes seconds.
 */
export const PROMPT_HOLD_DEFAULT_MS = 30 * 60_000;

/**
 * `cw task`: the longest the scheduler sleeps before looking at the clock again, so a wall-clock jump (NTP, a
 * suspended machine) is noticed within a minute, the resolution of a cron expression.
 */
export const TASK_TIMER_MAX_MS = 60_000;

/** `cw task`: a run this late past its time (a machine that slept, a daemon that was down) is recorded as missed. */
export const TASK_LATE_MS = 60_000;
/** After typing a held prompt: if the agent still shows it in its ready prompt this much later, Enter once more. */
export const PROMPT_CONFIRM_MS = 3_000;

/** WebSocket listener: a peer must complete the HTTP upgrade within this time. */
export const WS_HANDSHAKE_TIMEOUT_MS = 10_000;
/** Ping interval; a client that misses one ping is dropped (20 s keeps idle connections alive through proxies). */
export const WS_PING_INTERVAL_MS = 20_000;
/** Open WebSocket connections allowed from one address: a runaway script cannot exhaust the daemon. */
export const WS_MAX_CONNECTIONS_PER_ADDRESS = 64;
/** Failed token attempts from one address answered at once; later ones wait 200 ms, 400 ms ... up to the max. */
export const AUTH_FREE_FAILURES = 3;
export const AUTH_MAX_DELAY_MS = 5000;
/** Failures older than this are forgotten. */
export const AUTH_FAILURE_WINDOW_MS = 10 * 60_000;
/**
 * Addresses whose failed token attempts are remembered (~100 bytes each, so well under 1 MB): beyond it the one
 * that failed least recently is forgotten. An IPv6 peer counts as its /64, so one host cannot fill this alone.
 */
export const AUTH_TRACKED_ADDRESSES_MAX = 4096;
/**
 * WebSocket listener: connections that have not completed the upgrade (nothing authenticated yet) from one
 * address. A browser opens up to 6 to one host, and a few `cw --server` commands run at once; the surplus is
 * closed at once, so one peer cannot hold the daemon's file descriptors (issue 14, finding 6).
 */
export const WS_MAX_PREAUTH_PER_ADDRESS = 16;
/** The same from all addresses together: many addresses (a botnet, an IPv6 range) are bounded too. */
export const WS_MAX_PREAUTH_TOTAL = 256;
/**
 * ... and never more than this share of the descriptor limit, so the local socket, session ptys and logs always
 * find descriptors: with a limit of 1024, at most 256 connections may wait for their upgrade at once.
 */
export const WS_PREAUTH_DESCRIPTOR_SHARE = 0.25;
/**
 * Listener warnings of one kind (refused over a cap, closed for a slow upgrade, out of descriptors) are logged
 * at most once per this interval, with a count of the others: an attack must not fill the disk through daemon.log.
 */
export const WS_LOG_REPEAT_MS = 10_000;
/** How often the daemon counts its open file descriptors, so that running out (silent in libuv) is logged. */
export const DESCRIPTOR_CHECK_INTERVAL_MS = 1000;
/** Share of the descriptor limit in use above which daemon.log says descriptors are running out. */
export const DESCRIPTOR_WARN_SHARE = 0.9;
/** While descriptors stay short, the warning is repeated at most this often (one line per minute, not per check). */
export const DESCRIPTOR_LOG_REPEAT_MS = 60_000;

/** A session's state card: one line saying what it does, for peers and dashboards. */
export const STATE_CARD_MAX_CHARS = 200;

/**
 * Rows kept in the event history (activity changes, messages, sessions): about a month of a busy fleet of
 * agents, a few tens of MB. The oldest are dropped first; messages themselves are not affected.
 */
export const EVENT_HISTORY_MAX_ROWS = 200_000;
/** How often the event history is pruned back to EVENT_HISTORY_MAX_ROWS (ms): a busy fleet adds far fewer per hour. */
export const EVENT_PRUNE_INTERVAL_MS = 3600_000;

/** Random bytes in a session's identity token (CW_SESSION_TOKEN): unguessable, so a sender cannot be forged by guessing. */
export const SESSION_TOKEN_BYTES = 32;

/**
 * How long the one-time key of an attach reply lets its client take the session's pty master (direct-input.ts):
 * the client asks at once, over a second connection, so a second is plenty even on a loaded machine; the margin
 * covers a client paused by its terminal. A key not used by then is forgotten and the client types as before.
 */
export const DIRECT_INPUT_KEY_MS = 10_000;
/** Input a program has not read, queued by the daemon or by `cw attach` (common/limits.ts says why). */
export { INPUT_QUEUE_MAX_BYTES, INPUT_RETRY_MAX_MS } from '../common/limits.js';
/** Launch command line and send/prompt text limits: protocol/messages.ts says why; checked when requests are parsed. */
export { LAUNCH_COMMAND_MAX_BYTES, SEND_TEXT_MAX_BYTES } from '../protocol/messages.js';

/**
 * Restart policies (`cw launch --restart`, revive.ts): the first restart waits FIRST, each quick failure in a
 * row doubles the wait up to MAX (systemd's RestartSec with Docker's doubling and cap: a program that fails at
 * once costs a start a minute, not a busy loop). A run that lasted RESET_AFTER counts as healthy: the next
 * failure starts again from FIRST. After GIVE_UP quick failures in a row cw stops trying and says so (a
 * `session.revive.gave-up` event); at 1, 2, 4, 8 s that is about 15 s of a program that cannot start.
 */
export const RESTART_BACKOFF_FIRST_MS = 1000;
export const RESTART_BACKOFF_MAX_MS = 60_000;
export const RESTART_RESET_AFTER_MS = 60_000;
export const RESTART_GIVE_UP_FAILURES = 5;

/**
 * Git for session worktrees (worktree.ts). QUERY: a status, rev-parse or rev-list, well under a second on any
 * repository a person works in; 10 s means a hung git (a lock, a network filesystem) fails the request instead of
 * holding it. WRITE: `git worktree add` checks out every file (a large repository takes seconds), and `worktree
 * remove` deletes them. DU_MAX_ENTRIES: files and directories `cw worktree ls` counts per worktree before it
 * reports the size as a lower bound (a node_modules can hold a million; counting stops at about a second's work).
 */
export const GIT_QUERY_TIMEOUT_MS = 10_000;
/**
 * How long a worktree's state (dirty, unmerged, ahead) shown by list and status is reused, in ms: the cockpit asks
 * for the list up to 4 times a second and each read is two git processes per worktree; a state a second old is
 * fresh enough to look at (status of one session, cw rm --worktree and cw worktree ls always read afresh).
 */
export const WORKTREE_STATE_TTL_MS = 1_000;
export const GIT_WRITE_TIMEOUT_MS = 120_000;
export const WORKTREE_DU_MAX_ENTRIES = 200_000;

/**
 * Notifications ([notify] in config.toml, notify.ts): a team of agents must not flood a phone.
 * - COOLDOWN: one notification per session per kind in this time (an agent that waits, works a second, and waits
 *   again is one "waiting", not two); a later one within it is dropped (`cw events` still has it).
 * - COALESCE: the first event waits this long for others, and all of them go out as one ("3 agents are
 *   waiting"); short enough that a person still hears at once.
 * - MAX_PER_WINDOW per WINDOW, all sessions together: past it, events wait and go out folded into one as soon as
 *   the window allows (nothing is lost, only bundled). 6 a minute is more than anyone reads.
 * - PENDING_MAX: events kept in detail while one is held back; beyond it only their count grows.
 * - SEND_TIMEOUT: a notify command or URL that takes longer is ended (the command killed, the request aborted)
 *   and is one line in daemon.log; the daemon never waits on it.
 */
export const NOTIFY_COOLDOWN_MS = 30_000;
export const NOTIFY_COALESCE_MS = 1_500;
export const NOTIFY_MAX_PER_WINDOW = 6;
export const NOTIFY_WINDOW_MS = 60_000;
export const NOTIFY_PENDING_MAX = 50;
export const NOTIFY_SEND_TIMEOUT_MS = 10_000;
/** Characters of a notification's message: a phone shows a few lines; a question longer than this is on `cw screen`. */
export const NOTIFY_MESSAGE_MAX_CHARS = 1_000;
