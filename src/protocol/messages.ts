// The op contract: each op's argument schema (OpArgs, checked by the daemon) and its result type (OpResults, what
// the daemon replies and what `Channel.request` returns), side by side. Events on streams: StreamEventOf.
import * as z from 'zod/mini';
import { TaskOpArgs, type TaskOpResults } from './tasks.js';

/** Session names: safe in paths, URLs and NATS subject tokens. */
export const SESSION_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/;
/** The sender a fleet node vouches for: NODE:SESSION-LABEL, safe to show in notices and lists. */
export const VIA_RE = /^[a-zA-Z0-9_-]{1,64}:[a-zA-Z0-9._@-]{1,64}$/;
export const TAG_RE = /^[a-zA-Z0-9][a-zA-Z0-9._:-]{0,63}$/;

/** A session as named on the command line: id, name, or @name. Resolved by the daemon. */
const SessionRef = z.string().check(z.minLength(1), z.maxLength(128));
const Dim = z.int().check(z.minimum(1), z.maximum(1000));
const StreamId = z.int().check(z.minimum(0));
/** Raw bytes (msgpack bin); any Uint8Array view, Buffers included. */
const Bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'expected bytes');

/**
 * Bytes of a launch's command line, all arguments together (UTF-8). The command is stored in the database and
 * copied into every listing, status, `session.created` event and daemon.log line about the session; real agent
 * invocations take a few hundred bytes, and a long text belongs in a file or `--prompt-file`. 32 KiB keeps a
 * listing of a hundred sessions small while leaving room for an inline prompt of several pages.
 */
export const LAUNCH_COMMAND_MAX_BYTES = 32 * 1024;

/**
 * Bytes of text one `cw send` (or a launch prompt) types: tmux's INPUT_BUF_DEFAULT_SIZE. Well under the frame
 * limit (MAX_FRAME_BYTES), so a request always fits in one frame; more than any prompt a person or agent types.
 */
export const SEND_TEXT_MAX_BYTES = 1024 * 1024;

const utf8 = new TextEncoder();
const utf8Bytes = (s: string): number => utf8.encode(s).length;

/**
 * Environment names and values as execve takes them: a name holds no `=` (the program would split it there and
 * see another variable) and no NUL (it would be cut there); a value holds no NUL. The offending name is quoted
 * (JSON, so no control character reaches a terminal; cut at 64 characters) in the one-line message.
 */
const quoteName = (k: string): string => JSON.stringify(k.length > 64 ? `${k.slice(0, 64)}…` : k);
const EnvMap = z.record(z.string(), z.string()).check(
  z.superRefine((env, ctx) => {
    for (const [k, v] of Object.entries(env)) {
      if (k === '' || /[=\0]/.test(k)) ctx.addIssue({ code: 'custom', input: k, path: [], message: `environment variable name ${quoteName(k)}: names must be non-empty and hold no = or NUL` });
      else if (v.includes('\0')) ctx.addIssue({ code: 'custom', input: v, path: [], message: `environment variable ${quoteName(k)}: values cannot hold NUL` });
    }
  }),
);

const Command = z.array(z.string()).check(
  z.minLength(1, 'a command is required: cw launch -- CMD [ARGS]'),
  z.refine((c) => c.reduce((n, a) => n + utf8Bytes(a) + 1, 0) <= LAUNCH_COMMAND_MAX_BYTES, {
    message: `the command line is longer than ${LAUNCH_COMMAND_MAX_BYTES} bytes: put long text in a file (or use --prompt-file)`,
  }),
  z.refine((c) => c.every((a) => !a.includes('\0')), { message: 'command arguments cannot hold NUL' }),
);

const TextBytes = (what: string) =>
  Bytes.check(z.refine((b) => b.length <= SEND_TEXT_MAX_BYTES, { message: `${what} is longer than ${SEND_TEXT_MAX_BYTES} bytes: write it to a file and send the path instead` }));

export const SessionState = z.enum(['running', 'exited', 'killed', 'lost']);
export type SessionState = z.infer<typeof SessionState>;

