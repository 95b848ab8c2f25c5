// When the screen worker hibernates a terminal and how it wakes it (screen-hibernate.ts does the packing and the
// replay). A sweep finds terminals unused for the delay and puts them to sleep one per turn of the event loop, so
// the messages of other sessions are handled in between (packing a full scrollback takes tens of ms).
import type { FromWorker } from './screen-messages.js';
import { hibernate, newScreenTerm, revive, type HeadlessTerminal, type Hibernated, type ScreenTerm } from './screen-hibernate.js';
import { SCREEN_HIBERNATE_COST_FACTOR } from './limits.js';
import type { Entry } from './screen-entry.js';

export interface ScreenHibernationDeps {
  terms: ReadonlyMap<number, Entry>;
  /** Idle time before a terminal hibernates (ms): SCREEN_HIBERNATE_IDLE_MS or the tests' override. */
  hibernateMs: number;
  /** Post 'hibernated' and 'revived' (tests read them in daemon.log). */
  logHibernation: boolean;
  post(msg: FromWorker): void;
  /** Connects a revived terminal to its entry. */
  wire(id: number, e: Entry, term: HeadlessTerminal): void;
  /** Runs the jobs of a terminal that woke up. */
  pump(id: number, e: Entry): void;
  /** A terminal was disposed: its memory can be released (screen-memory.ts). */
  disposed(): void;
}

export class ScreenHibernation {
  /** Terminals due for hibernation, in the order found; handled one per turn. */
  private readonly _due = new Set<number>();
  private _draining = false;

  constructor(private readonly _d: ScreenHibernationDeps) {}

  /** True while terminals are found due and not all hibernated yet. */
  get pending(): boolean {
    return this._draining || this._due.size > 0;
  }

  /** Looks for terminals idle long enough and starts putting them to sleep. */
  sweep(): void {
    const now = performance.now();
    for (const [id, e] of this._d.terms) if (this._idleEnough(e, now)) this._due.add(id);
    if (this._due.size > 0 && !this._draining) {
      this._draining = true;
      setImmediate(() => this._next());
    }
  }

  /** Recreates a hibernated terminal, then runs the jobs waiting for it (nothing else runs for it meanwhile). */
  wake(id: number, e: Entry): void {
    const h = e.sleeping!;
    e.sleeping = null;
    e.busy = true;
    const t0 = performance.now();
    const ready = (st: ScreenTerm): void => {
      e.st = st;
      this._d.wire(id, e, st.term);
      e.busy = false;
      const now = performance.now();
      e.cycleMs += now - t0;
      e.lastUsed = now;
      if (this._d.logHibernation) this._d.post({ t: 'revived', id, ms: now - t0 });
      this._d.pump(id, e);
    };
    try {
      revive(h, ready);
    } catch (err) {
      // Cannot happen with the xterm that packed it; if it does, this one session restarts blank (as all do when
      // the worker restarts) rather than the worker dying with every screen.
      this._d.post({ t: 'error', id, message: `could not revive the screen: ${(err as Error).message}` });
      ready(newScreenTerm(h.cols, h.rows, h.scrollback));
    }
  }

  private _idleEnough(e: Entry, now: number): boolean {
    return (
      e.st !== null &&
      !e.busy &&
      e.jobs.length === 0 &&
      e.frameTimer === null &&
      now - e.lastUsed >= Math.max(this._d.hibernateMs, SCREEN_HIBERNATE_COST_FACTOR * e.cycleMs)
    );
  }

  private _next(): void {
    const id = this._due.values().next().value;
    if (id === undefined) {
      this._draining = false;
      return;
    }
    this._due.delete(id);
    const e = this._d.terms.get(id);
    // Checked again: output, a read or a close may have come in since the sweep.
    if (e && this._idleEnough(e, performance.now())) {
      const t0 = performance.now();
      let h: Hibernated | null = null;
      try {
        h = hibernate(e.st!);
      } catch (err) {
        this._d.post({ t: 'error', id, message: `could not hibernate the screen: ${(err as Error).message}` });
      }
      if (h) {
        e.st!.term.dispose();
        e.st = null;
        e.sleeping = h;
        this._d.disposed();
        const ms = performance.now() - t0;
        e.cycleMs = ms;
        if (this._d.logHibernation) this._d.post({ t: 'hibernated', id, bytes: h.packed.length, ms });
      } else {
        // Half a sequence or character is pending (see hibernateBlocker), or packing failed: look again after
        // another delay.
        e.lastUsed = performance.now();
      }
    }
    setImmediate(() => this._next());
  }
}
