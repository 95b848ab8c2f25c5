// Notification policy (src/daemon/notify.ts): which events count, the per-session cooldown, bursts folded into
// one, the cap per window. Pure, with an injected clock stepped by hand.
import { describe, expect, it } from 'vitest';
import { classify, NotifyPolicy, summarize, type NotifyEvent } from '../../src/daemon/notify.js';
import type { EventRecord } from '../../src/protocol/index.js';

const ALL = ['waiting', 'turn-done', 'failed', 'message'] as const;

function clock(start = 1_000_000): { now: () => number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

const ev = (kind: NotifyEvent['kind'], session: number | null, label = session === null ? 'operator' : `s${session}`, detail = 'why'): NotifyEvent => ({
  kind,
  session,
  label,
  detail,
  at: '2026-01-01T00:00:00.000Z',
});

const rec = (type: string, sessionId: number | null, data: Record<string, unknown>): EventRecord => ({ id: 1, sessionId, at: '2026-01-01T00:00:00.000Z', type, data });
const names = (id: number): string | null => ({ 1: 'api', 2: 'web' })[id] ?? null;

describe('classify', () => {
  it('maps events to the four kinds, and nothing else', () => {
    expect(classify(rec('activity', 1, { activity: 'waiting_for_input', previous: 'working', reason: 'dialog: "Do you want to proceed?"' }), names)).toMatchObject({
      kind: 'waiting',
      session: 1,
      label: 'api',
      detail: 'dialog: "Do you want to proceed?"',
    });
    expect(classify(rec('activity', 2, { activity: 'idle', previous: 'working' }), names)).toMatchObject({ kind: 'turn-done', label: 'web' });
    expect(classify(rec('activity', 2, { activity: 'idle', previous: 'unknown' }), names)).toBeNull();
    expect(classify(rec('activity', 2, { activity: 'idle', previous: 'working' }), names, () => false)).toBeNull();
    expect(classify(rec('activity', 2, { activity: 'working', previous: 'idle' }), names)).toBeNull();
    expect(classify(rec('session.ended', 1, { state: 'exited', exitCode: 2, signal: null }), names)).toMatchObject({ kind: 'failed', detail: 'exited with code 2' });
    expect(classify(rec('session.ended', 1, { state: 'exited', exitCode: null, signal: 'SIGSEGV' }), names)).toMatchObject({ kind: 'failed', detail: 'ended by SIGSEGV' });
    expect(classify(rec('session.ended', 1, { state: 'exited', exitCode: 0, signal: null }), names)).toBeNull();
    // `cw kill` and a daemon that died are not failures of the program.
    expect(classify(rec('session.ended', 1, { state: 'killed', exitCode: null, signal: 'SIGHUP' }), names)).toBeNull();
    expect(classify(rec('session.ended', 1, { state: 'lost', exitCode: null, signal: null }), names)).toBeNull();
    expect(classify(rec('message.sent', 2, { id: 'msg:4', from: 'api', to: 'web', kind: 'request' }), names)).toMatchObject({
      kind: 'message',
      label: 'web',
      detail: 'a request from api (msg:4): `cw inbox` reads it',
    });
    expect(classify(rec('message.sent', null, { id: 'msg:5', from: 'api', to: 'operator', kind: 'message' }), names)).toMatchObject({ kind: 'message', session: null, label: 'operator' });
    expect(classify(rec('prompt.submitted', 1, {}), names)).toBeNull();
    // A session the daemon no longer knows.
    expect(classify(rec('activity', 9, { activity: 'waiting_for_input' }), names)).toBeNull();
  });

  it('makes control characters in a reason visible, never passes them on', () => {
    const n = classify(rec('activity', 1, { activity: 'waiting_for_input', reason: 'a\x1b]52;c;eA==\x07b\nc' }), names)!;
    expect(n.detail).not.toMatch(/[\x00-\x1f]/);
    expect(n.detail).toContain('a\\e]52;c;eA==\\ab c');
  });
});

describe('summarize', () => {
  it('one event: its own title and detail', () => {
    expect(summarize([ev('waiting', 1, 'api', 'Do you want to proceed?')])).toMatchObject({
      title: 'cw: api is waiting for input',
      message: 'Do you want to proceed?',
      priority: 'high',
      tags: ['hourglass', 'cw', 'waiting'],
      count: 1,
    });
    expect(summarize([ev('turn-done', 1, 'api')])).toMatchObject({ title: 'cw: api finished its turn', priority: 'default' });
    expect(summarize([ev('message', null)]).title).toBe('cw: a message for you');
  });

  it('a burst of one kind: "3 agents are waiting", one line each', () => {
    const n = summarize([ev('waiting', 1, 'a', 'x'), ev('waiting', 2, 'b', 'y'), ev('waiting', 3, 'c', 'z')]);
    expect(n.title).toBe('cw: 3 agents are waiting');
    expect(n.message).toBe('a: x\nb: y\nc: z');
  });

  it('mixed kinds: counted by kind; high when any needs a person', () => {
    const n = summarize([ev('turn-done', 1, 'a'), ev('failed', 2, 'b', 'exited with code 1'), ev('turn-done', 3, 'c')]);
    expect(n.title).toBe('cw: 3 events: 2 turn done, 1 failed');
    expect(n.message).toBe('a (turn done): why\nb (failed): exited with code 1\nc (turn done): why');
    expect(n.priority).toBe('high');
    expect(n.kinds).toEqual(['turn-done', 'failed']);
  });

  it('more events than kept in detail: the total is exact and the message says so', () => {
    const n = summarize([ev('waiting', 1), ev('waiting', 2)], 7);
    expect(n.title).toBe('cw: 7 agents are waiting');
    expect(n.message.split('\n').at(-1)).toBe('and 5 more: `cw events`');
  });
});

describe('NotifyPolicy', () => {
  it('holds the first event for the coalescing window, then sends it alone', () => {
    const c = clock();
    const p = new NotifyPolicy({ now: c.now, coalesceMs: 1500 });
    expect(p.dueAt()).toBeNull();
    expect(p.offer(ev('waiting', 1), ALL)).toBe('queued');
    expect(p.dueAt()).toBe(c.now() + 1500);
    c.advance(1499);
    expect(p.take()).toBeNull();
    c.advance(1);
    expect(p.take()).toMatchObject({ count: 1, title: 'cw: s1 is waiting for input' });
    expect(p.dueAt()).toBeNull();
    expect(p.take()).toBeNull();
  });

  it('folds a burst within the window into one notification', () => {
    const c = clock();
    const p = new NotifyPolicy({ now: c.now, coalesceMs: 1500 });
    p.offer(ev('waiting', 1), ALL);
    c.advance(500);
    p.offer(ev('waiting', 2), ALL);
    c.advance(900);
    p.offer(ev('waiting', 3), ALL);
    // The window runs from the first event: a steady trickle cannot hold it back for ever.
    expect(p.dueAt()).toBe(c.now() + 100);
    c.advance(100);
    expect(p.take()).toMatchObject({ count: 3, title: 'cw: 3 agents are waiting' });
  });

  it('one per session per kind per cooldown; other sessions and kinds are not held back', () => {
    const c = clock();
    const p = new NotifyPolicy({ now: c.now, cooldownMs: 30_000, coalesceMs: 0 });
    expect(p.offer(ev('waiting', 1), ALL)).toBe('queued');
    expect(p.take()?.count).toBe(1);
    c.advance(10_000);
    expect(p.offer(ev('waiting', 1), ALL)).toBe('cooldown');
    expect(p.offer(ev('turn-done', 1), ALL)).toBe('queued');
    expect(p.offer(ev('waiting', 2), ALL)).toBe('queued');
    expect(p.offer(ev('message', null), ALL)).toBe('queued');
    expect(p.offer(ev('message', null), ALL)).toBe('cooldown');
    expect(p.take()?.count).toBe(3);
    c.advance(19_999);
    expect(p.offer(ev('waiting', 1), ALL)).toBe('cooldown');
    c.advance(1);
    expect(p.offer(ev('waiting', 1), ALL)).toBe('queued');
  });

  it('drops kinds that are not chosen', () => {
    const c = clock();
    const p = new NotifyPolicy({ now: c.now });
    expect(p.offer(ev('turn-done', 1), ['waiting', 'failed'])).toBe('off');
    expect(p.offer(ev('message', 1), ['waiting', 'failed'])).toBe('off');
    expect(p.dueAt()).toBeNull();
    // An event dropped as off does not start a cooldown.
    expect(p.offer(ev('turn-done', 1), ALL)).toBe('queued');
  });

  it('caps notifications per window; held events go out folded once the window allows, none lost', () => {
    const c = clock();
    const p = new NotifyPolicy({ now: c.now, coalesceMs: 1000, maxPerWindow: 3, windowMs: 60_000, cooldownMs: 0 });
    const start = c.now();
    for (let i = 0; i < 3; i++) {
      p.offer(ev('failed', i), ALL);
      c.advance(1000);
      expect(p.take()?.count).toBe(1);
    }
    // The fourth within the minute waits for the first send to leave the window.
    for (let i = 10; i < 15; i++) p.offer(ev('failed', i), ALL);
    const firstSent = start + 1000;
    expect(p.dueAt()).toBe(firstSent + 60_000);
    c.advance(firstSent + 60_000 - 1 - c.now());
    expect(p.take()).toBeNull();
    c.advance(1);
    const n = p.take()!;
    expect(n.count).toBe(5);
    expect(n.title).toBe('cw: 5 sessions failed');
    // Still two sends in the window: one more may go at once (after its coalescing window).
    p.offer(ev('waiting', 99), ALL);
    expect(p.dueAt()).toBe(c.now() + 1000);
  });

  it('keeps at most pendingMax events in detail but counts them all', () => {
    const c = clock();
    const p = new NotifyPolicy({ now: c.now, coalesceMs: 10, pendingMax: 2, cooldownMs: 0 });
    for (let i = 0; i < 5; i++) p.offer(ev('waiting', i), ALL);
    c.advance(10);
    const n = p.take()!;
    expect(n.count).toBe(5);
    expect(n.events).toHaveLength(2);
  });
});
