// The state database moves forward: a database written by an earlier release (tests/fixtures/db/, see its
// README) opens with every row intact and the new columns at their defaults; a newer one is refused.
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SCHEMA_VERSION, Store } from '../../src/daemon/store.js';

const FIXTURE = resolve(import.meta.dirname, '../fixtures/db/state-3fe2fe3.db');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function scratch(): string {
  const d = mkdtempSync(join(tmpdir(), 'cw-db-'));
  dirs.push(d);
  return d;
}

function version(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).get() as { value: string }).value;
  } finally {
    db.close();
  }
}

describe('database migrations', () => {
  it('opens the 3fe2fe3 database: every session, event and message survives; new columns have their defaults', () => {
    const file = join(scratch(), 'state.db');
    copyFileSync(FIXTURE, file);
    expect(version(file)).toBe('2');
    const store = new Store(file);
    try {
      expect(version(file)).toBe(String(SCHEMA_VERSION));
      const rows = store.allSessions();
      expect(rows.map((r) => [r.id, r.name, r.state, r.agent])).toEqual([
        [1, 'api', 'running', 'claude'],
        [2, null, 'exited', 'shell'],
        [3, 'dev', 'killed', 'generic'],
      ]);
      expect(rows[0]).toMatchObject({
        command: ['claude', '--model', 'opus'],
        cwd: '/home/u/api',
        tags: ['ui', 'team:a'],
        cols: 100,
        rows: 30,
        outputBytes: 5120,
        activity: 'idle',
        activityReason: 'prompt box empty',
        stateCard: 'fixing the login test',
        conversationId: '0b7c5a1e-7a55-4c55-9a55-5a1e0b7c5a1e',
        transcriptPath: '/home/u/.claude/projects/-home-u-api/0b7c5a1e-7a55-4c55-9a55-5a1e0b7c5a1e.jsonl',
        restartPolicy: 'never',
        restartedFrom: null,
        restartedAs: null,
      });
      expect(rows[1]).toMatchObject({ exitCode: 3, endedAt: '2025-01-02T10:02:00.000Z', outputBytes: 12 });
      expect(rows[2]).toMatchObject({ signal: 'SIGHUP', exitCode: null });
      expect(store.lastScreen(1)).toBe('hello from the old screen\n');
      expect(store.sessionIdByTokenHash('a'.repeat(64))).toBe(1);
      // Launched before the environment was recorded: none, hooks as by default.
      expect(store.launchSpec(1)).toEqual({ env: null, hooks: true });
      expect(store.events(null).map((e) => [e.id, e.sessionId, e.type])).toEqual([
        [1, 1, 'session.created'],
        [2, 1, 'activity'],
        [3, 2, 'session.ended'],
        [4, null, 'daemon.warning'],
      ]);
      expect(store.events(1)[0]!.data).toMatchObject({ command: ['claude', '--model', 'opus'], tags: ['ui', 'team:a'] });
      expect(store.message(1)).toMatchObject({ kind: 'task', toSession: 1, body: 'fix the login test', state: 'delivered', workState: 'done', result: 'fixed in 3 lines' });
      expect(store.message(2)).toMatchObject({ fromSession: 1, toSession: null, body: 'on it', state: 'read' });
      // Ids keep increasing past the old ones; the new columns are written and read.
      const id = store.insertSession({ name: 'next', command: ['bash'], cwd: '/', tags: [], agent: 'shell', pid: null, createdAt: new Date().toISOString(), cols: 80, rows: 24, restartPolicy: 'on-failure', restartedFrom: 2 });
      expect(id).toBe(4);
      store.setLaunchSpec(id, { env: { FOO: 'bar' }, hooks: false });
      store.linkRestart(2, id);
      expect(store.sessionRow(id)).toMatchObject({ restartPolicy: 'on-failure', restartedFrom: 2, restartedAs: null });
      expect(store.sessionRow(2)).toMatchObject({ restartedAs: id, name: null });
      expect(store.launchSpec(id)).toEqual({ env: { FOO: 'bar' }, hooks: false });
      expect(store.integrityCheck()).toBe('ok');
    } finally {
      store.close();
    }
    // Opening it again applies nothing more.
    new Store(file).close();
    expect(version(file)).toBe(String(SCHEMA_VERSION));
  });

  it('a new file gets the whole schema', () => {
    const file = join(scratch(), 'state.db');
    const store = new Store(file);
    store.close();
    expect(version(file)).toBe(String(SCHEMA_VERSION));
    const db = new Database(file, { readonly: true });
    const cols = (db.prepare(`PRAGMA table_info(sessions)`).all() as { name: string }[]).map((c) => c.name);
    db.close();
    expect(cols).toEqual(expect.arrayContaining(['token_hash', 'state_card', 'conversation_id', 'transcript_path', 'env', 'hooks', 'restart_policy', 'restarted_from', 'restarted_as']));
  });

  it('a version-2 database without the conversation columns (written before c0be998) gets them', () => {
    const file = join(scratch(), 'state.db');
    copyFileSync(FIXTURE, file);
    const db = new Database(file);
    db.exec(`ALTER TABLE sessions DROP COLUMN conversation_id; ALTER TABLE sessions DROP COLUMN transcript_path`);
    db.close();
    const store = new Store(file);
    try {
      expect(store.sessionRow(1)).toMatchObject({ name: 'api', conversationId: null, transcriptPath: null });
    } finally {
      store.close();
    }
  });

  it('refuses a database newer than this code, naming both versions and what to do, and leaves it untouched', () => {
    const file = join(scratch(), 'state.db');
    new Store(file).close();
    const db = new Database(file);
    db.prepare(`UPDATE meta SET value = ? WHERE key = 'schema_version'`).run(String(SCHEMA_VERSION + 3));
    db.close();
    let message = '';
    try {
      new Store(file).close();
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe(
      `its schema version ${SCHEMA_VERSION + 3} is newer than this cw knows (${SCHEMA_VERSION}): run the newer cw that wrote it, or move ${file} aside to start with an empty session history`,
    );
    expect(message).not.toContain('\n');
    expect(version(file)).toBe(String(SCHEMA_VERSION + 3));
  });
});
