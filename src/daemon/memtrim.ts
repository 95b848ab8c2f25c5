// Returning freed C-heap memory to the system: malloc_trim(0) through the small addon in native/memtrim, which the
// build compiles and copies beside the daemon bundle (dist/memtrim.node). See that file for why.
import { loadAddon } from './native.js';

interface MemTrim {
  trim(): boolean;
}

/** Gives the free pages of every malloc arena back to the system. False when nothing could be done. */
export function trimMemory(): boolean {
  const a = loadAddon<MemTrim>('memtrim').addon;
  return a ? a.trim() : false;
}

/** Why trimMemory() does nothing, or '' while it works. */
export function memTrimUnavailable(): string {
  return loadAddon<MemTrim>('memtrim').why;
}
