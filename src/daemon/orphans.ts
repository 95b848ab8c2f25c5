// Programs of sessions found lost: the previous daemon died (killed, crashed, or a restart that failed after its
// exec) and a program survived it, reparented to init, its terminal gone. Nobody could reach it any more, so it is
// ended, as its closing terminal would have done (SIGHUP to its group, SIGKILL after KILL_GRACE_MS).
// A pid is taken for the session's only when the process's environment holds that session's token (its hash is
// in the database): a pid reused by an unrelated program is never signalled. Linux only (/proc); elsewhere nothing.
import { readFileSync } from 'node:fs';
import { KILL_GRACE_MS } from './limits.js';
import type { Logger } from './log.js';
import { hangUpGroup } from './pty.js';
import { hashToken } from './session-token.js';
import type { Store } from './store.js';

/** The CW_SESSION_TOKEN in the environment of `pid`, or null (gone, not ours to read, or none). */
function tokenOf(pid: number): string | null {
  try {
    for (const kv of readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0')) {
      if (kv.startsWith('CW_SESSION_TOKEN=')) return kv.slice('CW_SESSION_TOKEN='.length);
    }
  } catch {
    // gone, or another user's
  }
  return null;
}

/** Ends the surviving programs of the sessions `lost` (ids whose rows hold their last pid). */
export function endOrphans(lost: number[], store: Store, log: Logger): void {
  const ended: string[] = [];
  for (const id of lost) {
    const pid = store.sessionRow(id).pid;
    if (!pid) continue;
    const token = tokenOf(pid);
    if (!token || store.sessionIdByTokenHash(hashToken(token)) !== id) continue;
    hangUpGroup(pid, KILL_GRACE_MS);
    ended.push(`${id} (pid ${pid})`);
  }
  if (ended.length) log.warn(`ended the programs of lost sessions ${ended.join(', ')}: they outlived their daemon and nobody could reach them`);
}
