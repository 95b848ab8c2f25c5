// Messages between the daemon and its screen worker.

export type ScreenQuery = 'snapshot' | 'serialize' | 'lines' | 'clip';

export type ToWorker =
  | { t: 'open'; id: number; cols: number; rows: number; scrollback: number }
  | { t: 'data'; id: number; buf: Uint8Array }
  | { t: 'resize'; id: number; cols: number; rows: number }
  | { t: 'query'; id: number; req: number; what: ScreenQuery; scrollback?: number; size?: { cols: number; rows: number } }
  | { t: 'close'; id: number };

/** Given to the worker at its start. */
export interface ScreenWorkerData {
  /** Idle time before a terminal hibernates (SCREEN_HIBERNATE_IDLE_MS or its override). */
  hibernateMs: number;
  /** Report each hibernation and revival (only when the delay is overridden, for tests). */
  logHibernation: boolean;
}

export type FromWorker =
  | { t: 'parsed'; id: number; bytes: number }
  | { t: 'respond'; id: number; data: string }
  | { t: 'reply'; req: number; value: unknown }
  | { t: 'hibernated'; id: number; bytes: number; ms: number }
  | { t: 'revived'; id: number; ms: number }
  /** The worker collected its heap after terminals were disposed and gave the freed pages back (malloc_trim). */
  | { t: 'released'; terminals: number; gcMs: number; trimMs: number; rssBefore: number; rssAfter: number; unavailable: string }
  | { t: 'error'; id: number; message: string };
