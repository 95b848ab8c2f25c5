// The event history: every event stored (bounded by EVENT_HISTORY_MAX_ROWS) and handed to live subscribers.
import type { EventEmitter } from 'node:events';
import type { EventRecord } from '../protocol/index.js';
import { EVENT_HISTORY_MAX_ROWS, EVENT_PRUNE_INTERVAL_MS } from './limits.js';
import type { Logger } from './log.js';
import type { Persist } from './persist.js';
import type { Store } from './store.js';

export class EventHistory {
  private _pruneTimer: NodeJS.Timeout | undefined;

  /** `events` gets an 'event' with each EventRecord recorded. */
  constructor(
    private readonly _store: Store,
    private readonly _log: Logger,
    private readonly _persist: Persist,
    private readonly _events: EventEmitter,
  ) {}

  /**
   * Stores an event in the history and hands it to live subscribers ('event'). Stored first, so a subscriber
   * that reads the history and then listens sees every event once. A failed write still reaches live ones.
   */
  record(sessionId: number | null, type: string, data: Record<string, unknown>): void {
    const at = new Date().toISOString();
    let id = 0;
    this._persist(`${type} event`, () => (id = this._store.addEvent(sessionId, at, type, data)));
    const ev: EventRecord = { id, sessionId, at, type, data };
    this._events.emit('event', ev);
  }

  after(afterId: number, limit: number): EventRecord[] {
    return this._store.events(null, afterId, limit) as EventRecord[];
  }

  last(sessionIds: number[] | null, count: number): EventRecord[] {
    return this._store.lastEvents(sessionIds, count) as EventRecord[];
  }

  /** Keeps the history bounded (see EVENT_HISTORY_MAX_ROWS); called at start, then every EVENT_PRUNE_INTERVAL_MS. */
  prune(): void {
    this._persist('event history pruning', () => {
      const dropped = this._store.pruneEvents(EVENT_HISTORY_MAX_ROWS);
      if (dropped) this._log.info(`dropped the ${dropped} oldest events (the history keeps ${EVENT_HISTORY_MAX_ROWS})`);
    });
    this._pruneTimer ??= setInterval(() => this.prune(), EVENT_PRUNE_INTERVAL_MS);
    this._pruneTimer.unref();
  }

  stop(): void {
    if (this._pruneTimer) clearInterval(this._pruneTimer);
  }
}