export const Activity = z.enum(['working', 'idle', 'waiting_for_input', 'unknown']);
export type Activity = z.infer<typeof Activity>;

/**
 * `cw launch --restart`: what happens when the program ends by itself. `on-failure`: a non-zero exit or a signal
 * restarts it; `always`: any end but `cw kill`. Restarts back off and give up (limits.ts RESTART_*).
 */
export const RestartPolicy = z.enum(['never', 'on-failure', 'always']);
export type RestartPolicy = z.infer<typeof RestartPolicy>;

/** What `cw wait` waits for: an activity, the end of the process, or anything but working. */
export const WaitUntil = z.enum(['idle', 'working', 'waiting', 'exit', 'not-working']);
export type WaitUntil = z.infer<typeof WaitUntil>;

export const OpArgs = {
  list: z.object({
    status: z._default(z.enum(['running', 'exited', 'all']), 'all'),
    tags: z._default(z.array(z.string()), []),
    activity: z.optional(Activity),
  }),
  launch: z.object({
    command: Command,
    name: z.optional(z.string().check(z.regex(SESSION_NAME_RE, 'names are 1-64 of [a-zA-Z0-9._-], starting with a letter or digit'))),
    tags: z._default(z.array(z.string().check(z.regex(TAG_RE, 'tags are 1-64 of [a-zA-Z0-9._:-], starting with a letter or digit'))), []),
    /** Absent: the daemon's home directory (a remote client's directory means nothing on the daemon's machine). */
    cwd: z.optional(z.string().check(z.minLength(1))),
    env: z._default(EnvMap, {}),
    cols: z.optional(Dim),
    rows: z.optional(Dim),
    agent: z.optional(z.string()),
    /** The launching client's TERM; used when it is better than the default. */
    term: z.optional(z.string()),
    /**
     * The local CLI's environment: the session starts as if from the user's shell (virtualenvs, PATH, tokens).
     * Absent over the network, where the daemon's own environment is the base.
     */
    baseEnv: z.optional(EnvMap),
    /** Submitted once the agent is ready for input (as `cw send` would). */
    prompt: z.optional(
      z.string().check(
        z.minLength(1),
        z.refine((p) => utf8Bytes(p) <= SEND_TEXT_MAX_BYTES, { message: `the prompt is longer than ${SEND_TEXT_MAX_BYTES} bytes: put it in a file the agent reads` }),
      ),
    ),
    /** Reply only after the prompt was submitted (or failed to be, or a dialog needs a person). */
    waitReady: z._default(z.boolean(), false),
    /** How long a prompt may be held (start-up dialogs, a slow start) before it is reported undeliverable. */
    promptTimeoutMs: z.optional(z.int().check(z.minimum(1000), z.maximum(24 * 3600 * 1000))),
    /** Add the agent's own hooks/notify for this run (false: `--no-hooks`, or `[agents] hooks = false`). */
    hooks: z._default(z.boolean(), true),
    restart: z._default(RestartPolicy, 'never'),
    /** Run in a new git worktree of the repository around cwd, on a new branch (daemon/worktree.ts). */
    worktree: z.optional(z.object({ branch: z.optional(z.string().check(z.minLength(1), z.maxLength(200))), base: z.optional(z.string().check(z.minLength(1), z.maxLength(200))) })),
  }),
  /** Starts an ended session again as a new one (same command, directory, environment, name, tags, size). */
  restart: z.object({
    session: SessionRef,
    /** A running session is killed first; without it, one is refused. */
    force: z._default(z.boolean(), false),
  }),
  status: z.object({ session: SessionRef }),
  /** Gives a session a new name (checked as launch --name; refused when a running session has it). */
  rename: z.object({
    session: SessionRef,
    name: z.string().check(z.regex(SESSION_NAME_RE, 'names are 1-64 of [a-zA-Z0-9._-], starting with a letter or digit')),
  }),
  /** `cw notify test`: one test notification through every channel [notify] in config.toml configures. */
  'notify-test': z.object({}),
  send: z.object({
    session: SessionRef,
    /** Text to type: into an agent it goes as one bracketed paste when the agent asked for bracketed paste. */
    text: z.optional(TextBytes('the text')),
    /** Press Enter after the text; into an agent, after the delay that agent needs to take a paste. */
    enter: z._default(z.boolean(), false),
    /** true: always wrap the text in a bracketed paste; false: never; absent: for agents that enabled it. */
    paste: z.optional(z.boolean()),
    /** Raw bytes (named keys) written after the text and the Enter. */
    keys: z.optional(TextBytes('the keys')),
    /** Refuse (code refused) unless the session is idle. */
    ifIdle: z._default(z.boolean(), false),
  }),
  /** `scrollback`: that many lines of history before the visible rows (text only; the attach scrollback view). */
  screen: z.object({ session: SessionRef, ansi: z._default(z.boolean(), false), scrollback: z.optional(z.int().check(z.minimum(0), z.maximum(100_000))) }),
  kill: z.object({
    sessions: z._default(z.array(SessionRef), []),
    tags: z._default(z.array(z.string()), []),
    all: z._default(z.boolean(), false),
  }),
  rm: z.object({ sessions: z._default(z.array(SessionRef), []), exited: z._default(z.boolean(), false) }),
  /** Output stream: history (last `tail` lines, or all when tail is absent), then live bytes if `follow`. */
  output: z.object({
    session: SessionRef,
    tail: z.optional(z.int().check(z.minimum(0))),
    history: z._default(z.boolean(), true),
    follow: z._default(z.boolean(), false),
    /**
     * History from this position of the session's output (its outputBytes when a stream started, plus what came
     * live since): a follower picking up after a lost connection, with nothing lost or repeated. Overrides tail.
     */
    fromByte: z.optional(z.int().check(z.minimum(0))),
  }),
  attach: z.object({
    session: z.optional(SessionRef),
    cols: Dim,
    rows: Dim,
    history: z._default(z.boolean(), true),
    readOnly: z._default(z.boolean(), false),
    /** How this client wants the session sized among several (tmux's window-size); absent: 'latest'. */
    sizePolicy: z.optional(z.enum(['latest', 'smallest'])),
    /**
     * The client would write keystrokes straight into the session's pty (local clients only): the reply then
     * carries a one-time key for `direct-input` (daemon/direct-input.ts). An older daemon ignores it.
     */
    directInput: z._default(z.boolean(), false),
  }),
  /**
   * Hands the pty master of an attach stream to a local client, for the key that stream's reply carried: the
   * reply comes with the descriptor attached (SCM_RIGHTS), on a connection of its own that the daemon then closes.
   */
  'direct-input': z.object({ key: z.string().check(z.minLength(1), z.maxLength(128)) }),
  resize: z.object({ stream: StreamId, cols: Dim, rows: Dim }),
  /** Ends a stream this connection opened (detach, stop watching). */
  close: z.object({ stream: StreamId }),
  wait: z.object({
    sessions: z._default(z.array(SessionRef), []),
    tags: z._default(z.array(z.string()), []),
    until: z._default(WaitUntil, 'not-working'),
    mode: z._default(z.enum(['any', 'all']), 'all'),
    timeoutMs: z.optional(z.int().check(z.minimum(0))),
  }),
  'last-message': z.object({ session: SessionRef }),
  /**
   * An agent's own signal, sent by `cw hook KIND [EVENT]` from inside a session (the session is the caller's
   * token, never a claim). `payload` is the JSON the agent gave its hook (stdin) or its notify (last argument).
   */
  hook: z.object({
    agent: z.string().check(z.minLength(1), z.maxLength(32)),
    event: z._default(z.string().check(z.maxLength(64)), ''),
    payload: z.optional(z.unknown()),
  }),
  /** Event stream: the newest `tail` events (or those after `since`), then live ones if `follow`. */
  events: z.object({
    sessions: z._default(z.array(SessionRef), []),
    since: z.optional(z.int().check(z.minimum(0))),
    tail: z._default(z.int().check(z.minimum(0)), 20),
    follow: z._default(z.boolean(), false),
  }),
  msg: z.object({
    /** A session (id, name, @name), `tag:T` for every running session with the tag, or `operator`. */
    to: z.string().check(z.minLength(1), z.maxLength(128)),
    body: z.string(),
    task: z._default(z.boolean(), false),
    /** Set by a fleet node relaying a message from another machine ("NODE:SESSION"); local operator only. */
    via: z.optional(z.string().check(z.regex(VIA_RE))),
  }),
  request: z.object({
    to: z.string().check(z.minLength(1), z.maxLength(128)),
    body: z.string(),
    timeoutMs: z._default(z.int().check(z.minimum(0), z.maximum(24 * 3600 * 1000)), 60_000),
    via: z.optional(z.string().check(z.regex(VIA_RE))),
  }),
  reply: z.object({ id: z.string().check(z.minLength(1), z.maxLength(32)), body: z.string() }),
  inbox: z.object({
    peek: z._default(z.boolean(), false),
    all: z._default(z.boolean(), false),
    limit: z._default(z.int().check(z.minimum(1), z.maximum(1000)), 50),
  }),
  work: z.object({}),
  'work-close': z.object({
    id: z.string().check(z.minLength(1), z.maxLength(32)),
    state: z.enum(['done', 'blocked']),
    text: z.string().check(z.minLength(1)),
  }),
  'state-set': z.object({
    /** null clears it. */
    card: z.nullable(z.string()),
    /** The operator may set another session's card. */
    session: z.optional(SessionRef),
  }),
  whoami: z.object({}),
  /** Stream of messages addressed to the caller (EVENT frames of type 'message'). */
  listen: z.object({}),
  stop: z.object({}),
  /** `cw daemon restart`: the installed code takes over every running session (daemon/handover.ts). */
  'daemon-restart': z.object({}),
  ping: z.object({}),
  /** The dashboard: a listener (started on loopback when none is configured) and a one-time login link. */
  ui: z.object({}),
  /** Recent messages between all sessions and every open request and task (the dashboard's messages view). */
  messages: z.object({ limit: z._default(z.int().check(z.minimum(1), z.maximum(1000)), 100) }),
  /** Every cw worktree: the sessions' records, and git's list of their repositories (docs/worktrees.md). */
  'worktree-ls': z.object({ du: z._default(z.boolean(), true) }),
  /** Removes worktrees of ended or removed sessions with nothing to lose; `yes: false` only says what it would do. */
  'worktree-prune': z.object({ yes: z._default(z.boolean(), false) }),
  /** `cw rm --worktree`: ended sessions with their worktrees and branches, refused when work would be lost unless `force`. */
  'worktree-rm': z.object({ sessions: z._default(z.array(SessionRef), []), exited: z._default(z.boolean(), false), force: z._default(z.boolean(), false) }),
  /** Scheduled prompts, `cw task` (tasks.ts). */
  ...TaskOpArgs,
} as const;

