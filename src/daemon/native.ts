// The daemon's view of its native addons (loaded by common/native.ts); without one the daemon still runs and says
// what it lacks.
import { loadAddon, type FdPassing } from '../common/native.js';

export { loadAddon };

/** native/handover (see handover.c). */
export interface HandoverAddon extends FdPassing {
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
