// A screen worker entry as screen-worker.ts opens one (a live headless terminal, nothing queued), for the unit tests
// of the worker's job queue and hibernation policy, which run in the test's own thread.
import { newScreenTerm, type ScreenTerm } from '../../src/daemon/screen-hibernate.js';
import { newEntry as workerEntry, type Entry } from '../../src/daemon/screen-entry.js';

export const COLS = 40;
export const ROWS = 5;
export const SCROLLBACK = 10;

/** A fresh entry with a live terminal (or none: `null`); `over` sets fields as a test needs them. */
export function newEntry(over: Partial<Entry> = {}, st: ScreenTerm | null = newScreenTerm(COLS, ROWS, SCROLLBACK)): Entry {
  return { ...workerEntry(st, SCROLLBACK), ...over };
}

/** The terminal's first row as text. */
export function firstRow(e: Entry): string {
  return e.st!.term.buffer.active.getLine(0)?.translateToString(true) ?? '';
}

/** Writes to a live terminal and resolves once it is parsed. */
export function write(e: Entry, text: string): Promise<void> {
  return new Promise((r) => e.st!.term.write(text, r));
}

/** Releases what an entry holds: its terminal and a pending frame timer. */
export function disposeEntry(e: Entry): void {
  if (e.frameTimer) clearTimeout(e.frameTimer);
  e.frameTimer = null;
  e.st?.term.dispose();
}
