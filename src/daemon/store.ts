// The daemon's durable state: sessions and their event history, in one SQLite database (WAL), so a
// `kill -9` of the daemon leaves a consistent file. The only other user of better-sqlite3 is agents/opencode.ts,
// which opens opencode's own database read-only to read a reply.
import Database from 'better-sqlite3';
import type { Activity, RestartPolicy, SessionState } from '../protocol/index.js';
import { TASK_TABLES_SQL } from './task-store.js';

export interface SessionRow {
  id: number;
  name: string | null;
  command: string[];
  cwd: string;
  tags: string[];
  agent: string;
  state: SessionState;
  exitCode: number | null;
  signal: string | null;
  pid: number | null;
  createdAt: string;
  endedAt: string | null;
  cols: number;
  rows: number;
  outputBytes: number;
  lastOutputAt: string | null;
  activity: Activity;
  activitySince: string | null;
  activityReason: string | null;
  stateCard: string | null;
  /** The agent's own conversation id and transcript, as its hooks reported them (to resume it later). */
  conversationId: string | null;
  transcriptPath: string | null;
  /** `cw launch --restart`: what happens when the program ends by itself (revive.ts). */
  restartPolicy: RestartPolicy;
  /** The session this one was restarted from (`cw restart`, a policy, a lost session revived), and the one it was restarted as. */
  restartedFrom: number | null;
  restartedAs: number | null;
}

/**
 * What a launch needs beyond its row to start the same program again once its client is gone (a restart after
 * a reboot): the environment the program got (the client's, `--env` applied, TERM chosen; without cw's per-session
 * variables, which are made anew) and whether the agent's hooks were wanted. Kept in the private database only,
 * never shown: the environment holds the user's credentials.
 */
export interface LaunchSpec {
  /** Null for sessions launched before this was recorded (schema version < 4). */
  env: Record<string, string> | null;
  hooks: boolean;
}

/** A session as inserted, before its program starts. */
export type NewSession = Pick<SessionRow, 'name' | 'command' | 'cwd' | 'tags' | 'agent' | 'pid' | 'createdAt' | 'cols' | 'rows'> &
  Partial<Pick<SessionRow, 'restartPolicy' | 'restartedFrom'>>;

interface RawRow {
  id: number;
  name: string | null;
  command: string;
  cwd: string;
  tags: string;
  agent: string;
  state: string;
  exit_code: number | null;
  signal: string | null;
  pid: number | null;
  created_at: string;
  ended_at: string | null;
  cols: number;
  rows: number;
  output_bytes: number;
  last_output_at: string | null;
  activity: string | null;
  activity_since: string | null;
  activity_reason: string | null;
  state_card: string | null;
  conversation_id: string | null;
  transcript_path: string | null;
  restart_policy: string | null;
  restarted_from: number | null;
  restarted_as: number | null;
}

type Db = Database.Database;

/**
 * The schema, one step at a time: MIGRATIONS[N - 1] takes a database at version N - 1 to version N, in one
 * transaction with the version it records (meta `schema_version`, the number every release so far has written;
 * a new file is at 0). Append only: a step that has shipped is never edited, since databases out there ran it.
 */
