// Hysteresis over single-moment verdicts. Pure: the caller passes time in and owns the timers.
//
// Entering working or waiting is immediate: a missed busy moment costs a `cw wait` that returns
// too early, a missed dialog costs an agent blocked with nobody told. Falling back to idle (or to
// unknown) must hold for a settle period first, because every agent has short gaps between tool
// calls, partial frames while it redraws, and stretches where the busy marker blinks out.

import type { Activity, InferResult } from './infer.js';

/** Idle with only the absence of busy markers must hold this long (ccmanager IDLE_DEBOUNCE_MS = 1500, §2.1). */
export const IDLE_SETTLE_MS = 1_500;
/** Idle backed by a positive marker settles faster (herdr caps its idle hold at 700 ms, §2.1). */
export const IDLE_SETTLE_EXPLICIT_MS = 700;
/** A known state only gives way to "unknown" after this: a blank or half-drawn frame must not flip it. */
export const UNKNOWN_SETTLE_MS = 3_000;

export interface TrackedActivity {
  activity: Activity;
  /** Epoch ms since which the session has been in `activity` (for a settled fall, when it was first observed). */
  since: number;
  reason: string;
}

export interface TrackerUpdate extends TrackedActivity {
  changed: boolean;
}

interface Candidate {
  activity: Activity;
  firstSeen: number;
  /** Whether the latest observation of the candidate carried explicit idle evidence. */
  explicit: boolean;
}

export class ActivityTracker {
  private state: TrackedActivity;
  private candidate: Candidate | undefined;

  constructor(now: number, initial: TrackedActivity = { activity: 'unknown', since: now, reason: 'starting' }) {
    this.state = { ...initial };
  }

  /** The committed state. */
  current(): TrackedActivity {
    return { ...this.state };
  }

  /**
   * When a pending fall to idle/unknown would commit if observations stay the same; the caller
   * should evaluate again then (screens that stop changing produce no new output events).
   */
  nextCheckAt(): number | undefined {
    const c = this.candidate;
    return c ? c.firstSeen + this.settleFor(c.activity, c.explicit) : undefined;
  }

  update(observation: InferResult, now: number): TrackerUpdate {
    if (observation.hold) {
      this.candidate = undefined;
      return this.result(false);
    }
    if (observation.activity === this.state.activity) {
      this.candidate = undefined;
      this.state.reason = observation.reason;
      return this.result(false);
    }
    if (this.entersImmediately(observation.activity)) return this.commit(observation, now);

    const explicit = observation.explicit === true;
    if (this.candidate?.activity !== observation.activity) {
      this.candidate = { activity: observation.activity, firstSeen: now, explicit };
    }
    this.candidate.explicit = explicit;
    const settle = this.settleFor(observation.activity, explicit);
    if (now - this.candidate.firstSeen >= settle) return this.commit(observation, this.candidate.firstSeen);
    return this.result(false);
  }

  /**
   * Active states win at once. Idle never does, not even from "unknown" at start-up: Gemini CLI draws an empty
   * composer (and sets its "Ready" title) for ~100 ms before its trust question replaces it, and a prompt typed
   * into that moment is lost. Idle must hold for its settle time first.
   */
  private entersImmediately(next: Activity): boolean {
    return next === 'working' || next === 'waiting_for_input';
  }

  private settleFor(next: Activity, explicit: boolean): number {
    if (next === 'unknown') return UNKNOWN_SETTLE_MS;
    return explicit ? IDLE_SETTLE_EXPLICIT_MS : IDLE_SETTLE_MS;
  }

  private commit(observation: InferResult, since: number): TrackerUpdate {
    this.candidate = undefined;
    this.state = { activity: observation.activity, since, reason: observation.reason };
    return this.result(true);
  }

  private result(changed: boolean): TrackerUpdate {
    return { ...this.state, changed };
  }
}