export type Op = keyof typeof OpArgs;
export type OpArgsOf<O extends Op> = z.input<(typeof OpArgs)[O]>;

/** A message as clients see it (`cw inbox`, `cw listen`, `cw work`). */
export interface MessageInfo {
  id: string;
  from: string;
  fromSession: number | null;
  to: string;
  toSession: number | null;
  kind: 'message' | 'request' | 'reply' | 'task';
  re: string | null;
  body: string;
  createdAt: string;
  state: string;
  workState: string | null;
  result: string | null;
}

export interface SessionInfo {
  id: number;
  name: string | null;
  command: string[];
  cwd: string;
  tags: string[];
  agent: string;
  state: SessionState;
  exitCode: number | null;
  /** Signal name when the process died of a signal (e.g. "SIGKILL"). */
  signal: string | null;
  pid: number | null;
  createdAt: string;
  endedAt: string | null;
  cols: number;
  rows: number;
  clients: number;
  outputBytes: number;
  lastOutputAt: string | null;
  idleSeconds: number;
  activity: Activity;
  activitySince: string | null;
  activityReason: string | null;
  /** The session's purpose line (`cw state set`), up to 200 characters. */
  stateCard: string | null;
  /** What cw added to the agent's command line for its hooks, or why nothing (`cw status`). */
  hooks?: string | null;
  /** The agent's own conversation id, as its hooks reported it (to resume it later). */
  conversationId?: string | null;
  /** A `launch --prompt` not yet typed in: held while the agent starts or a dialog waits on a person. */
  prompt?: PromptState | null;
  /** `cw launch --restart`, and the sessions this one was restarted from and as (`cw restart`, a policy). */
  restartPolicy?: RestartPolicy;
  restartedFrom?: number | null;
  restartedAs?: number | null;
  /** Unread messages and open work it owes (filled by list and status). */
  unread?: number;
  owes?: number;
  /** `cw launch --worktree`: its worktree and what removing it would lose (filled by list and status). */
  worktree?: WorktreeInfo | null;
}

