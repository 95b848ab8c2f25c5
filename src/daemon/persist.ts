// Database writes a session's life must survive (a full disk, SQLITE_FULL), and the periodic write of live counters.
import { PERSIST_INTERVAL_MS } from './limits.js';
import type { Logger } from './log.js';
import type { Session } from './session.js';
import type { Store } from './store.js';

/** Runs one database write; a failure is logged in one line and never thrown. */
export type Persist = (what: string, write: () => void) => void;

/**
 * A Persist that logs to `log`: the in-memory state stays right and is written again at the next change, so a
 * failed write must not break the session's life.
 */
export function persistWith(log: Logger): Persist {
  return (what, write) => {
    try {
      write();
    } catch (err) {
      log.warn(`database write failed (${what}): ${(err as { code?: string }).code ?? (err as Error).message}`);
    }
  };
}

/** Writes changed live counters of running sessions every PERSIST_INTERVAL_MS, so a crash loses at most that much. */
export class LiveCounters {
  /** Output byte count at each session's last counters write. */
  private readonly _persisted = new Map<number, number>();
  private readonly _timer: NodeJS.Timeout;

  constructor(
    private readonly _running: () => Session[],
    private readonly _store: Store,
    private readonly _persist: Persist,
  ) {
    this._timer = setInterval(() => this.write(), PERSIST_INTERVAL_MS);
    this._timer.unref();
  }

  /** Writes the counters of every running session whose output changed since its last write. */
  write(): void {
    for (const s of this._running()) {
      if (this._persisted.get(s.id) === s.row.outputBytes) continue;
      this._persisted.set(s.id, s.row.outputBytes);
      this._persist(`counters of session ${s.id}`, () =>
        this._store.updateLive({ id: s.id, outputBytes: s.row.outputBytes, lastOutputAt: s.lastOutputAt, cols: s.row.cols, rows: s.row.rows, pid: s.pid }),
      );
    }
  }

  /** Stops the timer; the caller writes the last counters. */
  stop(): void {
    clearInterval(this._timer);
  }
}
