// Whether a process still runs, for the CLI and the tests that wait for a daemon to be gone.
import { readFileSync } from 'node:fs';

/**
 * False once `pid` has ended: gone, or a zombie (Linux), which has exited and only waits for its parent to collect
 * its status. A daemon's parent may be slow to (a supervisor running `cw daemon` in the foreground, or a container's
 * init): waiting for the zombie to go made `cw stop` wait its full 10 s and fail.
 */
export function processRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false; // ESRCH: gone (EPERM cannot happen for our own daemon)
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "PID (COMM) STATE ...": COMM may hold spaces and parentheses; the state follows the last ')'.
    const at = stat.lastIndexOf(')') + 2;
    return stat.slice(at, at + 1) !== 'Z';
  } catch {
    return true; // no /proc (macOS): kill(0) said it runs
  }
}
