// File descriptors: the daemon's limit, and a watch that says in daemon.log when they run out. Running out is
// otherwise silent: libuv accepts and closes connections it has no descriptor for without telling Node, so every
// local command fails with EPIPE and nothing is logged (issue 14, finding 6).
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import type { Logger } from './log.js';
import { DESCRIPTOR_CHECK_INTERVAL_MS, DESCRIPTOR_LOG_REPEAT_MS, DESCRIPTOR_WARN_SHARE } from './limits.js';

/**
 * The descriptor limit of this process, from /proc (Linux); null elsewhere. Node itself raises the soft
 * RLIMIT_NOFILE to the hard limit when it starts (PlatformInit in node.cc), so there is nothing left to raise
 * without a native call: the daemon reports the limit and sizes its bounds from it.
 */
export function descriptorLimit(): { soft: number; hard: number } | null {
  try {
    const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (!m) return null;
    const n = (v: string): number => (v === 'unlimited' ? Infinity : Number(v));
    return { soft: n(m[1]!), hard: n(m[2]!) };
  } catch {
    // Not Linux (no /proc), or out of descriptors right now: unknown, and the fixed caps apply alone.
    return null;
  }
}

/**
 * One descriptor held in reserve (libuv keeps one for the same reason): daemon.log is opened for each line, so
 * without it the moment the daemon runs out of descriptors is the one moment nothing can be logged.
 */
let reserveFd: number | null = null;

function holdReserveDescriptor(): void {
  if (reserveFd !== null) return;
  try {
    reserveFd = openSync('/dev/null', 'r');
  } catch {
    // Out of descriptors already: the next call tries again.
  }
}

/** Runs `write` (a log line) with the reserve descriptor released for it, then takes the reserve back. */
export function withReserveDescriptor(write: () => void): void {
  if (reserveFd !== null) {
    closeSync(reserveFd);
    reserveFd = null;
  }
  try {
    write();
  } finally {
    holdReserveDescriptor();
  }
}

let watching: NodeJS.Timeout | null = null;
/** What each listener adds to the line (connections awaiting the upgrade, clients), so the log says who holds them. */
const describers = new Set<() => string>();

/**
 * Checks the descriptors in use every DESCRIPTOR_CHECK_INTERVAL_MS (a readdir of /proc/self/fd, tens of µs) and
 * logs one line when they are nearly or entirely used up, again at most every DESCRIPTOR_LOG_REPEAT_MS while it
 * lasts, and one when they are back. Idempotent; Linux only (elsewhere there is no /proc to count with).
 */
export function watchDescriptors(log: Logger, describe?: () => string): void {
  if (describe) describers.add(describe);
  if (watching) return;
  const limit = descriptorLimit();
  if (!limit || !Number.isFinite(limit.soft)) return;
  holdReserveDescriptor();
  let lastLogged = 0;
  let low = false;
  /** Whether the last line said the descriptors ran out (not only nearly). */
  let loggedOut = false;
  watching = setInterval(() => {
    let used: number | null;
    try {
      // The directory's own descriptor is listed too.
      used = readdirSync('/proc/self/fd').length - 1;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EMFILE' && code !== 'ENFILE') return;
      used = null;
    }
    const now = Date.now();
    if (used !== null && used < limit.soft * DESCRIPTOR_WARN_SHARE) {
      if (low) withReserveDescriptor(() => log.info(`descriptors: back to ${used} of ${limit.soft} in use`));
      low = false;
      return;
    }
    const out = used === null || used >= limit.soft;
    // Repeated at most once a minute, but running out after a "nearly out" line is news: it gets its line.
    if (low && now - lastLogged < DESCRIPTOR_LOG_REPEAT_MS && !(out && !loggedOut)) return;
    low = true;
    lastLogged = now;
    loggedOut = out;
    const who = [...describers].map((d) => d()).filter(Boolean).join('; ');
    const state =
      out
        ? `EMFILE: out of file descriptors (all ${limit.soft} in use); new connections, local and remote, are dropped and launches fail until some close`
        : `nearly out of file descriptors: ${used} of ${limit.soft} in use`;
    withReserveDescriptor(() => log.warn(`descriptors: ${state}${who ? ` (${who})` : ''}`));
  }, DESCRIPTOR_CHECK_INTERVAL_MS);
  watching.unref();
}
