// Scheduled prompts as the daemon holds them: the store, the scheduler that says when, the runner that says how.
// main.ts makes one and starts it once the daemon is up; the `task-*` ops (ops/tasks.ts) use it.
import { ErrorCode, OpArgs, parseArgs, type TaskInfo, type TaskRunInfo } from '../protocol/index.js';
import { isValidZone, nextAfter, parseCron } from './cron.js';
import { CwError, invalid } from './errors.js';
import type { Logger } from './log.js';
import type { Registry } from './registry.js';
import { nextDue, realClock, Scheduler, zoneOf, type Clock } from './scheduler.js';
import type { Store } from './store.js';
import { TaskRunner, type StartedRun } from './task-run.js';
import { TaskStore, type TaskRow } from './task-store.js';

/**
 * The scheduler's clock. `CW_TEST_CLOCK_OFFSET_MS` (a test hook: tests/e2e/tasks.test.ts) shifts it, so a test sees
 * a task fire at a chosen minute without waiting for it; it moves nothing but task times, and daemon.log says so.
 */
export function clockFromEnv(log: Logger, env: NodeJS.ProcessEnv = process.env): Clock {
  const raw = env.CW_TEST_CLOCK_OFFSET_MS;
  if (raw === undefined || raw === '') return realClock;
  const offset = Number(raw);
  if (!Number.isFinite(offset)) {
    log.warn(`CW_TEST_CLOCK_OFFSET_MS='${raw}' is not a number of milliseconds: ignored`);
    return realClock;
  }
  log.warn(`CW_TEST_CLOCK_OFFSET_MS=${offset}: task schedules run on a shifted clock (a test hook; unset it outside tests)`);
  return { now: () => Date.now() + offset, setTimer: realClock.setTimer };
}

export class Tasks {
  readonly store: TaskStore;
  readonly scheduler: Scheduler;
  private readonly _runner: TaskRunner;

  constructor(
    private readonly _registry: Registry,
    store: Store,
    private readonly _log: Logger,
    private readonly _clock: Clock = clockFromEnv(_log),
  ) {
    this.store = new TaskStore(store.db);
    this._runner = new TaskRunner(_registry, this.store, _log, () => this.scheduler.changed(), () => _clock.now());
    this.scheduler = new Scheduler({
      clock: _clock,
      tasks: this.store,
      run: (t, trigger, due, note) => void this._runner.run(t, trigger, due, note),
      warn: (m) => _log.warn(m),
    });
  }

  /** The daemon is up: runs left unsettled by the previous daemon are closed, missed tasks run once, the timer is armed. */
  start(): void {
    const closed = this.store.closeUnsettled(new Date(this._clock.now()).toISOString(), 'the daemon stopped before the prompt was typed (after `cw daemon restart` it may still have been typed: see `cw events SESSION`)');
    if (closed) this._log.info(`task runs left waiting by the previous daemon: ${closed}, recorded as failed`);
    this.scheduler.start();
  }

  add(raw: unknown): TaskInfo {
    const a = parseArgs(OpArgs['task-add'], 'task-add', raw);
    const parsed = parseCron(a.cron);
    if (!parsed.ok) throw invalid(`--cron: ${parsed.why}`, 'five fields, e.g. "0 9 * * 1-5" (9:00 on weekdays) or "*/30 * * * *"');
    if (a.tz !== undefined && !isValidZone(a.tz)) throw invalid(`--tz: '${a.tz}' is not a time zone this daemon knows`, 'an IANA zone such as Europe/Berlin or America/New_York');
    if ((a.target === undefined) === (a.spawn === undefined)) throw invalid('a task needs --target SESSION or --spawn -- CMD, and not both', 'cw task add NAME --cron "0 9 * * *" --target api --prompt "..."');
    // The target must exist now; the launch must be one `cw launch` would take.
    if (a.target !== undefined) this._registry.resolve(a.target);
    if (a.spawn !== undefined) parseArgs(OpArgs.launch, 'launch', a.spawn);
    if (this.store.get(a.name) && !a.replace) {
      throw new CwError(ErrorCode.NAME_TAKEN, `a task named '${a.name}' exists`, `\`cw task rm ${a.name}\` first, or add it with --replace`);
    }
    const now = new Date(this._clock.now()).toISOString();
    const row: TaskRow = {
      name: a.name,
      cron: a.cron,
      tz: a.tz ?? null,
      prompt: a.prompt,
      target: a.target ?? null,
      spawn: a.spawn ?? null,
      once: a.once,
      promptTimeoutMs: a.promptTimeoutMs ?? null,
      createdAt: now,
      lastDueAt: now,
    };
    if (nextAfter(parsed.spec, Date.parse(now), zoneOf(row)) === null) throw invalid(`--cron: '${a.cron}' names no time in the next 30 years`, 'check the day and month fields');
    this.store.put(row);
    this.scheduler.changed();
    this._log.info(`task ${row.name} added: ${row.cron} (${zoneOf(row)})`);
    return this.info(row);
  }

  remove(name: string): void {
    if (!this.store.remove(name)) throw this._notFound(name);
    this.scheduler.changed();
  }

  /** `cw task run`: now, whatever the schedule (which it does not move). */
  runNow(name: string): StartedRun {
    const t = this.store.get(name);
    if (!t) throw this._notFound(name);
    return this._runner.run(t, 'manual', null, null);
  }

  runs(name: string | undefined, limit: number): TaskRunInfo[] {
    return this.store.runs(name ?? null, limit);
  }

  list(): TaskInfo[] {
    return this.store.all().map((t) => this.info(t));
  }

  info(t: TaskRow): TaskInfo {
    const next = nextDue(t);
    const sp = t.spawn ? parseArgs(OpArgs.launch, 'launch', t.spawn) : null;
    return {
      name: t.name,
      cron: t.cron,
      tz: zoneOf(t),
      tzLocal: t.tz === null,
      prompt: t.prompt,
      target: t.target,
      // Never the environment: it may hold secrets.
      spawn: sp ? { command: sp.command, name: sp.name ?? null, cwd: sp.cwd ?? null, tags: sp.tags ?? [], agent: sp.agent ?? null } : null,
      once: t.once,
      promptTimeoutMs: t.promptTimeoutMs,
      createdAt: t.createdAt,
      next: next === null ? null : new Date(next).toISOString(),
      lastRun: this.store.lastRun(t.name),
    };
  }

  private _notFound(name: string): CwError {
    return new CwError(ErrorCode.NOT_FOUND, `no task named '${name}'`, 'see `cw task ls`');
  }

  dispose(): void {
    this.scheduler.dispose();
  }
}