const MIGRATIONS: readonly ((db: Db) => void)[] = [
  // 1: sessions and their event history. AUTOINCREMENT: ids keep increasing and are never reused, even after
  // `cw rm` deletes rows.
  (db) =>
    db.exec(`
      CREATE TABLE IF NOT EXISTS sessions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT, command TEXT NOT NULL, cwd TEXT NOT NULL, tags TEXT NOT NULL, agent TEXT NOT NULL,
        state TEXT NOT NULL, exit_code INTEGER, signal TEXT, pid INTEGER,
        created_at TEXT NOT NULL, ended_at TEXT, cols INTEGER NOT NULL, rows INTEGER NOT NULL,
        output_bytes INTEGER NOT NULL DEFAULT 0, last_output_at TEXT, last_screen TEXT,
        activity TEXT, activity_since TEXT, activity_reason TEXT
      );
      CREATE TABLE IF NOT EXISTS events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id INTEGER, at TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS events_session ON events (session_id, id);
    `),
  // 2: per-session identity tokens and state cards; the durable mailbox.
  (db) =>
    db.exec(`
      ALTER TABLE sessions ADD COLUMN token_hash TEXT;
      ALTER TABLE sessions ADD COLUMN state_card TEXT;
      CREATE TABLE IF NOT EXISTS messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        from_session INTEGER, from_label TEXT NOT NULL,
        to_session INTEGER, to_label TEXT NOT NULL,
        kind TEXT NOT NULL, re INTEGER, body TEXT NOT NULL,
        created_at TEXT NOT NULL, state TEXT NOT NULL, delivered_at TEXT, read_at TEXT,
        work_state TEXT, closed_at TEXT, result TEXT
      );
      CREATE INDEX IF NOT EXISTS messages_to ON messages (to_session, state);
      CREATE INDEX IF NOT EXISTS messages_re ON messages (re);
    `),
  // 3: the agent's own conversation id and transcript (to resume it). The releases from c0be998 to 3fe2fe3 added
  // these columns while still recording version 2, so a database at 2 may have them already: the one step that
  // looks before it adds.
  (db) => {
    const have = columns(db, 'sessions');
    if (!have.has('conversation_id')) db.exec(`ALTER TABLE sessions ADD COLUMN conversation_id TEXT`);
    if (!have.has('transcript_path')) db.exec(`ALTER TABLE sessions ADD COLUMN transcript_path TEXT`);
  },
  // 4: revival: what a launch needs to start the same again (LaunchSpec), the restart policy, and the links
  // between a session and its restart. Sessions from before have no recorded environment (env NULL).
  (db) =>
    db.exec(`
      ALTER TABLE sessions ADD COLUMN env TEXT;
      ALTER TABLE sessions ADD COLUMN hooks INTEGER NOT NULL DEFAULT 1;
      ALTER TABLE sessions ADD COLUMN restart_policy TEXT NOT NULL DEFAULT 'never';
      ALTER TABLE sessions ADD COLUMN restarted_from INTEGER;
      ALTER TABLE sessions ADD COLUMN restarted_as INTEGER;
    `),
  // 5: session worktrees (`cw launch --worktree`, daemon/worktree.ts). Their own table: a row outlives its session's
  // (plain `cw rm` leaves the worktree on disk, and `cw worktree ls` still finds it by this record).
  (db) =>
    db.exec(`
      CREATE TABLE IF NOT EXISTS worktrees (
        session_id INTEGER PRIMARY KEY, repo TEXT NOT NULL, path TEXT NOT NULL, branch TEXT NOT NULL,
        base TEXT NOT NULL, base_commit TEXT NOT NULL, created_at TEXT NOT NULL
      );
    `),
  // 6: scheduled prompts (`cw task`, task-store.ts): the tasks and every run of them.
  (db) => db.exec(TASK_TABLES_SQL),
];

/** The schema version this code writes: every migration applied. */
export const SCHEMA_VERSION = MIGRATIONS.length;

function columns(db: Db, table: string): Set<string> {
  return new Set((db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name));
}

/** The version a database records (0: a new file, or one that never recorded one). */
export function schemaVersion(db: Db): number {
  const meta = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'`).get();
  if (!meta) return 0;
  const r = db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).get() as { value: string } | undefined;
  const v = Number(r?.value ?? 0);
  if (!Number.isInteger(v) || v < 0) throw new Error(`the database records schema version '${r?.value}', which is not a version: it was not written by cw`);
  return v;
}

/**
 * Brings a database up to SCHEMA_VERSION, one transaction per step, so a crash or a failed step leaves it at the
 * last version it fully reached. A database newer than this code is refused: its columns mean things this
 * code does not know, and writing to it could corrupt what the newer cw keeps there.
 */
