// Request ops and their argument schemas. Results are produced by the daemon and described as TS types.
import { z } from 'zod';

/** Session names: safe in paths, URLs and NATS subject tokens. */
export const SESSION_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/;
export const TAG_RE = /^[a-zA-Z0-9][a-zA-Z0-9._:-]{0,63}$/;

/** A session as named on the command line: id, name, or @name. Resolved by the daemon. */
const SessionRef = z.string().min(1).max(128);
const Dim = z.number().int().min(1).max(1000);

export const SessionState = z.enum(['running', 'exited', 'killed', 'lost']);
export type SessionState = z.infer<typeof SessionState>;

export const Activity = z.enum(['working', 'idle', 'waiting_for_input', 'unknown']);
export type Activity = z.infer<typeof Activity>;

export const OpArgs = {
  list: z.object({
    status: z.enum(['running', 'exited', 'all']).default('all'),
    tags: z.array(z.string()).default([]),
    activity: Activity.optional(),
  }),
  launch: z.object({
    command: z.array(z.string()).min(1, 'a command is required: cw launch -- CMD [ARGS]'),
    name: z.string().regex(SESSION_NAME_RE, 'names are 1-64 of [a-zA-Z0-9._-], starting with a letter or digit').optional(),
    tags: z.array(z.string().regex(TAG_RE, 'tags are 1-64 of [a-zA-Z0-9._:-], starting with a letter or digit')).default([]),
    cwd: z.string().min(1),
    env: z.record(z.string(), z.string()).default({}),
    cols: Dim.optional(),
    rows: Dim.optional(),
    agent: z.string().optional(),
    /** The launching client's TERM; used when it is better than the default. */
    term: z.string().optional(),
    /**
     * The local CLI's environment: the session starts as if from the user's shell (virtualenvs, PATH, tokens).
     * Absent over the network, where the daemon's own environment is the base.
     */
    baseEnv: z.record(z.string(), z.string()).optional(),
  }),
  status: z.object({ session: SessionRef }),
  send: z.object({ session: SessionRef, data: z.instanceof(Uint8Array) }),
  screen: z.object({ session: SessionRef, ansi: z.boolean().default(false) }),
  kill: z.object({
    sessions: z.array(SessionRef).default([]),
    tags: z.array(z.string()).default([]),
    all: z.boolean().default(false),
  }),
  rm: z.object({ sessions: z.array(SessionRef).default([]), exited: z.boolean().default(false) }),
  /** Output stream: history (last `tail` lines, or all when tail is absent), then live bytes if `follow`. */
  output: z.object({
    session: SessionRef,
    tail: z.number().int().nonnegative().optional(),
    history: z.boolean().default(true),
    follow: z.boolean().default(false),
  }),
  attach: z.object({
    session: SessionRef.optional(),
    cols: Dim,
    rows: Dim,
    history: z.boolean().default(true),
    readOnly: z.boolean().default(false),
  }),
  resize: z.object({ stream: z.number().int().nonnegative(), cols: Dim, rows: Dim }),
  /** Ends a stream this connection opened (detach, stop watching). */
  close: z.object({ stream: z.number().int().nonnegative() }),
  stop: z.object({}),
  ping: z.object({}),
} as const;

export type Op = keyof typeof OpArgs;
export type OpArgsOf<O extends Op> = z.input<(typeof OpArgs)[O]>;

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
}

export interface ScreenResult {
  session: number;
  cols: number;
  rows: number;
  cursor: { x: number; y: number };
  text: string;
}

/** Events on a stream (EVENT frames). Consumers ignore types they do not know. */
export type StreamEventOf =
  | { type: 'started'; session: SessionInfo }
  | { type: 'history-end' }
  | { type: 'exit'; session: SessionInfo }
  | { type: 'end'; reason: EndReason; message: string };

/** Why a stream ended, from the client's point of view. */
export type EndReason = 'exited' | 'detached' | 'closed' | 'too_slow' | 'daemon_stopped' | 'removed' | 'eof';
