// The op contract of scheduled prompts (`cw task`): arguments and results, joined into OpArgs and OpResults in
// messages.ts. Kept apart so the task family reads as one piece.
import * as z from 'zod/mini';

/** Task names: as session names (safe in paths, listings and events). */
export const TASK_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/;
const TaskName = z.string().check(z.regex(TASK_NAME_RE, 'task names are 1-64 of [a-zA-Z0-9._-], starting with a letter or digit'));

/** Bytes of a task's prompt: as a launch prompt (SEND_TEXT_MAX_BYTES), kept in the database and typed at each run. */
const TASK_PROMPT_MAX_BYTES = 1024 * 1024;

/**
 * `--spawn`: the launch a run makes, the `launch` op's arguments as `cw launch` sends them (without a prompt). Typed
 * loosely here (the launch schema is in messages.ts, which joins this file's ops); the daemon checks it as a launch.
 */
export type TaskSpawnArgs = Record<string, unknown>;

export const TaskOpArgs = {
  'task-add': z.object({
    name: TaskName,
    cron: z.string().check(z.minLength(1), z.maxLength(256)),
    /** An IANA zone; absent: the daemon's local zone, whatever it is at each run. */
    tz: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
    prompt: z.string().check(
      z.minLength(1),
      z.refine((p) => new TextEncoder().encode(p).length <= TASK_PROMPT_MAX_BYTES, { message: `the prompt is longer than ${TASK_PROMPT_MAX_BYTES} bytes: put it in a file the agent reads` }),
    ),
    /** A session (id, name or @name) the prompt goes to; revived when it has ended. */
    target: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
    /** Or a new session launched with these arguments at each run. */
    spawn: z.optional(z.record(z.string(), z.unknown())),
    /** Deleted after its first run. */
    once: z._default(z.boolean(), false),
    /** How long a run's prompt may be held for the ready prompt (as `launch --prompt-timeout`). */
    promptTimeoutMs: z.optional(z.int().check(z.minimum(1000), z.maximum(24 * 3600 * 1000))),
    /** Replace a task of that name instead of refusing. */
    replace: z._default(z.boolean(), false),
  }),
  'task-ls': z.object({}),
  'task-rm': z.object({ name: TaskName }),
  /** Runs a task now. `wait`: reply once the prompt was typed, failed or is held by a dialog; else at once. */
  'task-run': z.object({ name: TaskName, wait: z._default(z.boolean(), true) }),
  /** Runs newest last; of one task, or of all. */
  'task-runs': z.object({ name: z.optional(TaskName), limit: z._default(z.int().check(z.minimum(1), z.maximum(10_000)), 100) }),
} as const;

/** How a run came about: its time came, `cw task run`, or a time missed while the daemon was down. */
export type TaskTrigger = 'schedule' | 'manual' | 'missed';

/**
 * What became of a run: `pending` (the prompt waits for the ready prompt), `held` (a dialog needs a person; the
 * prompt is still held), `submitted`, `failed` (why), `skipped` (why: the run did not try).
 */
export type TaskOutcome = 'pending' | 'held' | 'submitted' | 'failed' | 'skipped';

export interface TaskRunInfo {
  id: number;
  task: string;
  trigger: TaskTrigger;
  /** The occurrence it stands for (null for `cw task run`). */
  dueAt: string | null;
  /** When it ran. */
  at: string;
  outcome: TaskOutcome;
  reason: string | null;
  /** The session the prompt went to (or was held in). */
  session: number | null;
  /** "missed at T, run at start", "session 3 revived as session 5". */
  note: string | null;
  /** When the outcome was settled (submitted, failed, skipped). */
  endedAt: string | null;
}

/** A launch as a listing shows it: never its environment. */
export interface TaskSpawnInfo {
  command: string[];
  name: string | null;
  cwd: string | null;
  tags: string[];
  agent: string | null;
}

export interface TaskInfo {
  name: string;
  cron: string;
  /** The zone it runs in (the daemon's local one when none was given: `tzLocal`). */
  tz: string;
  tzLocal: boolean;
  prompt: string;
  target: string | null;
  spawn: TaskSpawnInfo | null;
  once: boolean;
  promptTimeoutMs: number | null;
  createdAt: string;
  /** The next occurrence (null: the expression names no time ahead). */
  next: string | null;
  lastRun: TaskRunInfo | null;
}

export interface TaskOpResults {
  'task-add': { task: TaskInfo };
  'task-ls': { tasks: TaskInfo[] };
  'task-rm': { removed: string };
  'task-run': { run: TaskRunInfo };
  'task-runs': { runs: TaskRunInfo[] };
}
