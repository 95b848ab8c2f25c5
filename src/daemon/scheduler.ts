// When scheduled prompts run (`cw task`): one timer for the earliest next occurrence of every task, and the runs
// missed while the daemon was down (each task runs once at start, never once per missed occurrence). The clock is
// injected, so tests move time by hand; what a run does is the runner's (task-run.ts).
import type { TaskTrigger } from '../protocol/index.js';
import { localZone, nextAfter, parseCron } from './cron.js';
import { TASK_LATE_MS, TASK_TIMER_MAX_MS } from './limits.js';
import type { TaskRow } from './task-store.js';

/** The time and a timer: the daemon passes the real ones (realClock). */
export interface Clock {
  now(): number;
  /** Calls `fn` once after `ms`; the returned function cancels it. */
  setTimer(fn: () => void, ms: number): () => void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => {
    const t = setTimeout(fn, ms);
    // A schedule never keeps a stopping daemon alive.
    t.unref();
    return () => clearTimeout(t);
  },
};

export interface SchedulerDeps {
  clock: Clock;
  tasks: { all(): TaskRow[]; setLastDue(name: string, at: string): void };
  /** Starts one run; the scheduler does not wait for it (a prompt may be held for many minutes). */
  run(task: TaskRow, trigger: TaskTrigger, dueAt: number | null, note: string | null): void;
  warn(message: string): void;
}

/** The zone a task runs in: its own, or the daemon's local one. */
export const zoneOf = (t: Pick<TaskRow, 'tz'>): string => t.tz ?? localZone();

/** A task's next occurrence after the time it was last dealt with; null when its expression names no time ahead. */
export function nextDue(t: TaskRow): number | null {
  const p = parseCron(t.cron);
  if (!p.ok) return null;
  return nextAfter(p.spec, Date.parse(t.lastDueAt), zoneOf(t));
}

const iso = (ms: number): string => new Date(ms).toISOString();

export class Scheduler {
  private _cancel: (() => void) | null = null;
  private _disposed = false;

  constructor(private readonly _d: SchedulerDeps) {}

  /** The daemon is up: every task whose time passed while it was down runs once, then the timer is armed. */
  start(): void {
    this._due(true);
  }

  /** A task was added, replaced or removed: the timer is armed again. */
  changed(): void {
    this._arm();
  }

  /**
   * Runs each task whose next occurrence has come. Its mark moves to now first, so the occurrences it skips (a
   * daemon that was down, a machine that slept) are not run one by one, and a crash mid-run does not repeat it.
   */
  private _due(atStart: boolean): void {
    if (this._disposed) return;
    const now = this._d.clock.now();
    for (const t of this._d.tasks.all()) {
      let next: number | null;
      try {
        next = nextDue(t);
      } catch (err) {
        // A zone the runtime no longer knows (an older tz database): said, and the other tasks go on.
        this._d.warn(`task ${t.name}: cannot compute its next run: ${(err as Error).message}`);
        continue;
      }
      if (next === null || next > now) continue;
      this._d.tasks.setLastDue(t.name, iso(now));
      const late = now - next >= TASK_LATE_MS;
      const note = atStart ? `missed at ${iso(next)}, run at start` : late ? `missed at ${iso(next)}, run ${Math.round((now - next) / 1000)}s late` : null;
      try {
        this._d.run(t, atStart || late ? 'missed' : 'schedule', next, note);
      } catch (err) {
        // A bug in one run must not stop the schedule of the others.
        this._d.warn(`task ${t.name}: run failed to start: ${(err as Error).message}`);
      }
    }
    this._arm();
  }

  private _arm(): void {
    this._cancel?.();
    this._cancel = null;
    if (this._disposed) return;
    const now = this._d.clock.now();
    let earliest: number | null = null;
    for (const t of this._d.tasks.all()) {
      let next: number | null = null;
      try {
        next = nextDue(t);
      } catch {
        // Reported by _due when its time would come; nothing to arm for it.
      }
      if (next !== null && (earliest === null || next < earliest)) earliest = next;
    }
    if (earliest === null) return;
    const wait = Math.max(0, Math.min(earliest - now, TASK_TIMER_MAX_MS));
    this._cancel = this._d.clock.setTimer(() => {
      this._cancel = null;
      this._due(false);
    }, wait);
  }

  dispose(): void {
    this._disposed = true;
    this._cancel?.();
    this._cancel = null;
  }
}
