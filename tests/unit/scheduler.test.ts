// The scheduler of `cw task` with an injected clock: runs at each occurrence, sleeps in bounded steps, runs a task
// missed while the daemon was down once at start (never once per missed occurrence), re-arms on changes.
import { describe, expect, it } from 'vitest';
import type { TaskTrigger } from '../../src/protocol/index.js';
import { TASK_LATE_MS, TASK_TIMER_MAX_MS } from '../../src/daemon/limits.js';
import { Scheduler, type Clock } from '../../src/daemon/scheduler.js';
import type { TaskRow } from '../../src/daemon/task-store.js';

/** A clock moved by hand: timers fire when `advance` passes their time. */
class FakeClock implements Clock {
  private _timers: { at: number; fn: () => void; live: boolean }[] = [];
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  setTimer(fn: () => void, ms: number): () => void {
    const timer = { at: this.t + ms, fn, live: true };
    this._timers.push(timer);
    return () => (timer.live = false);
  }
  get pending(): number {
    return this._timers.filter((x) => x.live).length;
  }
  /** Moves time forward to `to`, firing each due timer at its own time. */
  advanceTo(to: number): void {
    for (;;) {
      const due = this._timers.filter((x) => x.live && x.at <= to).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      due.live = false;
      // A timer already overdue (the clock jumped) fires late, at the current time.
      this.t = Math.max(this.t, due.at);
      due.fn();
    }
    this.t = to;
  }
}

const T = (iso: string): number => Date.parse(iso);

function task(name: string, cron: string, lastDueAt: string, tz = 'UTC'): TaskRow {
  return { name, cron, tz, prompt: 'p', target: 's', spawn: null, once: false, promptTimeoutMs: null, createdAt: lastDueAt, lastDueAt };
}

function setup(now: string, tasks: TaskRow[]) {
  const clock = new FakeClock(T(now));
  const runs: { name: string; trigger: TaskTrigger; due: string | null; note: string | null; at: string }[] = [];
  const map = new Map(tasks.map((t) => [t.name, t]));
  const warnings: string[] = [];
  const scheduler = new Scheduler({
    clock,
    tasks: { all: () => [...map.values()], setLastDue: (n, at) => void (map.get(n)!.lastDueAt = at) },
    run: (t, trigger, due, note) => runs.push({ name: t.name, trigger, due: due === null ? null : new Date(due).toISOString(), note, at: new Date(clock.now()).toISOString() }),
    warn: (m) => warnings.push(m),
  });
  return { clock, runs, map, scheduler, warnings };
}

