// The daemon's native addons (native/*/, compiled by the build and copied beside the daemon bundle), each loaded
// once; without one the daemon still runs and says what it lacks.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const loaded = new Map<string, { addon: unknown; why: string }>();

/** The addon `name` (dist/NAME.node), or null with the reason in `why`. */
export function loadAddon<T>(name: string): { addon: T | null; why: string } {
  let entry = loaded.get(name);
  if (!entry) {
    const file = join(dirname(fileURLToPath(import.meta.url)), `${name}.node`);
    if (!existsSync(file)) entry = { addon: null, why: `${file} is missing (\`npm run build\` compiles it; it needs a C compiler)` };
    else {
      try {
        entry = { addon: createRequire(import.meta.url)(file), why: '' };
      } catch (err) {
        entry = { addon: null, why: `${file} does not load: ${(err as Error).message}` };
      }
    }
    loaded.set(name, entry);
  }
  return entry as { addon: T | null; why: string };
}

/** native/handover (see handover.c). */
export interface HandoverAddon {
  /** Replaces this process's image, keeping `keepFds` open; returns only by throwing. */
  exec(file: string, argv: string[], env: string[], keepFds: number[]): never;
  /** null while `pid` runs; its end once reaped; gone when it is not (or no longer) our child. */
  reap(pid: number): { code: number; signal: number } | { gone: true } | null;
  resize(fd: number, cols: number, rows: number): void;
  /** Starts `file` as a session leader on a new pty; throws (with code ENOENT, EACCES, ...) when it cannot start. */
  spawn(file: string, argv: string[], env: string[], cwd: string, cols: number, rows: number): { pid: number; masterFd: number; slaveFd: number; pty: string };
}

export function handoverAddon(): { addon: HandoverAddon | null; why: string } {
  return loadAddon<HandoverAddon>('handover');
}
