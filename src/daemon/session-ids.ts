// Session ids: a new session never gets the id of a directory already in sessions/, or it would append to an
// old session's logs.
import { existsSync, readdirSync } from 'node:fs';
import { ErrorCode } from '../protocol/index.js';
import { sessionDir, type Paths } from '../common/paths.js';
import { CwError } from './errors.js';
import type { Logger } from './log.js';
import type { Persist } from './persist.js';
import type { Store } from './store.js';

export interface SessionIdsDeps {
  paths: Paths;
  store: Store;
  log: Logger;
  persist: Persist;
  recordEvent(sessionId: number | null, type: string, data: Record<string, unknown>): void;
  /** True when a session with this id is known (has a database row loaded). */
  known(id: number): boolean;
}

/**
 * Session directories that no database row owns (state.db deleted, emptied or replaced while sessions/ stayed):
 * their ids are never handed out again, or a new session would append to an old session's log, and the loss is
 * said loudly, in daemon.log and as a `daemon.warning` event. Their files are left where they are.
 */
export function protectUnrecordedDirs(d: SessionIdsDeps): void {
  let names: string[];
  try {
    names = readdirSync(d.paths.sessionsDir);
  } catch {
    return; // no sessions directory yet: no id to protect
  }
  const orphans = names.filter((n) => /^[1-9]\d*$/.test(n)).map(Number).filter((id) => !d.known(id));
  if (!orphans.length) return;
  orphans.sort((a, b) => a - b);
  const highest = orphans[orphans.length - 1]!;
  d.persist('session id high-water mark', () => d.store.reserveSessionIdsThrough(highest));
  const shown = orphans.length > 10 ? `${orphans.slice(0, 10).join(', ')} … ${highest}` : orphans.join(', ');
  const message =
    `${orphans.length} session director${orphans.length === 1 ? 'y' : 'ies'} in ${d.paths.sessionsDir} ${orphans.length === 1 ? 'has' : 'have'} no record in ` +
    `${d.paths.db} (ids ${shown}): the database was lost, emptied or replaced. Their logs are kept; new sessions get ids above ${highest}`;
  d.log.error(message);
  d.recordEvent(null, 'daemon.warning', { message, ids: orphans });
}

/** Records a new session and returns its id, which is never one whose directory already exists. */
export function insertSession(d: SessionIdsDeps, s: Parameters<Store['insertSession']>[0]): number {
  for (let attempt = 0; ; attempt++) {
    let id: number;
    try {
      id = d.store.insertSession(s);
    } catch (err) {
      const code = (err as { code?: string }).code ?? (err as Error).message;
      throw new CwError(ErrorCode.INTERNAL, `cannot record the new session: ${code}`, `is the disk holding ${d.paths.home} full?`);
    }
    if (!existsSync(sessionDir(d.paths, id))) return id;
    // A directory appeared that no row owns (copied in, or the high-water mark could not be saved at start):
    // skip past every such id, say so, and try again once.
    d.store.deleteSession(id);
    protectUnrecordedDirs(d);
    if (attempt > 0) {
      throw new CwError(ErrorCode.INTERNAL, `cannot pick a new session id: ${sessionDir(d.paths, id)} already exists`, `move unrecorded directories out of ${d.paths.sessionsDir}`);
    }
  }
}