describe('Scheduler', () => {
  it('runs at each occurrence, on time, and sleeps at most TASK_TIMER_MAX_MS at a time', () => {
    expect(TASK_TIMER_MAX_MS).toBe(60_000);
    const { clock, runs, scheduler } = setup('2026-12-07T08:58:30Z', [task('standup', '0 9 * * 1-5', '2026-12-07T08:00:00Z')]);
    scheduler.start();
    expect(runs).toEqual([]);
    expect(clock.pending).toBe(1);
    clock.advanceTo(T('2026-12-07T08:59:59Z'));
    expect(runs).toEqual([]);
    clock.advanceTo(T('2026-12-08T09:00:00Z'));
    expect(runs).toEqual([
      { name: 'standup', trigger: 'schedule', due: '2026-12-07T09:00:00.000Z', note: null, at: '2026-12-07T09:00:00.000Z' },
      { name: 'standup', trigger: 'schedule', due: '2026-12-08T09:00:00.000Z', note: null, at: '2026-12-08T09:00:00.000Z' },
    ]);
    scheduler.dispose();
    expect(clock.pending).toBe(0);
  });

  it('runs a task missed while the daemon was down once at start, and says when it was missed', () => {
    // Last dealt with three days ago: 3 occurrences of the daily one and many of the hourly one were missed.
    const { clock, runs, map, scheduler } = setup('2026-12-05T12:34:00Z', [
      task('daily', '0 9 * * *', '2026-12-02T09:00:00Z'),
      task('hourly', '0 * * * *', '2026-12-02T09:00:00Z'),
      task('future', '0 9 * * *', '2026-12-05T09:00:00Z'),
    ]);
    scheduler.start();
    expect(runs).toEqual([
      { name: 'daily', trigger: 'missed', due: '2026-12-03T09:00:00.000Z', note: 'missed at 2026-12-03T09:00:00.000Z, run at start', at: '2026-12-05T12:34:00.000Z' },
      { name: 'hourly', trigger: 'missed', due: '2026-12-02T10:00:00.000Z', note: 'missed at 2026-12-02T10:00:00.000Z, run at start', at: '2026-12-05T12:34:00.000Z' },
    ]);
    // Dealt with up to now: the next runs are the next occurrences, not the missed ones.
    expect(map.get('daily')!.lastDueAt).toBe('2026-12-05T12:34:00.000Z');
    clock.advanceTo(T('2026-12-05T13:00:00Z'));
    expect(runs.slice(2)).toEqual([{ name: 'hourly', trigger: 'schedule', due: '2026-12-05T13:00:00.000Z', note: null, at: '2026-12-05T13:00:00.000Z' }]);
    scheduler.dispose();
  });

  it('records a run that comes late (a machine that slept) as missed, once', () => {
    const { clock, runs, scheduler } = setup('2026-12-05T08:59:00Z', [task('daily', '0 9 * * *', '2026-12-05T08:00:00Z')]);
    scheduler.start();
    // The timer fires two hours late: the clock jumped (a suspend).
    clock.t = T('2026-12-05T11:00:00Z');
    clock.advanceTo(T('2026-12-05T11:00:00Z'));
    expect(runs).toEqual([{ name: 'daily', trigger: 'missed', due: '2026-12-05T09:00:00.000Z', note: 'missed at 2026-12-05T09:00:00.000Z, run 7200s late', at: '2026-12-05T11:00:00.000Z' }]);
    expect(TASK_LATE_MS).toBe(60_000);
    scheduler.dispose();
  });

  it('follows DST: 9:00 in Europe/Berlin before and after the change', () => {
    const { clock, runs, scheduler } = setup('2026-03-28T00:00:00Z', [task('b', '0 9 * * *', '2026-03-28T00:00:00Z', 'Europe/Berlin')]);
    scheduler.start();
    clock.advanceTo(T('2026-03-30T00:00:00Z'));
    expect(runs.map((r) => r.at)).toEqual(['2026-03-28T08:00:00.000Z', '2026-03-29T07:00:00.000Z']);
    scheduler.dispose();
  });

  it('re-arms when tasks change; a task without a time ahead arms nothing', () => {
    const { clock, runs, map, scheduler } = setup('2026-12-05T00:00:00Z', [task('never', '0 0 30 2 *', '2026-12-05T00:00:00Z')]);
    scheduler.start();
    expect(clock.pending).toBe(0);
    map.set('soon', task('soon', '5 0 * * *', '2026-12-05T00:00:00Z'));
    scheduler.changed();
    expect(clock.pending).toBe(1);
    clock.advanceTo(T('2026-12-05T00:05:00Z'));
    expect(runs.map((r) => r.name)).toEqual(['soon']);
    map.delete('soon');
    scheduler.changed();
    expect(clock.pending).toBe(0);
    scheduler.dispose();
  });

  it('keeps the others going when one run throws', () => {
    const clock = new FakeClock(T('2026-12-05T00:00:30Z'));
    const tasks = [task('a', '* * * * *', '2026-12-05T00:00:00Z'), task('b', '* * * * *', '2026-12-05T00:00:00Z')];
    const ran: string[] = [];
    const warnings: string[] = [];
    const s = new Scheduler({
      clock,
      tasks: { all: () => tasks, setLastDue: (n, at) => void (tasks.find((t) => t.name === n)!.lastDueAt = at) },
      run: (t) => {
        if (t.name === 'a') throw new Error('boom');
        ran.push(t.name);
      },
      warn: (m) => warnings.push(m),
    });
    s.start();
    clock.advanceTo(T('2026-12-05T00:01:00Z'));
    expect(ran).toEqual(['b']);
    expect(warnings).toEqual(['task a: run failed to start: boom']);
    s.dispose();
  });
});
