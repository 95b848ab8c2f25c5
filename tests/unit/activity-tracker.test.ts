import { describe, it, expect } from 'vitest';
import {
  ActivityTracker,
  IDLE_SETTLE_EXPLICIT_MS,
  IDLE_SETTLE_MS,
  UNKNOWN_SETTLE_MS,
} from '../../src/daemon/activity/tracker.js';
import type { InferResult } from '../../src/daemon/activity/infer.js';

const T0 = 1_000_000;
const working: InferResult = { activity: 'working', reason: 'spinner' };
const waiting: InferResult = { activity: 'waiting_for_input', reason: 'permission dialog' };
const idle: InferResult = { activity: 'idle', reason: 'prompt box empty' };
const idleExplicit: InferResult = { activity: 'idle', reason: 'done line', explicit: true };
const unknown: InferResult = { activity: 'unknown', reason: 'screen empty' };
const hold: InferResult = { activity: 'unknown', reason: 'overlay open', hold: true };

function busyTracker(): ActivityTracker {
  const t = new ActivityTracker(T0);
  t.update(working, T0);
  return t;
}

describe('ActivityTracker', () => {
  it('starts unknown; idle at start-up must settle like any idle (a ready prompt drawn for 100 ms before a dialog is not ready)', () => {
    const t = new ActivityTracker(T0);
    expect(t.current()).toEqual({ activity: 'unknown', since: T0, reason: 'starting' });
    expect(t.update(idle, T0 + 10).changed).toBe(false);
    expect(t.update(waiting, T0 + 110)).toMatchObject({ activity: 'waiting_for_input', changed: true });
    const t2 = new ActivityTracker(T0);
    t2.update(idle, T0 + 10);
    const u = t2.update(idle, T0 + 10 + IDLE_SETTLE_MS);
    expect(u).toEqual({ activity: 'idle', since: T0 + 10, reason: 'prompt box empty', changed: true });
  });

  it('enters working and waiting immediately', () => {
    const t = new ActivityTracker(T0);
    t.update(idle, T0);
    expect(t.update(working, T0 + 1).changed).toBe(true);
    expect(t.update(waiting, T0 + 2)).toMatchObject({ activity: 'waiting_for_input', changed: true, since: T0 + 2 });
    expect(t.update(working, T0 + 3)).toMatchObject({ activity: 'working', changed: true });
  });

  it('falls back to idle only after IDLE_SETTLE_MS of stable idle', () => {
    const t = busyTracker();
    expect(t.update(idle, T0 + 100).activity).toBe('working');
    expect(t.nextCheckAt()).toBe(T0 + 100 + IDLE_SETTLE_MS);
    expect(t.update(idle, T0 + 100 + IDLE_SETTLE_MS - 1).activity).toBe('working');
    const u = t.update(idle, T0 + 100 + IDLE_SETTLE_MS);
    expect(u).toMatchObject({ activity: 'idle', changed: true, since: T0 + 100 });
    expect(t.nextCheckAt()).toBeUndefined();
  });

  it('settles faster on explicit idle evidence', () => {
    const t = busyTracker();
    t.update(idleExplicit, T0 + 100);
    expect(t.update(idleExplicit, T0 + 100 + IDLE_SETTLE_EXPLICIT_MS).activity).toBe('idle');
  });

  it('restarts the settle period when work flickers back', () => {
    const t = busyTracker();
    t.update(idle, T0 + 100);
    t.update(working, T0 + 900); // a gap between tool calls ends
    t.update(idle, T0 + 1_000);
    expect(t.update(idle, T0 + 100 + IDLE_SETTLE_MS).activity).toBe('working');
    expect(t.update(idle, T0 + 1_000 + IDLE_SETTLE_MS).activity).toBe('idle');
  });

  it('leaves waiting for idle through the same settle period (the user declined)', () => {
    const t = new ActivityTracker(T0);
    t.update(waiting, T0);
    expect(t.update(idle, T0 + 10).activity).toBe('waiting_for_input');
    expect(t.update(idle, T0 + 10 + IDLE_SETTLE_MS).activity).toBe('idle');
  });

  it('does not flip a known state to unknown on a single blank frame', () => {
    const t = busyTracker();
    expect(t.update(unknown, T0 + 10).activity).toBe('working');
    expect(t.update(unknown, T0 + 10 + UNKNOWN_SETTLE_MS).activity).toBe('unknown');
  });

  it('keeps the state while an overlay holds, and cancels a pending fall', () => {
    const t = busyTracker();
    t.update(idle, T0 + 10);
    expect(t.update(hold, T0 + 20)).toMatchObject({ activity: 'working', changed: false });
    expect(t.update(idle, T0 + 30 + IDLE_SETTLE_MS - 1).activity).toBe('working');
  });

  it('refreshes the reason without reporting a change', () => {
    const t = busyTracker();
    const u = t.update({ activity: 'working', reason: 'footer: "esc to interrupt"' }, T0 + 50);
    expect(u).toEqual({ activity: 'working', since: T0, reason: 'footer: "esc to interrupt"', changed: false });
  });

  it('exports its tunables with units', () => {
    expect(IDLE_SETTLE_EXPLICIT_MS).toBeLessThan(IDLE_SETTLE_MS);
    expect(UNKNOWN_SETTLE_MS).toBeGreaterThan(IDLE_SETTLE_MS);
  });
});
