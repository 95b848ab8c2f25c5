// Black-box: scheduled prompts (`cw task`) against a real daemon, with the fake Claude Code TUI as the agent (an
// idle fake answers "Reply to: <prompt>"). Time is never waited for: `cw task run` runs a task now, and a missed
// run is made by recording a task's last run far in the past while the daemon is down.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { EventRecord, SessionInfo, TaskInfo, TaskRunInfo } from '../../src/protocol/index.js';
import { TASK_LATE_MS } from '../../src/daemon/limits.js';
import { alive, homesPerTest, ROOT, waitFor, type Home } from '../support/harness.js';

const FAKE_CLAUDE = join(ROOT, 'tests/fixtures/agents/fake-claude.mjs');
const home = homesPerTest();

const fake = (h: Home, name: string, env: Record<string, string> = {}): Promise<string> =>
  h.ok(['launch', '--name', name, '--agent', 'claude', ...Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]), '--', process.execPath, FAKE_CLAUDE]).then((s) => s.trim());
const runs = (h: Home, name?: string): Promise<TaskRunInfo[]> => h.json<TaskRunInfo[]>(['task', 'runs', ...(name ? [name] : [])]);
const events = async (h: Home): Promise<EventRecord[]> =>
  (await h.ok(['events', '--tail', '1000', '--json'])).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as EventRecord);
/** The reply of the agent's latest turn, once there is one. */
const replyOf = (h: Home, ref: string): Promise<string> =>
  waitFor(async () => {
    const r = await h.cw(['last-message', ref]);
    return r.code === 0 ? r.stdout : null;
  }, `a reply in ${ref}`, 30_000);

