// When the screen worker puts a terminal to sleep and how it wakes it, with real headless terminals: idle for the
// delay (longer for one whose last sleep and wake were slow), nothing queued or pending, checked again at its turn,
// one per turn of the event loop; a wake restores the screen exactly, and a state that cannot be revived restarts
// that one screen blank instead of failing the worker.
import { afterEach, describe, expect, it } from 'vitest';
import { ScreenHibernation, type ScreenHibernationDeps } from '../../src/daemon/screen-hibernation.js';
import type { FromWorker } from '../../src/daemon/screen-messages.js';
import type { Entry } from '../../src/daemon/screen-entry.js';
import { SCREEN_HIBERNATE_COST_FACTOR } from '../../src/daemon/limits.js';
import { COLS, ROWS, disposeEntry, firstRow, newEntry, write } from '../support/screen-entry.js';
import { waitFor } from '../support/harness.js';

/** Long enough that a terminal made idle for less is never caught by a slow machine. */
const HIBERNATE_MS = 5_000;
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

interface Setup {
  h: ScreenHibernation;
  terms: Map<number, Entry>;
  posts: FromWorker[];
  calls: string[];
}

function setup(over: Partial<ScreenHibernationDeps> = {}): Setup {
  const terms = new Map<number, Entry>();
  const posts: FromWorker[] = [];
  const calls: string[] = [];
  const h = new ScreenHibernation({
    terms,
    hibernateMs: HIBERNATE_MS,
    logHibernation: true,
    post: (m) => posts.push(m),
    wire: (id, e, term) => calls.push(`wire ${id} ${term === e.st?.term}`),
    pump: (id) => calls.push(`pump ${id}`),
    disposed: () => calls.push('disposed'),
    ...over,
  });
  return { h, terms, posts, calls };
}

const entries: Entry[] = [];
/** An entry last used `idleMs` ago, with some text on its screen. */
async function idle(s: Setup, id: number, idleMs: number, over: Partial<Entry> = {}): Promise<Entry> {
  const e = newEntry(over);
  entries.push(e);
  await write(e, `screen ${id}\r\n`);
  e.lastUsed = performance.now() - idleMs;
  s.terms.set(id, e);
  return e;
}
afterEach(() => entries.splice(0).forEach(disposeEntry));

const kinds = (posts: FromWorker[]): string[] => posts.map((p) => `${p.t}${'id' in p ? ` ${p.id}` : ''}`);

