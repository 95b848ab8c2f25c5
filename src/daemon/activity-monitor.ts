// Keeps one session's activity (working, idle, waiting_for_input) current: samples the headless screen after
// output (throttled), on the tracker's settle deadlines and on a slow heartbeat, and reports changes.
import { readFileSync } from 'node:fs';
import type { AgentKind } from './agents/index.js';
import { inferActivity, QUIET_IDLE_MS, type Activity, type Hint } from './activity/infer.js';
import { ActivityTracker, type TrackedActivity } from './activity/tracker.js';
import type { ScreenSnapshot } from './screen-snapshot.js';
import type { Screen } from './screen.js';

/** Least time between two samples of a busy session: enough to see a spinner, cheap for 200 sessions. */
export const ACTIVITY_SAMPLE_MS = 200;
/**
 * Right after cw typed into the session (`cw send`, a launch prompt, a notice), sample this often instead: a
 * short turn (a 200 ms reply) can start and end between two 200 ms samples and show no activity change at all,
 * and `cw send x && cw wait x` then waits out its input grace (bench: 6 of 20 such turns were missed).
 */
export const ACTIVITY_SAMPLE_AFTER_INPUT_MS = 40;
/** How long the faster sampling lasts after input. */
export const ACTIVITY_INPUT_BOOST_MS = 1_500;
/** Sample a quiet session this often anyway (a shell's foreground job can change without output). */
export const ACTIVITY_HEARTBEAT_MS = 5000;

export interface ActivityChange extends TrackedActivity {
  previous: Activity;
  /** False when only the reason changed (e.g. the shell's foreground job): no event, but status shows it. */
  changed: boolean;
}

/** The pty's foreground process group, from /proc (Linux): who owns the terminal right now. */
export function foregroundOf(shellPid: number): { isShell: boolean; command?: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${shellPid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces and parentheses): state ppid pgrp session tty_nr tpgid
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const tpgid = Number(rest[5]);
    if (!Number.isInteger(tpgid) || tpgid <= 0) return undefined;
    if (tpgid === shellPid) return { isShell: true };
    let command: string | undefined;
    try {
      command = readFileSync(`/proc/${tpgid}/comm`, 'utf8').trim();
    } catch {
      command = undefined; // the job ended between the two reads
    }
    return command ? { isShell: false, command } : { isShell: false };
  } catch {
    return undefined; // not Linux, or the process is gone: the screen rules decide alone
  }
}

export class ActivityMonitor {
  private readonly _tracker: ActivityTracker;
  private _timer: NodeJS.Timeout | null = null;
  private _timerAt = 0;
  private _inFlight: Promise<void> | null = null;
  private _dirty = false;
  private _lastSampleAt = 0;
  private _disposed = false;
  /** The hint a disagreement was last recorded for (one event per hook signal, not one per sample). */
  private _disagreedAt = 0;
  /**
   * Epoch ms a new turn-over marker appeared (a done line, an interrupt notice: explicit idle evidence whose text
   * changed). A turn that starts and ends between two samples leaves the state idle, but its done line is new
   * (`✻ Cooked for 0s · done 8:48 PM`).
   */
  turnOverChangedAt = 0;
  private _lastTurnOver = '';
  /** The latest screen sample, for callers that want to know the terminal's modes (bracketed paste). */
  lastSnapshot: ScreenSnapshot | null = null;

  constructor(
    private readonly _agent: AgentKind,
    private readonly _screen: Screen,
    private readonly _facts: () => { lastOutputAt: number; pid: number | null; alive: boolean; hint?: Hint },
    private readonly _changed: (c: ActivityChange) => void,
    /** The agent's hook and the screen disagree (once per hook signal): recorded so the rules can be fixed. */
    private readonly _disagreed: (note: string, screenSays: Activity, hint: Hint) => void = () => {},
    now = Date.now(),
  ) {
    this._tracker = new ActivityTracker(now);
    this._schedule(now + ACTIVITY_SAMPLE_MS);
  }