export function migrate(db: Db, file: string): void {
  const from = schemaVersion(db);
  if (from > SCHEMA_VERSION) {
    throw new Error(
      `its schema version ${from} is newer than this cw knows (${SCHEMA_VERSION}): run the newer cw that wrote it, or move ${file} aside to start with an empty session history`,
    );
  }
  for (let v = from; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      MIGRATIONS[v]!(db);
      db.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
      db.prepare(`INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)`).run(String(v + 1));
    })();
  }
}

/** A session's git worktree, as recorded at launch (daemon/worktree.ts). */
export interface WorktreeRow {
  sessionId: number;
  /** The repository's main worktree root. */
  repo: string;
  path: string;
  branch: string;
  /** The ref the branch was made from, as given (or the branch HEAD was on); baseCommit is where it was then. */
  base: string;
  baseCommit: string;
  createdAt: string;
}

export type MessageKind = 'message' | 'request' | 'reply' | 'task';

export interface MessageRow {
  id: number;
  fromSession: number | null;
  fromLabel: string;
  toSession: number | null;
  toLabel: string;
  kind: MessageKind;
  re: number | null;
  body: string;
  createdAt: string;
  state: 'queued' | 'delivered' | 'read';
  deliveredAt: string | null;
  readAt: string | null;
  /** Requests: open → answered; tasks: open → done | blocked. */
  workState: string | null;
  closedAt: string | null;
  result: string | null;
}

interface RawMessage {
  id: number;
  from_session: number | null;
  from_label: string;
  to_session: number | null;
  to_label: string;
  kind: string;
  re: number | null;
  body: string;
  created_at: string;
  state: string;
  delivered_at: string | null;
  read_at: string | null;
  work_state: string | null;
  closed_at: string | null;
  result: string | null;
}

function toMessage(r: RawMessage): MessageRow {
  return {
    id: r.id,
    fromSession: r.from_session,
    fromLabel: r.from_label,
    toSession: r.to_session,
    toLabel: r.to_label,
    kind: r.kind as MessageKind,
    re: r.re,
    body: r.body,
    createdAt: r.created_at,
    state: r.state as MessageRow['state'],
    deliveredAt: r.delivered_at,
    readAt: r.read_at,
    workState: r.work_state,
    closedAt: r.closed_at,
    result: r.result,
  };
}

export class Store {
  private readonly _db: Database.Database;
  private readonly _insert: Database.Statement;
  private readonly _updateLive: Database.Statement;
  private readonly _updateEnd: Database.Statement;
  private readonly _updateActivity: Database.Statement;
  private readonly _insertEvent: Database.Statement;
  /**
   * Prepared statements by their SQL. Preparing costs about as much as running a small query, and `cw list`
   * used to prepare two per session on every call (19 ms of a 100-session list).
   */
  private readonly _prepared = new Map<string, Database.Statement>();

  private _sql(sql: string): Database.Statement {
    let st = this._prepared.get(sql);
    if (!st) {
      st = this._db.prepare(sql);
      this._prepared.set(sql, st);
    }
    return st;
  }

  constructor(file: string) {
    this._db = new Database(file);
    this._db.pragma('journal_mode = WAL');
    // NORMAL is durable across a daemon crash in WAL mode (only an OS crash can lose the last commits).
    this._db.pragma('synchronous = NORMAL');
    this._db.pragma('busy_timeout = 2000');
    migrate(this._db, file);
    this._insert = this._db.prepare(
      `INSERT INTO sessions (name, command, cwd, tags, agent, state, pid, created_at, cols, rows, restart_policy, restarted_from)
       VALUES (@name, @command, @cwd, @tags, @agent, 'running', @pid, @createdAt, @cols, @rows, @restartPolicy, @restartedFrom)`,
    );
    this._updateLive = this._db.prepare(
      `UPDATE sessions SET output_bytes = @outputBytes, last_output_at = @lastOutputAt, cols = @cols, rows = @rows, pid = @pid WHERE id = @id`,
    );
    this._updateEnd = this._db.prepare(
      `UPDATE sessions SET state = @state, exit_code = @exitCode, signal = @signal, ended_at = @endedAt,
       output_bytes = @outputBytes, last_output_at = @lastOutputAt WHERE id = @id`,
    );
    this._updateActivity = this._db.prepare(
      `UPDATE sessions SET activity = @activity, activity_since = @since, activity_reason = @reason WHERE id = @id`,
    );
    this._insertEvent = this._db.prepare(
      `INSERT INTO events (session_id, at, type, data) VALUES (?, ?, ?, ?)`,
    );
  }