/** A session's git worktree and its state. */
export interface WorktreeInfo {
  path: string;
  branch: string;
  /** The ref the branch was made from; `unmerged` and `ahead` are measured against it. */
  base: string;
  /** Uncommitted changes: tracked files modified (`modified`) or untracked files (`untracked`). */
  dirty: boolean;
  /** The branch has commits its base does not (`ahead` of them). */
  unmerged: boolean;
  ahead: number;
  modified: number;
  untracked: number;
  /** false: the directory is gone (removed by hand); `cw worktree prune` clears the record. */
  exists: boolean;
}

/** `cw worktree ls`: a worktree, whose session it is and how it stands, with its disk use. */
export interface WorktreeEntry extends WorktreeInfo {
  repo: string;
  /** null: found by git's list under the worktrees directory, with no record. */
  session: number | null;
  sessionName: string | null;
  /** running / ended (its record is there) / gone (removed with plain `cw rm`, or never recorded). */
  sessionState: 'running' | 'ended' | 'gone';
  /** Allocated bytes, as `du` counts them (null: not measured); `diskPartial`: counting stopped early, a lower bound. */
  diskBytes: number | null;
  diskPartial: boolean;
}

/** The state of a `launch --prompt`: pending (held until the agent's ready prompt), submitted, or failed (why). */
export interface PromptState {
  state: 'pending' | 'submitted' | 'failed';
  since: string;
  /** For pending: what it waits for; for failed: why it could not be delivered. */
  detail: string | null;
}