describe('cw task', () => {
  it('adds, lists, runs into a target through the ready-to-type policy, records the run, removes', { timeout: 90_000 }, async () => {
    const h = home();
    const id = await fake(h, 'fc');
    const add = await h.cw(['task', 'add', 'standup', '--cron', '0 9 * * 1-5', '--tz', 'Europe/Berlin', '--target', 'fc', '--prompt', 'summarise the day', '--json']);
    expect(add.code, add.stderr).toBe(0);
    const t = JSON.parse(add.stdout) as TaskInfo;
    expect(t).toMatchObject({ name: 'standup', cron: '0 9 * * 1-5', tz: 'Europe/Berlin', tzLocal: false, target: 'fc', spawn: null, once: false, lastRun: null });
    // 9:00 in Berlin is 08:00Z in winter or 07:00Z in summer, on a weekday.
    expect(t.next).toMatch(/T0[78]:00:00\.000Z$/);
    expect([1, 2, 3, 4, 5]).toContain(new Date(t.next!).getUTCDay());
    expect(add.stderr).toContain('Task standup added (0 9 * * 1-5, Europe/Berlin)');

    const ls = await h.ok(['task', 'ls']);
    expect(ls).toMatch(/^NAME\s+CRON\s+TZ\s+NEXT\s+LAST\s+INTO\n/);
    expect(ls).toMatch(/standup\s+0 9 \* \* 1-5\s+Europe\/Berlin/);

    const r = await h.cw(['task', 'run', 'standup', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout) as TaskRunInfo;
    expect(run).toMatchObject({ task: 'standup', trigger: 'manual', dueAt: null, outcome: 'submitted', reason: null, session: Number(id), note: null });
    expect(await replyOf(h, 'fc')).toBe('Reply to: summarise the day\nSecond line of the reply.\n');

    const all = await runs(h, 'standup');
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ id: run.id, outcome: 'submitted', session: Number(id) });
    expect(all[0]!.endedAt).not.toBeNull();
    const text = await h.ok(['task', 'runs']);
    expect(text).toMatch(new RegExp(`^RUN\\s+TASK\\s+AT\\s+TRIGGER\\s+SESSION\\s+OUTCOME\\n${run.id}\\s+standup\\s+\\S+ \\S+\\s+manual\\s+${id}\\s+submitted\\n$`));
    const ev = (await events(h)).filter((e) => e.type.startsWith('task.'));
    expect(ev.map((e) => [e.type, e.data.outcome])).toEqual([
      ['task.run', 'pending'],
      ['task.outcome', 'submitted'],
    ]);
    expect((await h.json<TaskInfo[]>(['task', 'ls']))[0]!.lastRun).toMatchObject({ id: run.id, outcome: 'submitted' });

    // A second task of that name is refused; --replace replaces it.
    const dup = await h.cw(['task', 'add', 'standup', '--cron', '@daily', '--target', 'fc', '--prompt', 'x']);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain("a task named 'standup' exists");
    expect(dup.stderr).toContain('--replace');
    expect((await h.cw(['task', 'add', 'standup', '--cron', '@daily', '--tz', 'UTC', '--target', 'fc', '--prompt', 'x', '--replace'])).code).toBe(0);
    expect((await h.json<TaskInfo[]>(['task', 'ls']))[0]).toMatchObject({ cron: '@daily', tz: 'UTC' });

    expect(await h.json(['task', 'rm', 'standup'])).toEqual({ removed: 'standup' });
    expect(await h.json(['task', 'ls'])).toEqual([]);
    // Its runs stay: they are history.
    expect(await runs(h)).toHaveLength(1);
    const gone = await h.cw(['task', 'run', 'standup']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("no task named 'standup'");
  });

  it('revives a target that has ended, and says why a run could not run', { timeout: 90_000 }, async () => {
    const h = home();
    const first = await fake(h, 'fc');
    expect((await h.cw(['task', 'add', 'nudge', '--cron', '*/5 * * * *', '--target', 'fc', '--prompt', 'wake up'])).code).toBe(0);
    await h.ok(['kill', 'fc']);
    const r = await h.cw(['task', 'run', 'nudge', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout) as TaskRunInfo;
    expect(run.outcome).toBe('submitted');
    expect(run.session).not.toBe(Number(first));
    expect(run.note).toBe(`session ${first} had ended: revived as session ${run.session}`);
    expect(await h.json<SessionInfo>(['status', 'fc'])).toMatchObject({ id: run.session, restartedFrom: Number(first), state: 'running' });
    expect(await replyOf(h, 'fc')).toContain('Reply to: wake up');
    const revived = (await events(h)).filter((e) => e.type === 'session.revived');
    expect(revived.map((e) => e.data.reason)).toEqual(['task']);

    // Gone for good: the run fails and says why (exit 1).
    await h.ok(['kill', 'fc']);
    await h.ok(['rm', first, String(run.session)]);
    const failed = await h.cw(['task', 'run', 'nudge', '--json']);
    expect(failed.code).toBe(1);
    const f = JSON.parse(failed.stdout) as TaskRunInfo;
    expect(f).toMatchObject({ outcome: 'failed', session: null });
    expect(f.reason).toContain("its target session 'fc' is gone");
    expect(failed.stderr).toContain(`run ${f.id} failed (its target session 'fc' is gone`);
  });

  it('--spawn launches a new session for each run; --once deletes the task after its first run', { timeout: 90_000 }, async () => {
    const h = home();
    const add = await h.cw(['task', 'add', 'nightly', '--cron', '30 2 * * *', '--tz', 'America/New_York', '--once', '--spawn', '--name', 'night', '--tag', 'sched', '--agent', 'claude', '--env', 'SECRET_TOKEN=hunter2', '--prompt', 'run the slow tests', '--json', '--', process.execPath, FAKE_CLAUDE]);
    expect(add.code, add.stderr).toBe(0);
    const t = JSON.parse(add.stdout) as TaskInfo;
    expect(t).toMatchObject({ once: true, target: null, spawn: { command: [process.execPath, FAKE_CLAUDE], name: 'night', tags: ['sched'], agent: 'claude' } });
    // The launch's environment is never shown.
    expect(add.stdout + (await h.ok(['task', 'ls', '--json']))).not.toContain('hunter2');

    const run = JSON.parse(await h.ok(['task', 'run', 'nightly', '--json'])) as TaskRunInfo;
    expect(run).toMatchObject({ outcome: 'submitted', trigger: 'manual' });
    expect(await h.json<SessionInfo>(['status', 'night'])).toMatchObject({ id: run.session, tags: ['sched'], state: 'running' });
    expect(await replyOf(h, 'night')).toContain('Reply to: run the slow tests');
    expect(await h.json(['task', 'ls'])).toEqual([]);
    expect((await runs(h, 'nightly')).map((r) => r.outcome)).toEqual(['submitted']);
  });

  it('holds the prompt through a dialog (exit 3, outcome held), types it once the dialog is answered', { timeout: 90_000 }, async () => {
    const h = home();
    await fake(h, 'fc', { FAKE_TRUST: '1' });
    await waitFor(async () => (await h.json<SessionInfo>(['status', 'fc'])).activity === 'waiting_for_input' || null, 'the trust dialog', 15_000);
    expect((await h.cw(['task', 'add', 'ask', '--cron', '@hourly', '--target', 'fc', '--prompt', 'after the dialog'])).code).toBe(0);
    const r = await h.cw(['task', 'run', 'ask', '--json']);
    expect(r.code, r.stderr).toBe(3);
    const run = JSON.parse(r.stdout) as TaskRunInfo;
    expect(run.outcome).toBe('held');
    expect(run.reason).toBeTruthy();
    // A second run while the first still holds its prompt is skipped, and says why.
    const again = await h.cw(['task', 'run', 'ask', '--json']);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ outcome: 'skipped', reason: `run ${run.id} of this task is still waiting to type its prompt` });

    await h.ok(['send', 'fc', '--key', '1']);
    expect(await replyOf(h, 'fc')).toContain('Reply to: after the dialog');
    const all = await waitFor(async () => {
      const l = await runs(h, 'ask');
      return l[0]!.outcome === 'submitted' ? l : null;
    }, 'the held run to be submitted');
    expect(all.map((x) => x.outcome)).toEqual(['submitted', 'skipped']);
  });

  it('a run missed while the daemon was down runs once at start, and says so', { timeout: 90_000 }, async () => {
    const h = home();
    await fake(h, 'fc');
    expect((await h.cw(['task', 'add', 'daily', '--cron', '0 9 * * *', '--tz', 'UTC', '--target', 'fc', '--prompt', 'good morning'])).code).toBe(0);
    const pid = h.daemonPid()!;
    await h.ok(['stop']);
    await waitFor(() => !alive(pid), 'the daemon to stop');
    // Last dealt with years ago: hundreds of occurrences were missed.
    const db = new Database(join(h.dir, 'state.db'), { fileMustExist: true });
    db.prepare(`UPDATE tasks SET last_due_at = ? WHERE name = 'daily'`).run('2020-01-01T00:00:00.000Z');
    db.close();

    // Any command starts the daemon again; the target ended with the old daemon, so it is revived too.
    const l = await waitFor(async () => {
      const x = await runs(h, 'daily');
      return x.length && x[0]!.outcome === 'submitted' ? x : null;
    }, 'the missed run', 20_000);
    expect(l).toHaveLength(1);
    expect(l[0]).toMatchObject({ trigger: 'missed', dueAt: '2020-01-01T09:00:00.000Z' });
    expect(l[0]!.note).toMatch(/^missed at 2020-01-01T09:00:00\.000Z, run at start; session \d+ had ended: revived as session \d+$/);
    expect(await replyOf(h, 'fc')).toContain('Reply to: good morning');
    const ev = (await events(h)).filter((e) => e.type === 'task.run');
    expect(ev).toHaveLength(1);
    expect(ev[0]!.data).toMatchObject({ task: 'daily', trigger: 'missed', note: 'missed at 2020-01-01T09:00:00.000Z, run at start' });
    // The next run is the next occurrence, not another missed one.
    const t = (await h.json<TaskInfo[]>(['task', 'ls']))[0]!;
    expect(Date.parse(t.next!)).toBeGreaterThan(Date.now());
    expect(t.next).toMatch(/T09:00:00\.000Z$/);
  });

  it('fires at the time its expression names (on a clock shifted to just before it)', { timeout: 90_000 }, async () => {
    // The daemon's task clock reads 08:59:52 UTC on 1 January 2030 as this test starts: 9:00 comes 8 s later.
    const due = Date.parse('2030-01-01T09:00:00.000Z');
    const h = home({ CW_TEST_CLOCK_OFFSET_MS: String(due - 8_000 - Date.now()) });
    const id = await fake(h, 'fc');
    const add = JSON.parse(await h.ok(['task', 'add', 'nine', '--cron', '0 9 * * *', '--tz', 'UTC', '--target', 'fc', '--prompt', 'it is nine', '--json'])) as TaskInfo;
    expect(add.next).toBe('2030-01-01T09:00:00.000Z');
    const l = await waitFor(async () => {
      const x = await runs(h, 'nine');
      return x.length && x[0]!.outcome === 'submitted' ? x : null;
    }, 'the 9:00 run', 30_000);
    expect(l).toHaveLength(1);
    expect(l[0]).toMatchObject({ trigger: 'schedule', dueAt: '2030-01-01T09:00:00.000Z', session: Number(id), note: null });
    expect(Date.parse(l[0]!.at) - due).toBeLessThan(TASK_LATE_MS);
    expect(await replyOf(h, 'fc')).toContain('Reply to: it is nine');
    expect((await h.json<TaskInfo[]>(['task', 'ls']))[0]!.next).toBe('2030-01-02T09:00:00.000Z');
    expect(readFileSync(join(h.dir, 'daemon.log'), 'utf8')).toContain('task schedules run on a shifted clock (a test hook');
  });

  it('refuses what cannot be scheduled, saying what to do', { timeout: 30_000 }, async () => {
    const h = home();
    await fake(h, 'fc');
    const bad = async (args: string[]): Promise<{ code: number; stderr: string }> => h.cw(['task', 'add', 'x', ...args]);
    const cron = await bad(['--cron', '61 * * * *', '--target', 'fc', '--prompt', 'p']);
    expect(cron.code).not.toBe(0);
    expect(cron.stderr).toContain('--cron: minute 61 is out of range 0-59');
    expect(cron.stderr).toContain('hint:');
    const tz = await bad(['--cron', '@daily', '--tz', 'Mars/Olympus', '--target', 'fc', '--prompt', 'p']);
    expect(tz.stderr).toContain("--tz: 'Mars/Olympus' is not a time zone");
    const never = await bad(['--cron', '0 0 30 2 *', '--target', 'fc', '--prompt', 'p']);
    expect(never.stderr).toContain('names no time in the next 30 years');
    const none = await bad(['--cron', '@daily', '--target', 'nosuch', '--prompt', 'p']);
    expect(none.stderr).toContain("session 'nosuch' not found");
    const both = await bad(['--cron', '@daily', '--prompt', 'p']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give --target SESSION or --spawn -- CMD');
    const noPrompt = await bad(['--cron', '@daily', '--target', 'fc']);
    expect(noPrompt.code).toBe(2);
    expect(await h.json(['task', 'ls'])).toEqual([]);
  });
});