  setTokenHash(id: number, hash: string): void {
    this._sql(`UPDATE sessions SET token_hash = ? WHERE id = ?`).run(hash, id);
  }

  sessionIdByTokenHash(hash: string): number | null {
    const r = this._sql(`SELECT id FROM sessions WHERE token_hash = ?`).get(hash) as { id: number } | undefined;
    return r?.id ?? null;
  }

  /** `cw rename`: the registry checks the name first (no running session has it). */
  setName(id: number, name: string | null): void {
    this._sql(`UPDATE sessions SET name = ? WHERE id = ?`).run(name, id);
  }

  setStateCard(id: number, card: string | null): void {
    this._sql(`UPDATE sessions SET state_card = ? WHERE id = ?`).run(card, id);
  }

  setConversation(id: number, conversationId: string | null, transcriptPath: string | null): void {
    this._sql(`UPDATE sessions SET conversation_id = ?, transcript_path = ? WHERE id = ?`).run(conversationId, transcriptPath, id);
  }

  stateCards(): Map<number, string> {
    const rows = this._sql(`SELECT id, state_card FROM sessions WHERE state_card IS NOT NULL`).all() as { id: number; state_card: string }[];
    return new Map(rows.map((r) => [r.id, r.state_card]));
  }

  insertMessage(m: Omit<MessageRow, 'id' | 'deliveredAt' | 'readAt' | 'closedAt' | 'result'>): number {
    const info = this._db
      .prepare(
        `INSERT INTO messages (from_session, from_label, to_session, to_label, kind, re, body, created_at, state, work_state)
         VALUES (@fromSession, @fromLabel, @toSession, @toLabel, @kind, @re, @body, @createdAt, @state, @workState)`,
      )
      .run(m);
    return Number(info.lastInsertRowid);
  }

  message(id: number): MessageRow | null {
    const r = this._sql(`SELECT * FROM messages WHERE id = ?`).get(id) as RawMessage | undefined;
    return r ? toMessage(r) : null;
  }

  /** Messages addressed to a session (null: the operator), oldest first. */
  inbox(toSession: number | null, unreadOnly: boolean, limit: number): MessageRow[] {
    const where = toSession === null ? 'to_session IS NULL' : 'to_session = ?';
    const rows = this._db
      .prepare(`SELECT * FROM messages WHERE ${where} ${unreadOnly ? "AND state != 'read'" : ''} ORDER BY id LIMIT ?`)
      .all(...(toSession === null ? [] : [toSession]), limit) as RawMessage[];
    return rows.map(toMessage);
  }

  /** Sessions with messages not yet delivered or read, for the wake loop. */
  pendingRecipients(): number[] {
    return (this._sql(`SELECT DISTINCT to_session FROM messages WHERE state = 'queued' AND to_session IS NOT NULL`).all() as { to_session: number }[]).map((r) => r.to_session);
  }

  markMessages(ids: number[], state: 'delivered' | 'read', at: string): void {
    if (!ids.length) return;
    const col = state === 'read' ? 'read_at' : 'delivered_at';
    const stmt = this._sql(
      `UPDATE messages SET state = CASE WHEN state = 'read' THEN 'read' ELSE ? END, ${col} = COALESCE(${col}, ?) WHERE id = ?`,
    );
    this._db.transaction(() => {
      for (const id of ids) stmt.run(state, at, id);
    })();
  }

  closeWork(id: number, state: 'done' | 'blocked', result: string, at: string): void {
    this._sql(`UPDATE messages SET work_state = ?, result = ?, closed_at = ? WHERE id = ?`).run(state, result, at, id);
  }