/** `last-message`: the latest turn's reply and where it was read. */
export interface LastMessageResult {
  session: number;
  agent: string;
  text: string;
  source: 'hook' | 'transcript' | 'screen';
}

/** `ui`: the dashboard's address and a one-time login link (it works once, until expiresAt). */
export interface UiResult {
  url: string;
  login: string;
  expiresAt: string;
}

/** `messages`: the newest messages (oldest first) and every open request and task. */
export interface MessagesResult {
  messages: MessageInfo[];
  open: MessageInfo[];
}

export interface ScreenResult {
  session: number;
  cols: number;
  rows: number;
  cursor: { x: number; y: number };
  text: string;
}

/** An entry of the event history (`cw events`): activity changes, sessions created and ended. */
export interface EventRecord {
  id: number;
  sessionId: number | null;
  at: string;
  type: string;
  data: Record<string, unknown>;
}

/** Events on a stream (EVENT frames). Consumers ignore types they do not know. */
export type StreamEventOf =
  /**
   * `historyFrom` (output streams): where in the session's output the history this stream sends begins, as a byte
   * offset; live output follows the history without a gap. A follower counts from it, so it knows its position
   * even when the connection goes in the middle of the history. Absent from daemons before it was added.
   */
  | { type: 'started'; session: SessionInfo; historyFrom?: number }
  | { type: 'event'; event: EventRecord }
  | { type: 'message'; message: MessageInfo }
  | { type: 'history-end' }
  | { type: 'exit'; session: SessionInfo }
  /**
   * attach with direct input: whether the client may write keystrokes into the pty itself now, and how many bytes
   * of its input through the daemon the daemon has taken (sent on a change, and after input while it may).
   */
  | { type: 'input'; direct: boolean; taken: number }
  | { type: 'end'; reason: EndReason; message: string };