describe('ScreenHibernation', () => {
  it('puts a terminal idle for the delay to sleep and keeps one used within it awake', async () => {
    const s = setup();
    const sleepy = await idle(s, 1, HIBERNATE_MS);
    const used = await idle(s, 2, 0);
    const screen = sleepy.st!.ser.serialize();
    s.h.sweep();
    expect(s.h.pending).toBe(true);
    expect(s.posts).toEqual([]); // not in the sweep itself: in a later turn
    await waitFor(() => !s.h.pending, 'the sweep to finish');
    expect(kinds(s.posts)).toEqual(['hibernated 1']);
    const h = sleepy.sleeping!;
    expect(s.posts[0]).toEqual({ t: 'hibernated', id: 1, bytes: h.packed.length, ms: sleepy.cycleMs });
    expect([sleepy.st, h.cols, h.rows]).toEqual([null, COLS, ROWS]);
    expect(s.calls).toEqual(['disposed']);
    expect(used.st).not.toBeNull();

    // Woken: the same screen, wired and pumped, and the time it took counted toward its next sleep.
    const sleptMs = sleepy.cycleMs;
    s.h.wake(1, sleepy);
    expect(sleepy.sleeping).toBeNull();
    await waitFor(() => s.calls.length === 3, 'the revival');
    expect(s.calls).toEqual(['disposed', 'wire 1 true', 'pump 1']);
    expect(sleepy.busy).toBe(false);
    expect(sleepy.st!.ser.serialize()).toBe(screen);
    expect(kinds(s.posts)).toEqual(['hibernated 1', 'revived 1']);
    expect(sleepy.cycleMs).toBe(sleptMs + (s.posts[1] as { ms: number }).ms);
  });

  it('hibernates one terminal per turn of the event loop, in the order found', async () => {
    const s = setup();
    for (const id of [3, 1, 2]) await idle(s, id, 10 * HIBERNATE_MS);
    s.h.sweep();
    await turn();
    expect(kinds(s.posts)).toEqual(['hibernated 3']);
    await turn();
    expect(kinds(s.posts)).toEqual(['hibernated 3', 'hibernated 1']);
    await turn();
    expect(kinds(s.posts)).toEqual(['hibernated 3', 'hibernated 1', 'hibernated 2']);
    await turn();
    expect(s.h.pending).toBe(false);
  });

  it('keeps a terminal whose last sleep and wake were slow awake in proportion', async () => {
    const s = setup();
    const cycleMs = 100; // its delay: 100 × 100 ms = 10 s, twice the plain one
    const e = await idle(s, 1, SCREEN_HIBERNATE_COST_FACTOR * cycleMs - HIBERNATE_MS / 2, { cycleMs });
    s.h.sweep();
    expect(s.h.pending).toBe(false);
    e.lastUsed = performance.now() - SCREEN_HIBERNATE_COST_FACTOR * cycleMs;
    s.h.sweep();
    await waitFor(() => !s.h.pending, 'the sweep');
    expect(kinds(s.posts)).toEqual(['hibernated 1']);
  });

  it('never puts to sleep a terminal with work queued, a write under way or a frame pending', async () => {
    const s = setup();
    const timer = setTimeout(() => {}, 60_000);
    await idle(s, 1, 10 * HIBERNATE_MS, { jobs: [{ kind: 'run', needsTerm: true, fn: () => {} }] });
    await idle(s, 2, 10 * HIBERNATE_MS, { busy: true });
    await idle(s, 3, 10 * HIBERNATE_MS, { frameTimer: timer });
    s.h.sweep();
    expect(s.h.pending).toBe(false);
    await turn();
    expect(s.posts).toEqual([]);
  });

  it('looks again at its turn: a terminal used since the sweep stays awake', async () => {
    const s = setup();
    const e = await idle(s, 1, 10 * HIBERNATE_MS);
    s.h.sweep();
    e.lastUsed = performance.now();
    await waitFor(() => !s.h.pending, 'the sweep');
    expect(s.posts).toEqual([]);
    expect(e.st).not.toBeNull();
  });

  it('leaves a terminal in the middle of an escape sequence awake, and waits another delay before trying again', async () => {
    const s = setup();
    const e = await idle(s, 1, 10 * HIBERNATE_MS);
    await write(e, '\x1b[3');
    const before = performance.now();
    s.h.sweep();
    await waitFor(() => !s.h.pending, 'the sweep');
    expect(s.posts).toEqual([]);
    expect(e.st).not.toBeNull();
    expect(e.lastUsed).toBeGreaterThanOrEqual(before);
  });

  it('reports nothing when hibernations are not logged', async () => {
    const s = setup({ logHibernation: false });
    const e = await idle(s, 1, 10 * HIBERNATE_MS);
    s.h.sweep();
    await waitFor(() => !s.h.pending, 'the sweep');
    expect(e.st).toBeNull();
    expect(s.posts).toEqual([]);
  });

  it('restarts a screen it cannot revive blank, at its size, and says why', async () => {
    const s = setup();
    const e = await idle(s, 1, 10 * HIBERNATE_MS);
    s.h.sweep();
    await waitFor(() => !s.h.pending, 'the sweep');
    e.sleeping = { ...e.sleeping!, packed: 'not a deflate stream' };
    s.h.wake(1, e);
    expect(s.posts[1]).toMatchObject({ t: 'error', id: 1 });
    expect((s.posts[1] as { message: string }).message).toMatch(/^could not revive the screen: /);
    await waitFor(() => s.calls.includes('pump 1'), 'the blank screen to be wired');
    expect([e.st!.term.cols, e.st!.term.rows, firstRow(e)]).toEqual([COLS, ROWS, '']);
    expect(kinds(s.posts)).toEqual(['hibernated 1', 'error 1', 'revived 1']);
  });
});