  setWorkState(id: number, state: string): void {
    this._sql(`UPDATE messages SET work_state = ? WHERE id = ?`).run(state, id);
  }

  /** Open requests and tasks involving a session (as owner or as requester); null = the operator. */
  openWork(session: number | null): MessageRow[] {
    const who = session === null ? '(to_session IS NULL OR from_session IS NULL)' : '(to_session = ? OR from_session = ?)';
    const rows = this._db
      .prepare(`SELECT * FROM messages WHERE kind IN ('request', 'task') AND work_state IN ('open', 'blocked') AND ${who} ORDER BY id`)
      .all(...(session === null ? [] : [session, session])) as RawMessage[];
    return rows.map(toMessage);
  }

  /**
   * Per recipient session: messages not yet read, and requests and tasks it still owes (open or blocked).
   * One grouped query for `cw list`, whatever the number of sessions.
   */
  mailCounts(): Map<number, { unread: number; owes: number }> {
    const rows = this._sql(
      `SELECT to_session AS id,
              SUM(CASE WHEN state != 'read' THEN 1 ELSE 0 END) AS unread,
              SUM(CASE WHEN kind IN ('request', 'task') AND work_state IN ('open', 'blocked') THEN 1 ELSE 0 END) AS owes
         FROM messages
        WHERE to_session IS NOT NULL AND (state != 'read' OR work_state IN ('open', 'blocked'))
        GROUP BY to_session`,
    ).all() as { id: number; unread: number; owes: number }[];
    return new Map(rows.map((r) => [r.id, { unread: r.unread, owes: r.owes }]));
  }

  /** The newest messages between anyone (the dashboard's messages view), oldest first. */
  recentMessages(limit: number): MessageRow[] {
    const rows = this._sql(`SELECT * FROM (SELECT * FROM messages ORDER BY id DESC LIMIT ?) ORDER BY id`).all(limit) as RawMessage[];
    return rows.map(toMessage);
  }

  /** Every open request and task, whoever owes it (who waits on whom). */
  allOpenWork(): MessageRow[] {
    const rows = this._sql(`SELECT * FROM messages WHERE kind IN ('request', 'task') AND work_state IN ('open', 'blocked') ORDER BY id`).all() as RawMessage[];
    return rows.map(toMessage);
  }

  replyTo(id: number): MessageRow | null {
    const r = this._sql(`SELECT * FROM messages WHERE re = ? AND kind = 'reply' ORDER BY id LIMIT 1`).get(id) as RawMessage | undefined;
    return r ? toMessage(r) : null;
  }

  /**
   * Marks sessions that were running when the previous daemon died as lost; returns their ids. Their end is the
   * last moment they were known alive (the latest persisted output or event), not when this daemon noticed.
   */
  markLost(now: string, except: readonly number[] = []): number[] {
    // Sessions handed over by the previous daemon (handover.ts) are still running: never lost.
    const kept = except.filter((n) => Number.isInteger(n)).join(',');
    const running = kept ? `state = 'running' AND id NOT IN (${kept})` : `state = 'running'`;
    const rows = this._sql(`SELECT id FROM sessions WHERE ${running}`).all() as { id: number }[];
    this._sql(
      `UPDATE sessions SET state = 'lost', ended_at = COALESCE(ended_at, MIN(?, MAX(created_at, COALESCE(last_output_at, created_at),
         COALESCE((SELECT MAX(at) FROM events WHERE events.session_id = sessions.id), created_at)))) WHERE ${running}`,
    ).run(now);
    return rows.map((r) => r.id);
  }

  /** Inserts a session before its process starts, so its id and log directory exist before the first byte. */
  insertSession(s: NewSession): number {
    const info = this._insert.run({
      name: s.name,
      command: JSON.stringify(s.command),
      cwd: s.cwd,
      tags: JSON.stringify(s.tags),
      agent: s.agent,
      pid: s.pid,
      createdAt: s.createdAt,
      cols: s.cols,
      rows: s.rows,
      restartPolicy: s.restartPolicy ?? 'never',
      restartedFrom: s.restartedFrom ?? null,
    });
    return Number(info.lastInsertRowid);
  }

