// The screen worker's job queue with a real headless terminal: output written in batches, queries after every byte
// posted before them, a hibernated terminal woken only for what needs it, and output held back under a firehose.
import { afterEach, describe, expect, it } from 'vitest';
import { ScreenJobs } from '../../src/daemon/screen-jobs.js';
import { newScreenTerm } from '../../src/daemon/screen-hibernate.js';
import type { Entry, Job } from '../../src/daemon/screen-entry.js';
import { SCREEN_FIREHOSE_BYTES_PER_WINDOW, SCREEN_FIREHOSE_FRAME_MS, SCREEN_FIREHOSE_WINDOW_MS } from '../../src/daemon/limits.js';
import { COLS, ROWS, SCROLLBACK, disposeEntry, firstRow, newEntry } from '../support/screen-entry.js';
import { waitFor } from '../support/harness.js';

const ID = 7;
const data = (text: string): Job => ({ kind: 'data', buf: new TextEncoder().encode(text) });

/** A queue whose posts and wake-ups are recorded in one log, in order; `wake` marks the entry busy, as a revival does. */
function setup(): { jobs: ScreenJobs; log: string[] } {
  const log: string[] = [];
  const jobs = new ScreenJobs({
    post: (m) => log.push(m.t === 'parsed' ? `parsed ${m.id}:${m.bytes}` : m.t),
    wake: (id, e) => {
      log.push(`wake ${id}`);
      e.busy = true;
    },
  });
  return { jobs, log };
}

/** A read that needs the terminal: it logs the first row it sees. */
const query = (e: Entry, log: string[]): Job => ({ kind: 'run', needsTerm: true, fn: () => log.push(`query '${firstRow(e)}'`) });

const entries: Entry[] = [];
function entry(over: Partial<Entry> = {}, live = true): Entry {
  const e = newEntry(over, live ? undefined : null);
  entries.push(e);
  return e;
}
afterEach(() => entries.splice(0).forEach(disposeEntry));