/** Why a stream ended, from the client's point of view. */
export type EndReason = 'exited' | 'detached' | 'closed' | 'too_slow' | 'eof';

/** A message just stored (`msg`, `reply`), with what became of it at the receiver's end. */
export type SentMessage = MessageInfo & { targetState: string; hint: string | null };

/** `wait`: whether the state was reached, and where every waited-for session stands. */
export interface WaitResult {
  reached: boolean;
  /** Sessions that can no longer reach the state (ended first). */
  unreachable: number[];
  timedOut: boolean;
  sessions: SessionInfo[];
}

/** What a session owes and waits on (`work`, and part of `status`). */
export interface WorkResult {
  owes: MessageInfo[];
  waitsOn: MessageInfo[];
}

/** `restart`: the new session; the conversation it resumes, or why it started afresh. */
export interface RestartResult {
  session: SessionInfo;
  previous: number;
  /** The agent's conversation id it was told to resume; null: started with the same command. */
  resumed: string | null;
  /** Why it did not resume, or what else differs from the launch (an environment that was not recorded). */
  note: string | null;
}

/** One notification channel's outcome (`cw notify test`); `detail` never holds a secret. */
export interface NotifyChannelResult {
  channel: 'command' | 'url' | 'desktop' | 'bell';
  ok: boolean;
  detail: string;
}

/** An empty reply: the op was done. */
export type Done = Record<string, never>;

/**
 * Each op's result: what the daemon replies (its handlers are typed against this map) and what
 * `Channel.request(op, args)` resolves with. For a stream op, its first reply; the rest arrive on the stream.
 */
export interface OpResults extends TaskOpResults {
  ping: { pong: true };
  list: { sessions: SessionInfo[] };
  /** `prompt`: what became of a `--prompt` (held: by what, in `held`); absent without one. */
  launch: { session: SessionInfo; prompt?: 'pending' | 'submitted' | 'held'; held?: string };
  restart: RestartResult;
  rename: { session: SessionInfo; previous: string | null };
  'notify-test': { channels: NotifyChannelResult[] };
  status: WorkResult & { session: SessionInfo; logError: string | null };
  send: { session: number; bytes: number; pasted: boolean };
  wait: WaitResult;
  'last-message': LastMessageResult;
  hook: Done;
  events: Done;
  screen: ScreenResult;
  kill: { killed: number[]; alreadyEnded: number[]; sessions: SessionInfo[] };
  /** `worktreesKept`: sessions removed whose worktrees stay on disk (`cw rm --worktree` removes them). */
  rm: { removed: number[]; worktreesKept?: { session: number; path: string; branch: string }[] };
  output: { session: SessionInfo };
  /** `directInput`: the one-time key for `direct-input`, when asked for and this client may write directly. */
  attach: { session: SessionInfo; directInput?: { key: string } };
  'direct-input': { session: number };
  resize: Done;
  close: Done;
  whoami: { kind: 'session'; session: SessionInfo } | { kind: 'operator'; label: string };
  msg: { messages: SentMessage[] };
  request: { request: MessageInfo; reply: MessageInfo };
  reply: { message: SentMessage };
  inbox: { me: string; messages: MessageInfo[] };
  work: WorkResult;
  'work-close': { message: MessageInfo };
  'state-set': { session: SessionInfo };
  listen: { me: string };
  ui: UiResult;
  messages: MessagesResult;
  'worktree-ls': { worktrees: WorktreeEntry[] };
  'worktree-prune': { dryRun: boolean; removed: WorktreeEntry[]; kept: (WorktreeEntry & { why: string })[] };
  'worktree-rm': { removed: number[]; worktrees: WorktreeEntry[] };
  stop: { stopping: true; sessions: number };
  'daemon-restart': { restarting: true; sessions: number; fromVersion: string; toVersion: string; pid: number };
}

export type OpResultOf<O extends Op> = OpResults[O];