  current(): TrackedActivity {
    return this._tracker.current();
  }

  /** New output arrived: sample soon (at most every ACTIVITY_SAMPLE_MS, faster just after input). */
  noteOutput(): void {
    this._dirty = true;
    this._schedule(Math.max(Date.now(), this._lastSampleAt + this._interval()));
  }

  /** cw typed into the session: watch the next moments closely (see ACTIVITY_SAMPLE_AFTER_INPUT_MS). */
  noteInput(): void {
    this._boostUntil = Date.now() + ACTIVITY_INPUT_BOOST_MS;
  }

  private _boostUntil = 0;

  private _interval(): number {
    return Date.now() < this._boostUntil ? ACTIVITY_SAMPLE_AFTER_INPUT_MS : ACTIVITY_SAMPLE_MS;
  }

  /** Samples now and resolves with the settled state (used by `wait` and `send --if-idle`). */
  async sampleNow(): Promise<TrackedActivity> {
    if (this._inFlight) await this._inFlight;
    await this._sample();
    return this._tracker.current();
  }

  private _schedule(at: number): void {
    if (this._disposed) return;
    if (this._timer && this._timerAt <= at) return;
    if (this._timer) clearTimeout(this._timer);
    this._timerAt = at;
    this._timer = setTimeout(() => {
      this._timer = null;
      void this._sample();
    }, Math.max(0, at - Date.now()));
    this._timer.unref();
  }

  private _sample(): Promise<void> {
    if (this._disposed) return Promise.resolve();
    if (this._inFlight) {
      this._dirty = true;
      return this._inFlight;
    }
    this._dirty = false;
    this._inFlight = this._doSample().finally(() => {
      this._inFlight = null;
    });
    return this._inFlight;
  }

  private async _doSample(): Promise<void> {
    try {
      const snap = await this._screen.snapshot();
      if (this._disposed) return;
      this.lastSnapshot = snap;
      const now = Date.now();
      this._lastSampleAt = now;
      const facts = this._facts();
      const fg = this._agent === 'shell' && facts.pid ? foregroundOf(facts.pid) : undefined;
      const result = inferActivity({
        agent: this._agent,
        screen: snap,
        now,
        lastOutputAt: facts.lastOutputAt,
        processAlive: facts.alive,
        ...(fg ? { foregroundIsShell: fg.isShell } : {}),
        ...(fg?.command ? { foregroundCommand: fg.command } : {}),
        ...(facts.hint ? { hint: facts.hint } : {}),
      });
      if (result.disagreement && facts.hint && facts.hint.at !== this._disagreedAt) {
        this._disagreedAt = facts.hint.at;
        this._disagreed(result.disagreement, result.activity, facts.hint);
      }
      const before = this._tracker.current();
      const u = this._tracker.update(result, now);
      if (result.activity === 'idle' && result.explicit && result.reason !== this._lastTurnOver) {
        this._lastTurnOver = result.reason;
        this.turnOverChangedAt = now;
      }
      if (u.changed || u.reason !== before.reason) {
        this._changed({ activity: u.activity, since: u.since, reason: u.reason, previous: before.activity, changed: u.changed });
      }
      // Next look: a pending settle, the moment quiet output would count as idle, or the heartbeat.
      const next = [this._tracker.nextCheckAt(), facts.lastOutputAt + QUIET_IDLE_MS + 20, now + ACTIVITY_HEARTBEAT_MS]
        .filter((t): t is number => t !== undefined && t > now)
        .reduce((a, b) => Math.min(a, b), now + ACTIVITY_HEARTBEAT_MS);
      this._schedule(this._dirty ? now + this._interval() : next);
    } catch {
      // The screen worker restarted: try again on the heartbeat.
      this._schedule(Date.now() + ACTIVITY_HEARTBEAT_MS);
    }
  }

  dispose(): void {
    this._disposed = true;
    if (this._timer) clearTimeout(this._timer);
    this._timer = null;
  }
}
