// One headless terminal's entry in the screen worker: its terminal (or hibernated state), what it last reported
// (title, bell, progress, the program's own state report) and its queue of work. Shared by the worker's message
// loop (screen-worker.ts), its job queue (screen-jobs.ts) and its hibernation policy (screen-hibernation.ts).
import type { Hibernated, ScreenTerm } from './screen-hibernate.js';

/** Work for a terminal: output to parse, or a job run in its turn that needs the terminal itself (a parsed screen) or only what a hibernated one keeps aside. */
export type Job = { kind: 'data'; buf: Uint8Array } | { kind: 'run'; fn: () => void; needsTerm: boolean };

export interface Entry {
  /** The live terminal, or null while it hibernates. */
  st: ScreenTerm | null;
  /** The hibernated state while `st` is null. */
  sleeping: Hibernated | null;
  title: string;
  lastBellAt?: number;
  progress?: { state: number; value: number };
  /** The last OSC 7501 state report (Codex: `state=working:app=codex`, `state=blocked:…:kind=permission`). */
  appState?: string;
  /**
   * Work for this terminal in arrival order. Data is written one batch at a time: while the parser works on
   * one batch, later chunks pile up and are written as the next batch (which the fast path may shorten).
   * Queries and resizes wait for the data before them, so a snapshot reflects every byte posted before it.
   */
  jobs: Job[];
  busy: boolean;
  scrollback: number;
  /** Bytes received in the current rate window, and when that window began (performance.now ms). */
  windowBytes: number;
  windowStart: number;
  /** Bytes of the previous full window: the recent output rate. */
  lastWindowBytes: number;
  /** When the oldest data job still queued arrived; a pending frame timer, if any. */
  oldestDataAt: number;
  frameTimer: NodeJS.Timeout | null;
  /** The frame timer fired: write what is queued at the next chance. */
  frameDue: boolean;
  /** When a job last used the terminal (performance.now ms): data, a resize, a read other than a snapshot. */
  lastUsed: number;
  /** How long the last hibernation plus revival took (ms): the terminal stays awake in proportion. */
  cycleMs: number;
}

/** A new entry for `st` (null: the caller makes its terminal): nothing reported, nothing queued, just used. */
export function newEntry(st: ScreenTerm | null, scrollback: number): Entry {
  return {
    st,
    sleeping: null,
    title: '',
    jobs: [],
    busy: false,
    scrollback,
    windowBytes: 0,
    windowStart: performance.now(),
    lastWindowBytes: 0,
    oldestDataAt: 0,
    frameTimer: null,
    frameDue: false,
    lastUsed: performance.now(),
    cycleMs: 0,
  };
}
