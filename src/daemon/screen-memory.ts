// Giving the screen worker's memory back. A disposed terminal's rows are typed arrays whose memory (malloc'd,
// outside the JS heap) is freed only when this thread's heap is collected; an idle worker allocates too little for
// V8 to ever do that. So after terminals were disposed (hibernated or closed), and once nothing is left to
// hibernate, the worker collects its heap and returns the freed pages to the system (malloc_trim, which serves
// every thread's arena; see native/memtrim). Done in the worker, not on the daemon's main thread, which relays
// every keystroke: a trim of a few hundred MiB of arena takes tens of ms. Looked at on each hibernation sweep;
// done at most once per MEMORY_RELEASE_MIN_INTERVAL_MS.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { FromWorker } from './screen-messages.js';
import { memTrimUnavailable, trimMemory } from './memtrim.js';
import { MEMORY_RELEASE_MIN_INTERVAL_MS, MEMORY_TRIM_DELAY_MS } from './limits.js';

let collectGarbage: (() => void) | null | undefined;

function fullGc(): (() => void) | null {
  if (collectGarbage === undefined) {
    try {
      // HACK: Node offers no way to start a collection without --expose-gc at start-up; setting the flag now
      // makes the next new context carry `gc`. The flag only adds that global.
      setFlagsFromString('--expose-gc');
      collectGarbage = runInNewContext('gc') as () => void;
    } catch {
      collectGarbage = null;
    }
  }
  return collectGarbage;
}

export class MemoryRelease {
  private _disposedSinceCollect = 0;
  private _lastCollectAt = -Infinity;

  /** `hibernating`: true while terminals are still being put to sleep; the release waits for them. */
  constructor(
    private readonly _post: (msg: FromWorker) => void,
    private readonly _hibernating: () => boolean,
  ) {}

  /** A terminal was disposed (hibernated or closed). */
  noteDisposed(): void {
    this._disposedSinceCollect++;
  }

  /** Collects the heap and trims malloc's arenas when something was disposed and the interval allows. */
  release(): void {
    if (this._disposedSinceCollect === 0 || this._hibernating()) return;
    const now = performance.now();
    if (now - this._lastCollectAt < MEMORY_RELEASE_MIN_INTERVAL_MS) return;
    const gc = fullGc();
    if (!gc) return;
    const terminals = this._disposedSinceCollect;
    this._disposedSinceCollect = 0;
    this._lastCollectAt = now;
    const rssBefore = process.memoryUsage.rss();
    gc();
    const gcMs = performance.now() - now;
    // V8 frees the dead arrays' memory on a background thread after the collection (concurrent array buffer
    // sweeping), so the trim waits for that.
    setTimeout(() => {
      const t = performance.now();
      trimMemory();
      const trimMs = performance.now() - t;
      this._post({ t: 'released', terminals, gcMs, trimMs, rssBefore, rssAfter: process.memoryUsage.rss(), unavailable: memTrimUnavailable() });
    }, MEMORY_TRIM_DELAY_MS).unref();
  }
}
