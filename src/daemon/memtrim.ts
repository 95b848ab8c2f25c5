// Returning freed C-heap memory to the system: malloc_trim(0) through the small addon in native/memtrim, which the
// build compiles and copies beside the daemon bundle (dist/memtrim.node). See that file for why.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface MemTrim {
  trim(): boolean;
}

let addon: MemTrim | null | undefined;
let why = '';

/** Loads the addon once. Null, with the reason in `memTrimUnavailable()`, when it is not there or cannot load. */
function load(): MemTrim | null {
  if (addon !== undefined) return addon;
  const file = join(dirname(fileURLToPath(import.meta.url)), 'memtrim.node');
  if (!existsSync(file)) {
    why = `${file} is missing (\`npm run build\` compiles it; it needs a C compiler)`;
    return (addon = null);
  }
  try {
    addon = createRequire(import.meta.url)(file) as MemTrim;
  } catch (err) {
    why = `${file} does not load: ${(err as Error).message}`;
    addon = null;
  }
  return addon;
}

/** Gives the free pages of every malloc arena back to the system. False when nothing could be done. */
export function trimMemory(): boolean {
  const a = load();
  return a ? a.trim() : false;
}

/** Why trimMemory() does nothing, or '' while it works. */
export function memTrimUnavailable(): string {
  load();
  return why;
}
