// The file work of `cw setup`: read an agent's file, keep a copy before changing it, and replace it whole.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** The file's text, or null when it does not exist. */
export function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** `FILE.cw-backup-20260105T231900Z` (with `-2`, `-3` when that exists: two changes within a second). */
export function backupName(path: string, now: Date, exists: (p: string) => boolean = existsSync): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const base = `${path}.cw-backup-${stamp}`;
  let name = base;
  for (let n = 2; exists(name); n++) name = `${base}-${n}`;
  return name;
}

export type Written = { action: 'unchanged' | 'created' | 'changed' | 'deleted'; backup: string | null };

/**
 * Makes `path` read `after` ('' deletes it). An existing file that changes is copied to a backup first (0600: it
 * may hold secrets). The new text goes to a temporary file beside the real one (through a symlink, to its target)
 * and is renamed over it, so the agent never reads half a file. `secret`: the file may hold credentials (an MCP
 * server's env), so it is made 0600; otherwise an existing file keeps its mode and a new one is 0644.
 */
export function writeText(path: string, before: string | null, after: string, secret: boolean, now = new Date()): Written {
  if (before === after || (before === null && after === '')) return { action: 'unchanged', backup: null };
  const real = before === null ? path : realpathSync(path);
  let backup: string | null = null;
  if (before !== null) {
    backup = backupName(path, now);
    copyFileSync(real, backup);
    chmodSync(backup, 0o600);
  }
  if (after === '') {
    rmSync(real);
    return { action: 'deleted', backup };
  }
  mkdirSync(dirname(real), { recursive: true });
  const mode = secret ? 0o600 : before === null ? 0o644 : statSync(real).mode & 0o777;
  const tmp = `${real}.cw-${process.pid}.tmp`;
  try {
    writeFileSync(tmp, after, { mode });
    chmodSync(tmp, mode); // the umask narrowed writeFileSync's mode
    renameSync(tmp, real);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  return { action: before === null ? 'created' : 'changed', backup };
}
