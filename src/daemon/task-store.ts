// Scheduled prompts in the database: the tasks (`cw task add`) and every run of them. The tables are made by
// store.ts migration 6 (TASK_TABLES_SQL); this module is the only code that reads or writes them.
import type Database from 'better-sqlite3';
import type { TaskOutcome, TaskRunInfo, TaskSpawnArgs, TaskTrigger } from '../protocol/index.js';

/**
 * `last_due_at`: the scheduled time up to which the task has been dealt with (ran, or counted as missed); the
 * next run is the first occurrence after it. Runs stay after their task is removed: they are history.
 */
export const TASK_TABLES_SQL = `
  CREATE TABLE IF NOT EXISTS tasks (
    name TEXT PRIMARY KEY, cron TEXT NOT NULL, tz TEXT, prompt TEXT NOT NULL,
    target TEXT, spawn TEXT, once INTEGER NOT NULL DEFAULT 0, prompt_timeout_ms INTEGER,
    created_at TEXT NOT NULL, last_due_at TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS task_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, task TEXT NOT NULL, trigger TEXT NOT NULL, due_at TEXT,
    at TEXT NOT NULL, outcome TEXT NOT NULL, reason TEXT, session_id INTEGER, note TEXT, ended_at TEXT
  );
  CREATE INDEX IF NOT EXISTS task_runs_task ON task_runs (task, id);
`;

export interface TaskRow {
  name: string;
  cron: string;
  /** null: the daemon's local zone. */
  tz: string | null;
  prompt: string;
  target: string | null;
  spawn: TaskSpawnArgs | null;
  once: boolean;
  promptTimeoutMs: number | null;
  createdAt: string;
  lastDueAt: string;
}

interface RawTask {
  name: string;
  cron: string;
  tz: string | null;
  prompt: string;
  target: string | null;
  spawn: string | null;
  once: number;
  prompt_timeout_ms: number | null;
  created_at: string;
  last_due_at: string;
}

interface RawRun {
  id: number;
  task: string;
  trigger: string;
  due_at: string | null;
  at: string;
  outcome: string;
  reason: string | null;
  session_id: number | null;
  note: string | null;
  ended_at: string | null;
}

const toTask = (r: RawTask): TaskRow => ({
  name: r.name,
  cron: r.cron,
  tz: r.tz,
  prompt: r.prompt,
  target: r.target,
  spawn: r.spawn === null ? null : (JSON.parse(r.spawn) as TaskSpawnArgs),
  once: r.once !== 0,
  promptTimeoutMs: r.prompt_timeout_ms,
  createdAt: r.created_at,
  lastDueAt: r.last_due_at,
});

const toRun = (r: RawRun): TaskRunInfo => ({
  id: r.id,
  task: r.task,
  trigger: r.trigger as TaskTrigger,
  dueAt: r.due_at,
  at: r.at,
  outcome: r.outcome as TaskOutcome,
  reason: r.reason,
  session: r.session_id,
  note: r.note,
  endedAt: r.ended_at,
});

export class TaskStore {
  constructor(private readonly _db: Database.Database) {}

  all(): TaskRow[] {
    return (this._db.prepare(`SELECT * FROM tasks ORDER BY name`).all() as RawTask[]).map(toTask);
  }

  get(name: string): TaskRow | null {
    const r = this._db.prepare(`SELECT * FROM tasks WHERE name = ?`).get(name) as RawTask | undefined;
    return r ? toTask(r) : null;
  }

  /** Adds a task, or replaces the one of that name. */
  put(t: TaskRow): void {
    this._db
      .prepare(
        `INSERT OR REPLACE INTO tasks (name, cron, tz, prompt, target, spawn, once, prompt_timeout_ms, created_at, last_due_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(t.name, t.cron, t.tz, t.prompt, t.target, t.spawn === null ? null : JSON.stringify(t.spawn), t.once ? 1 : 0, t.promptTimeoutMs, t.createdAt, t.lastDueAt);
  }

  remove(name: string): boolean {
    return this._db.prepare(`DELETE FROM tasks WHERE name = ?`).run(name).changes > 0;
  }

  setLastDue(name: string, at: string): void {
    this._db.prepare(`UPDATE tasks SET last_due_at = ? WHERE name = ?`).run(at, name);
  }

  addRun(r: Omit<TaskRunInfo, 'id'>): TaskRunInfo {
    const id = Number(
      this._db
        .prepare(`INSERT INTO task_runs (task, trigger, due_at, at, outcome, reason, session_id, note, ended_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(r.task, r.trigger, r.dueAt, r.at, r.outcome, r.reason, r.session, r.note, r.endedAt).lastInsertRowid,
    );
    return { id, ...r };
  }

  updateRun(r: TaskRunInfo): void {
    this._db.prepare(`UPDATE task_runs SET outcome = ?, reason = ?, session_id = ?, note = ?, ended_at = ? WHERE id = ?`).run(r.outcome, r.reason, r.session, r.note, r.endedAt, r.id);
  }

  /** The newest `limit` runs, oldest first; of one task or of all. */
  runs(task: string | null, limit: number): TaskRunInfo[] {
    const where = task === null ? '' : 'WHERE task = ?';
    const args: unknown[] = task === null ? [limit] : [task, limit];
    return (this._db.prepare(`SELECT * FROM (SELECT * FROM task_runs ${where} ORDER BY id DESC LIMIT ?) ORDER BY id`).all(...args) as RawRun[]).map(toRun);
  }

  lastRun(task: string): TaskRunInfo | null {
    const r = this._db.prepare(`SELECT * FROM task_runs WHERE task = ? ORDER BY id DESC LIMIT 1`).get(task) as RawRun | undefined;
    return r ? toRun(r) : null;
  }

  /** Runs left pending or held by a daemon that stopped: their prompt died with it. */
  closeUnsettled(at: string, why: string): number {
    return this._db.prepare(`UPDATE task_runs SET outcome = 'failed', reason = ?, ended_at = ? WHERE outcome IN ('pending', 'held')`).run(why, at).changes;
  }
}