  setLaunchSpec(id: number, spec: LaunchSpec): void {
    this._sql(`UPDATE sessions SET env = ?, hooks = ? WHERE id = ?`).run(spec.env ? JSON.stringify(spec.env) : null, spec.hooks ? 1 : 0, id);
  }

  /** What the session was launched with beyond its row (LaunchSpec), to launch the same again. */
  launchSpec(id: number): LaunchSpec {
    const r = this._sql(`SELECT env, hooks FROM sessions WHERE id = ?`).get(id) as { env: string | null; hooks: number } | undefined;
    return { env: r?.env ? (JSON.parse(r.env) as Record<string, string>) : null, hooks: r?.hooks !== 0 };
  }

  /**
   * Records that `from` was restarted as `to`: the link both ways (the new row got restarted_from at insert), and
   * the name moves to the new session, so a name never stands for two sessions.
   */
  linkRestart(from: number, to: number): void {
    this._sql(`UPDATE sessions SET restarted_as = ?, name = NULL WHERE id = ?`).run(to, from);
  }

  /**
   * Makes the next session id greater than `id`: an id whose log directory still exists (a database lost or
   * replaced while sessions/ stayed) is never handed out again, or a new session would append to an old log.
   * AUTOINCREMENT keeps its high-water mark in sqlite_sequence, which SQLite allows us to raise.
   */
  reserveSessionIdsThrough(id: number): void {
    this._db.transaction(() => {
      const r = this._sql(`SELECT seq FROM sqlite_sequence WHERE name = 'sessions'`).get() as { seq: number } | undefined;
      if (r === undefined) this._sql(`INSERT INTO sqlite_sequence (name, seq) VALUES ('sessions', ?)`).run(id);
      else if (r.seq < id) this._sql(`UPDATE sqlite_sequence SET seq = ? WHERE name = 'sessions'`).run(id);
    })();
  }

  /** Session worktrees (migration 5): one row per session launched with --worktree, kept after `cw rm`. */
  insertWorktree(w: WorktreeRow): void {
    this._sql(`INSERT OR REPLACE INTO worktrees (session_id, repo, path, branch, base, base_commit, created_at) VALUES (@sessionId, @repo, @path, @branch, @base, @baseCommit, @createdAt)`).run(w);
  }

  worktrees(): WorktreeRow[] {
    return this._sql(`SELECT session_id AS sessionId, repo, path, branch, base, base_commit AS baseCommit, created_at AS createdAt FROM worktrees ORDER BY session_id`).all() as WorktreeRow[];
  }

  /** The id the next inserted session will get (AUTOINCREMENT's high-water mark + 1), to name its worktree before it exists. */
  nextSessionId(): number {
    const r = this._sql(`SELECT seq FROM sqlite_sequence WHERE name = 'sessions'`).get() as { seq: number } | undefined;
    return (r?.seq ?? 0) + 1;
  }

  deleteWorktree(sessionId: number): void {
    this._sql(`DELETE FROM worktrees WHERE session_id = ?`).run(sessionId);
  }

  deleteSession(id: number): void {
    this._sql(`DELETE FROM sessions WHERE id = ?`).run(id);
  }

  updateLive(s: Pick<SessionRow, 'id' | 'outputBytes' | 'lastOutputAt' | 'cols' | 'rows' | 'pid'>): void {
    this._updateLive.run(s);
  }

  updateEnd(s: Pick<SessionRow, 'id' | 'state' | 'exitCode' | 'signal' | 'endedAt' | 'outputBytes' | 'lastOutputAt'>): void {
    this._updateEnd.run(s);
  }

  updateActivity(id: number, activity: Activity, since: string, reason: string): void {
    this._updateActivity.run({ id, activity, since, reason });
  }