describe('ScreenJobs', () => {
  it('writes the first chunk at once, the chunks that arrive meanwhile as one batch, and a query after every byte before it', async () => {
    const { jobs, log } = setup();
    const e = entry();
    jobs.enqueue(ID, e, data('a'));
    expect(e.busy).toBe(true);
    jobs.enqueue(ID, e, data('bb'));
    jobs.enqueue(ID, e, data('ccc'));
    jobs.enqueue(ID, e, query(e, log));
    jobs.enqueue(ID, e, data('d'));
    expect(log).toEqual([]);
    await waitFor(() => log.length === 4 && !e.busy, 'the queue to drain');
    expect(log).toEqual([`parsed ${ID}:1`, `parsed ${ID}:5`, "query 'abbccc'", `parsed ${ID}:1`]);
    expect(firstRow(e)).toBe('abbcccd');
    expect(e.jobs).toEqual([]);
    expect(e.oldestDataAt).toBe(0);
  });

  it('runs a job for a closed terminal at once and drops its output', () => {
    const { jobs, log } = setup();
    let ran = 0;
    jobs.enqueue(ID, undefined, { kind: 'run', needsTerm: true, fn: () => ran++ });
    jobs.enqueue(ID, undefined, data('lost'));
    expect(ran).toBe(1);
    expect(log).toEqual([]);
  });

  it('answers from a hibernated terminal what needs no terminal, and wakes it once for output, queued in order', async () => {
    const { jobs, log } = setup();
    const e = entry({}, false);
    jobs.enqueue(ID, e, { kind: 'run', needsTerm: false, fn: () => log.push('snapshot from the kept view') });
    expect(log).toEqual(['snapshot from the kept view']);
    jobs.enqueue(ID, e, data('xy'));
    // Behind the output, a read that needs no terminal waits its turn too: it must see that output.
    jobs.enqueue(ID, e, { kind: 'run', needsTerm: false, fn: () => log.push(`after ${firstRow(e)}`) });
    jobs.enqueue(ID, e, data('z'));
    expect(log).toEqual(['snapshot from the kept view', `wake ${ID}`]);
    expect(e.jobs.map((j) => j.kind)).toEqual(['data', 'run', 'data']);
    // The revival is done (screen-hibernation.ts): the terminal is back, and the queue goes on.
    e.st = newScreenTerm(COLS, ROWS, SCROLLBACK);
    e.busy = false;
    jobs.pump(ID, e);
    await waitFor(() => log.length === 5 && !e.busy, 'the queue to drain');
    expect(log.slice(2)).toEqual([`parsed ${ID}:2`, 'after xy', `parsed ${ID}:1`]);
  });

  it('counts output in rate windows: the last full window is kept, one older than two windows is forgotten', () => {
    const { jobs } = setup();
    // Busy: nothing is written, only counted.
    const e = entry({ busy: true, windowBytes: 100 });
    const t0 = performance.now();
    e.windowStart = t0 - 10;
    jobs.enqueue(ID, e, data('12345'));
    expect([e.windowBytes, e.lastWindowBytes, e.windowStart]).toEqual([105, 0, t0 - 10]);
    const firstAt = e.oldestDataAt;
    expect(firstAt).toBeGreaterThanOrEqual(t0);

    e.windowStart = performance.now() - 1.5 * SCREEN_FIREHOSE_WINDOW_MS;
    jobs.enqueue(ID, e, data('123'));
    expect([e.windowBytes, e.lastWindowBytes]).toEqual([3, 105]);
    expect(e.windowStart).toBeGreaterThanOrEqual(t0);
    expect(e.oldestDataAt).toBe(firstAt); // the oldest queued chunk's time stays

    e.windowStart = performance.now() - 2.5 * SCREEN_FIREHOSE_WINDOW_MS;
    jobs.enqueue(ID, e, data('1'));
    expect([e.windowBytes, e.lastWindowBytes]).toEqual([1, 0]);
  });

  it('writes slow output at once', () => {
    const { jobs } = setup();
    const e = entry({ lastWindowBytes: SCREEN_FIREHOSE_BYTES_PER_WINDOW });
    jobs.enqueue(ID, e, data('x'));
    expect(e.busy).toBe(true);
    expect(e.frameTimer).toBeNull();
  });

  it('under a firehose, holds output until its frame is due', async () => {
    const { jobs, log } = setup();
    const e = entry({ lastWindowBytes: SCREEN_FIREHOSE_BYTES_PER_WINDOW + 1 });
    jobs.enqueue(ID, e, data('held'));
    const queuedAt = e.oldestDataAt;
    expect(e.busy).toBe(false);
    expect(e.frameTimer).not.toBeNull();
    expect(e.jobs).toHaveLength(1);
    // More output joins the held batch; it does not start another timer.
    const timer = e.frameTimer;
    jobs.enqueue(ID, e, data('!'));
    expect(e.frameTimer).toBe(timer);
    await waitFor(() => log.length === 1, 'the frame');
    expect(log).toEqual([`parsed ${ID}:5`]);
    // Timers may fire up to a millisecond early by performance.now().
    expect(performance.now() - queuedAt).toBeGreaterThanOrEqual(SCREEN_FIREHOSE_FRAME_MS - 1);
    expect(e.frameTimer).toBeNull();
  });

  it('under a firehose, a query takes the held output at once', async () => {
    const { jobs, log } = setup();
    const e = entry({ lastWindowBytes: SCREEN_FIREHOSE_BYTES_PER_WINDOW + 1 });
    jobs.enqueue(ID, e, data('held'));
    expect(e.frameTimer).not.toBeNull();
    jobs.enqueue(ID, e, query(e, log));
    expect(e.frameTimer).toBeNull();
    expect(e.busy).toBe(true);
    await waitFor(() => log.length === 2, 'the query');
    expect(log).toEqual([`parsed ${ID}:4`, "query 'held'"]);
  });

  it('under a firehose, writes output whose frame is already overdue at once', () => {
    const { jobs } = setup();
    const e = entry({ busy: true, lastWindowBytes: SCREEN_FIREHOSE_BYTES_PER_WINDOW + 1 });
    jobs.enqueue(ID, e, data('late'));
    // The parser was busy for longer than a frame while this waited.
    e.oldestDataAt = performance.now() - SCREEN_FIREHOSE_FRAME_MS - 1;
    e.busy = false;
    jobs.pump(ID, e);
    expect(e.busy).toBe(true);
    expect(e.frameTimer).toBeNull();
  });
});
