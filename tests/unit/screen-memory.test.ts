// When the screen worker gives memory back: only after terminals were disposed, never while more are still being
// put to sleep, at most once per MEMORY_RELEASE_MIN_INTERVAL_MS, and the trim MEMORY_TRIM_DELAY_MS after the
// collection. The clock and timers are the test's (fake timers, performance.now included); the collection is real.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryRelease } from '../../src/daemon/screen-memory.js';
import type { FromWorker } from '../../src/daemon/screen-messages.js';
import { MEMORY_RELEASE_MIN_INTERVAL_MS, MEMORY_TRIM_DELAY_MS } from '../../src/daemon/limits.js';

type Released = Extract<FromWorker, { t: 'released' }>;

function setup(): { m: MemoryRelease; posts: Released[]; hibernating: { now: boolean } } {
  const posts: Released[] = [];
  const hibernating = { now: false };
  const m = new MemoryRelease(
    (msg) => posts.push(msg as Released),
    () => hibernating.now,
  );
  return { m, posts, hibernating };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('MemoryRelease', () => {
  it('does nothing while no terminal was disposed', () => {
    const { m, posts } = setup();
    m.release();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(MEMORY_RELEASE_MIN_INTERVAL_MS);
    expect(posts).toEqual([]);
  });

  it('collects once the hibernations are done, and trims after the delay, counting every terminal disposed', () => {
    const { m, posts, hibernating } = setup();
    m.noteDisposed();
    m.noteDisposed();
    hibernating.now = true;
    m.release();
    expect(vi.getTimerCount()).toBe(0);
    hibernating.now = false;
    m.noteDisposed();
    m.release();
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(MEMORY_TRIM_DELAY_MS - 1);
    expect(posts).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(posts).toHaveLength(1);
    const r = posts[0]!;
    expect(r).toMatchObject({ t: 'released', terminals: 3 });
    expect(r.rssBefore).toBeGreaterThan(0);
    expect(r.rssAfter).toBeGreaterThan(0);
    expect(typeof r.unavailable).toBe('string');
    // Nothing disposed since: nothing to do.
    vi.advanceTimersByTime(MEMORY_RELEASE_MIN_INTERVAL_MS);
    m.release();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('collects at most once per interval; what was disposed meanwhile waits for the next one', () => {
    const { m, posts } = setup();
    m.noteDisposed();
    m.release();
    vi.advanceTimersByTime(MEMORY_TRIM_DELAY_MS);
    expect(posts.map((p) => p.terminals)).toEqual([1]);

    m.noteDisposed();
    m.noteDisposed();
    m.release();
    vi.advanceTimersByTime(MEMORY_RELEASE_MIN_INTERVAL_MS - MEMORY_TRIM_DELAY_MS - 1);
    m.release();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(1);
    m.release();
    vi.advanceTimersByTime(MEMORY_TRIM_DELAY_MS);
    expect(posts.map((p) => p.terminals)).toEqual([1, 2]);
  });
});