  saveLastScreen(id: number, text: string): void {
    this._sql(`UPDATE sessions SET last_screen = ? WHERE id = ?`).run(text, id);
  }

  lastScreen(id: number): string | null {
    const r = this._sql(`SELECT last_screen FROM sessions WHERE id = ?`).get(id) as { last_screen: string | null } | undefined;
    return r?.last_screen ?? null;
  }

  addEvent(sessionId: number | null, at: string, type: string, data: unknown): number {
    return Number(this._insertEvent.run(sessionId, at, type, JSON.stringify(data)).lastInsertRowid);
  }

  events(sessionId: number | null, afterId = 0, limit = 1000): { id: number; sessionId: number | null; at: string; type: string; data: unknown }[] {
    const rows = (
      sessionId === null
        ? this._sql(`SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?`).all(afterId, limit)
        : this._sql(`SELECT * FROM events WHERE session_id = ? AND id > ? ORDER BY id LIMIT ?`).all(sessionId, afterId, limit)
    ) as { id: number; session_id: number | null; at: string; type: string; data: string }[];
    return rows.map((r) => ({ id: r.id, sessionId: r.session_id, at: r.at, type: r.type, data: JSON.parse(r.data) as unknown }));
  }

  sessionRow(id: number): SessionRow {
    return toRow(this._sql(`SELECT * FROM sessions WHERE id = ?`).get(id) as RawRow);
  }

  /** Deletes the oldest events beyond `keep`; returns how many went. */
  pruneEvents(keep: number): number {
    const r = this._sql(`DELETE FROM events WHERE id <= (SELECT MAX(id) FROM events) - ?`).run(keep);
    return r.changes;
  }

  /** The newest `count` events (of the given sessions, or all), oldest first. */
  lastEvents(sessionIds: number[] | null, count: number): { id: number; sessionId: number | null; at: string; type: string; data: unknown }[] {
    const where = sessionIds === null ? '' : `WHERE session_id IN (${sessionIds.map(() => '?').join(',') || 'NULL'})`;
    const rows = this._db
      .prepare(`SELECT * FROM (SELECT * FROM events ${where} ORDER BY id DESC LIMIT ?) ORDER BY id`)
      .all(...(sessionIds ?? []), count) as { id: number; session_id: number | null; at: string; type: string; data: string }[];
    return rows.map((r) => ({ id: r.id, sessionId: r.session_id, at: r.at, type: r.type, data: JSON.parse(r.data) as unknown }));
  }

  allSessions(): SessionRow[] {
    const rows = this._sql(`SELECT * FROM sessions ORDER BY id`).all() as RawRow[];
    return rows.map(toRow);
  }

  /** The database itself, for the modules that keep their own tables in it (task-store.ts). */
  get db(): Database.Database {
    return this._db;
  }

  integrityCheck(): string {
    return String(this._db.pragma('integrity_check', { simple: true }));
  }

  close(): void {
    this._db.close();
  }
}

function toRow(r: RawRow): SessionRow {
  return {
    id: r.id,
    name: r.name,
    command: JSON.parse(r.command) as string[],
    cwd: r.cwd,
    tags: JSON.parse(r.tags) as string[],
    agent: r.agent,
    state: r.state as SessionState,
    exitCode: r.exit_code,
    signal: r.signal,
    pid: r.pid,
    createdAt: r.created_at,
    endedAt: r.ended_at,
    cols: r.cols,
    rows: r.rows,
    outputBytes: r.output_bytes,
    lastOutputAt: r.last_output_at,
    activity: (r.activity ?? 'unknown') as Activity,
    activitySince: r.activity_since,
    activityReason: r.activity_reason,
    stateCard: r.state_card ?? null,
    conversationId: r.conversation_id ?? null,
    transcriptPath: r.transcript_path ?? null,
    restartPolicy: (r.restart_policy ?? 'never') as RestartPolicy,
    restartedFrom: r.restarted_from ?? null,
    restartedAs: r.restarted_as ?? null,
  };
}
