// One run of a scheduled prompt (`cw task`): find or start its session (a target that ended is revived; --spawn
// launches a new one), then hand the prompt to holdPrompt, the same "ready to type" policy as `launch --prompt`
// (held through dialogs, never typed into one). Every run is a record (task-store.ts) and events.
import { OpArgs, parseArgs, type TaskRunInfo, type TaskTrigger } from '../protocol/index.js';
import { CwError } from './errors.js';
import { PROMPT_HOLD_DEFAULT_MS } from './limits.js';
import type { Logger } from './log.js';
import { holdPrompt } from './prompts.js';
import type { Registry } from './registry.js';
import type { Session } from './session.js';
import type { TaskRow, TaskStore } from './task-store.js';

/** A run just started, and its first settled word: submitted, failed, skipped, or held by a dialog. */
export interface StartedRun {
  run: TaskRunInfo;
  firstOutcome: Promise<TaskRunInfo>;
}

const messageOf = (err: unknown): string => (err instanceof CwError && err.hint ? `${err.message} (${err.hint})` : (err as Error).message);

export class TaskRunner {
  /** The run of each task whose prompt is still waiting to be typed: a second run of it is skipped meanwhile. */
  private readonly _active = new Map<string, number>();

  constructor(
    private readonly _registry: Registry,
    private readonly _tasks: TaskStore,
    private readonly _log: Logger,
    /** Tasks were removed (a --once task after its run): the scheduler re-arms. */
    private readonly _changed: () => void,
    /** The scheduler's clock, so a run's times agree with the schedule's. */
    private readonly _now: () => number = Date.now,
  ) {}

  run(task: TaskRow, trigger: TaskTrigger, dueAt: number | null, note: string | null): StartedRun {
    const now = new Date(this._now()).toISOString();
    const base = { task: task.name, trigger, dueAt: dueAt === null ? null : new Date(dueAt).toISOString(), at: now, session: null, note };
    const busy = this._active.get(task.name);
    if (busy !== undefined) {
      const run = this._record({ ...base, outcome: 'skipped', reason: `run ${busy} of this task is still waiting to type its prompt`, endedAt: now });
      return { run, firstOutcome: Promise.resolve(run) };
    }
    const run = this._record({ ...base, outcome: 'pending', reason: null, endedAt: null });
    if (task.once) {
      this._tasks.remove(task.name);
      this._changed();
    }
    let resolveFirst: (r: TaskRunInfo) => void = () => {};
    const firstOutcome = new Promise<TaskRunInfo>((r) => (resolveFirst = r));
    const settle = (outcome: 'submitted' | 'failed' | 'skipped', reason: string | null): void => {
      if (run.endedAt !== null) return;
      run.outcome = outcome;
      run.reason = reason;
      run.endedAt = new Date(this._now()).toISOString();
      this._save(run);
      this._active.delete(task.name);
      resolveFirst(run);
    };

    let s: Session;
    try {
      const found = this._session(task, run);
      if ('skip' in found) {
        settle('skipped', found.skip);
        return { run, firstOutcome };
      }
      s = found.session;
    } catch (err) {
      settle('failed', messageOf(err));
      return { run, firstOutcome };
    }
    run.session = s.id;
    this._save(run);
    this._active.set(task.name, run.id);
    void holdPrompt(this._registry, s, task.prompt, task.promptTimeoutMs ?? PROMPT_HOLD_DEFAULT_MS, (why) => {
      if (run.endedAt !== null || run.outcome === 'held') return;
      run.outcome = 'held';
      run.reason = why;
      this._save(run);
      resolveFirst(run);
    }).then((o) => (o.state === 'submitted' ? settle('submitted', null) : settle('failed', o.why)));
    return { run, firstOutcome };
  }

  /** The session a run types into: the target (revived if it ended), or a new one for --spawn. */
  private _session(task: TaskRow, run: TaskRunInfo): { session: Session } | { skip: string } {
    if (task.spawn) {
      const args = parseArgs(OpArgs.launch, 'launch', task.spawn);
      try {
        return { session: this._registry.launch(args) };
      } catch (err) {
        throw new Error(`could not launch its session: ${messageOf(err)}`);
      }
    }
    const ref = task.target ?? '';
    let s: Session;
    try {
      s = this._registry.resolve(ref);
    } catch (err) {
      throw new Error(`its target session '${ref}' is gone: ${messageOf(err)}`);
    }
    // A session restarted since (by hand, a policy, an earlier run) lives on as its successor.
    for (let next = s.row.restartedAs; next !== null; next = s.row.restartedAs) {
      const succ = this._registry.sessions.get(next);
      if (!succ) break;
      s = succ;
    }
    if (!s.running) {
      const old = s.id;
      try {
        const r = this._registry.revive.restart(s, 'task');
        s = this._registry.sessions.get(r.session.id)!;
      } catch (err) {
        throw new Error(`its target session ${old} has ended and could not be revived: ${messageOf(err)}`);
      }
      run.note = [run.note, `session ${old} had ended: revived as session ${s.id}`].filter(Boolean).join('; ');
    }
    if (s.heldPrompt) return { skip: `session ${s.id} still holds another prompt for its ready prompt` };
    return { session: s };
  }

  private _record(r: Omit<TaskRunInfo, 'id'>): TaskRunInfo {
    const run = this._tasks.addRun(r);
    this._log.info(`task ${r.task}: run ${run.id} (${r.trigger})${r.note ? `: ${r.note}` : ''}${r.outcome === 'skipped' ? `: skipped, ${r.reason}` : ''}`);
    this._registry.recordEvent(null, 'task.run', { task: run.task, run: run.id, trigger: run.trigger, dueAt: run.dueAt, outcome: run.outcome, ...(run.note ? { note: run.note } : {}), ...(run.reason ? { reason: run.reason } : {}) });
    return run;
  }

  private _save(run: TaskRunInfo): void {
    try {
      this._tasks.updateRun(run);
    } catch (err) {
      // A full disk: the run goes on; only its record lags. Said in daemon.log.
      this._log.warn(`database write failed (task run ${run.id}): ${(err as { code?: string }).code ?? (err as Error).message}`);
    }
    if (run.outcome !== 'pending') {
      this._registry.recordEvent(run.session, 'task.outcome', { task: run.task, run: run.id, outcome: run.outcome, reason: run.reason, ...(run.note ? { note: run.note } : {}) });
    }
  }
}
