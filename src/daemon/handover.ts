// `cw daemon restart`: the installed code becomes the daemon, and every running session stays as it is.
//
// How: the daemon executes the installed code in its own process (execve through native/handover, so the pid and
// with it the parenthood of every program stay), keeping open the descriptors the new code needs: the one-daemon
// lock, the listening socket, and each session's pty master and our slave handle. Everything else the new code
// reads from the database (which every session's row is in) and from a state file written just before the exec:
// which descriptor is which session's, each screen (serialized, with its scrollback and modes), the output read
// from a pty and not yet delivered, and what the agents said through their hooks. No output byte is lost or
// written twice: reading stops at the descriptor before the screens are captured, and what was read but not
// delivered travels in the state file and is delivered first by the new daemon.
//
// What can fail, and what then happens:
// - before the exec (the installed code does not start or does not accept this state, the addon is missing, a
//   program is exiting, the screens do not answer): nothing has changed; every session goes on here and the
//   client is told why;
// - the exec itself fails: the same, undone in place;
// - the new code dies after the exec: there is no old daemon left. The programs lose their terminal (SIGHUP) and
//   the next daemon reports them lost and ends any that survived (orphans.ts). The check run beforehand makes
//   this unlikely.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { ErrorCode, PROTOCOL_VERSION } from '../protocol/index.js';
import { writePrivateFile, type Paths } from '../common/paths.js';
import { VERSION } from '../common/version.js';
import { CwError } from './errors.js';
import { HANDOVER_CHECK_TIMEOUT_MS, HANDOVER_SCREENS_TIMEOUT_MS, HANDOVER_SETTLE_MS, SCREEN_SCROLLBACK_LINES } from './limits.js';
import type { Logger } from './log.js';
import { handoverAddon } from './native.js';
import type { DetachedPty } from './pty.js';
import type { Session } from './session.js';
import { holdTyping, whenTypingDone } from './input.js';

/** The state file's format; the new code's check says which formats it accepts. */
export const HANDOVER_FORMAT = 1;

/** The state file, in the home. */
export const HANDOVER_FILE = 'handover.json';

/** The environment variable that tells a starting daemon it takes over: `FILE:LOCKFD:SOCKETFD`. */
export const HANDOVER_ENV = 'CW_HANDOVER';

const HandedSession = z.object({
  id: z.number(),
  pid: z.number(),
  masterFd: z.number(),
  slaveFd: z.number(),
  cols: z.number(),
  rows: z.number(),
  /** The screen as the serializer writes it (replayed into a new terminal of the same size). */
  screen: z.string(),
  /** Output read from the pty and not yet delivered anywhere, base64, in order. */
  pending: z.array(z.string()),
  turnStartedAt: z.number(),
  wiring: z.nullable(z.string()),
  lastMessage: z.optional(z.object({ text: z.string(), at: z.number() })),
  /** A launch prompt still held back (prompts.ts): held on by the new daemon until its deadline (epoch ms). */
  heldPrompt: z.optional(z.object({ text: z.string(), deadline: z.number() })),
});
export type HandedSession = z.infer<typeof HandedSession>;

const HandoverState = z.object({
  format: z.literal(HANDOVER_FORMAT),
  fromVersion: z.string(),
  fromPid: z.number(),
  at: z.string(),
  sessions: z.array(HandedSession),
});
export type HandoverState = z.infer<typeof HandoverState>;

/** What a starting daemon learns from HANDOVER_ENV: where the lock and socket are, and the state (or why not). */
export interface Inherited {
  lockFd: number;
  socketFd: number;
  state: HandoverState | null;
  /** Why the state could not be read (its sessions are then lost), or ''. */
  problem: string;
}

/** Reads and removes the hand-over the previous daemon left for this process, or null when this is a plain start. */
export function takeInherited(): Inherited | null {
  const value = process.env[HANDOVER_ENV];
  if (value === undefined) return null;
  // Never passed on to the programs this daemon starts.
  delete process.env[HANDOVER_ENV];
  const m = /^(.*):(\d+):(\d+)$/.exec(value);
  if (!m) return null;
  const inherited: Inherited = { lockFd: Number(m[2]), socketFd: Number(m[3]), state: null, problem: '' };
  try {
    const parsed = HandoverState.safeParse(JSON.parse(readFileSync(m[1]!, 'utf8')));
    if (parsed.success) inherited.state = parsed.data;
    else inherited.problem = `the state file ${m[1]} is not in a format this cw reads`;
  } catch (err) {
    inherited.problem = `the state file ${m[1]} cannot be read: ${(err as Error).message}`;
  }
  rmSync(m[1]!, { force: true });
  return inherited;
}

/** What `cw daemon --check-handover` prints: that this code runs, and what it accepts. */
export function checkReport(): { version: string; protocol: number; handoverFormats: number[] } {
  return { version: VERSION, protocol: PROTOCOL_VERSION, handoverFormats: [HANDOVER_FORMAT] };
}

export interface HandoverDeps {
  paths: Paths;
  log: Logger;
  running(): Session[];
  /** The descriptors of the lock and the listening socket. */
  lockFd(): number;
  socketFd(): number;
  /** Writes what must be on disk before the exec (live counters); stops what cannot cross it (the fleet node). */
  quiesce(): Promise<void>;
  /** Undoes quiesce() when the hand-over is abandoned. */
  resumeAfterFailure(): void;
}

/** A hand-over ready to happen: `exec()` replaces the process (returns only on failure, undone); `abandon()` undoes it. */
export interface PreparedHandover {
  sessions: number;
  toVersion: string;
  exec(): never | void;
  abandon(why: string): void;
}

/** Runs the installed code's check: it must start, load its addon and database, and accept our state format. */
async function checkInstalled(paths: Paths): Promise<{ version: string }> {
  const argv = [...process.execArgv, process.argv[1]!, 'daemon', '--check-handover'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { env: { ...process.env, CODEWIRE_HOME: paths.home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new CwError(ErrorCode.INTERNAL, `the installed cw did not answer its check within ${HANDOVER_CHECK_TIMEOUT_MS / 1000}s`, 'run `cw version` to see whether it starts at all'));
    }, HANDOVER_CHECK_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new CwError(ErrorCode.INTERNAL, `cannot run the installed cw: ${e.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const firstErr = err.trim().split('\n')[0] ?? '';
      let report: { version?: string; handoverFormats?: number[] } = {};
      try {
        report = JSON.parse(out.trim().split('\n').pop() ?? '') as typeof report;
      } catch {
        report = {};
      }
      if (code !== 0 || !report.version) {
        reject(new CwError(ErrorCode.INTERNAL, `the installed cw cannot take over running sessions (${firstErr || `its check exited ${code}`})`, 'install a cw that can (this one or newer), or use `cw stop`, which ends every session'));
        return;
      }
      if (!report.handoverFormats?.includes(HANDOVER_FORMAT)) {
        reject(new CwError(ErrorCode.INTERNAL, `the installed cw ${report.version} does not read this daemon's hand-over (format ${HANDOVER_FORMAT})`, 'install a cw that does, or use `cw stop`, which ends every session'));
        return;
      }
      resolve({ version: report.version });
    });
  });
}

/** Waits up to HANDOVER_SETTLE_MS for sessions whose program is exiting to end here (their status is ours to record). */
async function settle(running: () => Session[]): Promise<void> {
  const exiting = (): Session[] => running().filter((s) => s.exiting);
  const deadline = Date.now() + HANDOVER_SETTLE_MS;
  // A paste waiting for its Enter (an agent's submit pause) is let finish: cut by the exec, the text would sit
  // unsent in the agent's prompt.
  await withTimeout(whenTypingDone(), HANDOVER_SETTLE_MS, 'typing under way');
  while (exiting().length && Date.now() < deadline) {
    await Promise.race([Promise.all(exiting().map((s) => s.whenEnded())), new Promise((r) => setTimeout(r, 100).unref())]);
  }
  const left = exiting();
  if (left.length) throw new CwError(ErrorCode.INTERNAL, `session${left.length > 1 ? 's' : ''} ${left.map((s) => s.id).join(', ')} still exiting after ${HANDOVER_SETTLE_MS / 1000}s`, 'try again in a moment');
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new CwError(ErrorCode.INTERNAL, `${what} took longer than ${ms / 1000}s`, 'try again; if it keeps failing, see daemon.log')), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e: unknown) => (clearTimeout(t), reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });
}

/**
 * Gets everything ready for the exec without changing anything a session depends on, except that no pty is read
 * any more (each is detached: reading stopped at the descriptor). Throws, with everything as it was, when the
 * hand-over cannot happen.
 */
export async function prepareHandover(d: HandoverDeps): Promise<PreparedHandover> {
  const { addon, why } = handoverAddon();
  if (!addon) throw new CwError(ErrorCode.INTERNAL, `cannot keep sessions across a restart: ${why}`, 'rebuild cw with a C compiler (`npm run build`), or use `cw stop`, which ends every session');
  const installed = await checkInstalled(d.paths);
  // From here no new typing starts (it waits, and goes on here if the hand-over is abandoned).
  const releaseTyping = holdTyping();
  try {
    await settle(d.running);
  } catch (err) {
    releaseTyping();
    throw err;
  }
  const detached = new Map<Session, DetachedPty>();
  let quiesced = false;
  const undo = (): void => {
    releaseTyping();
    for (const s of detached.keys()) s.reattachPty();
    detached.clear();
    if (quiesced) d.resumeAfterFailure();
  };
  try {
    for (const s of d.running()) {
      const r = s.detachPty();
      if (typeof r === 'string') throw new CwError(ErrorCode.INTERNAL, `session ${s.id} cannot be handed over: ${r}`, 'try again in a moment, or use `cw stop`, which ends every session');
      detached.set(s, r);
    }
    // Reading has stopped everywhere: the screens hold every byte delivered, and nothing more arrives.
    const screens = await withTimeout(
      Promise.all([...detached.keys()].map(async (s) => [s, (await s.screen?.serialize(SCREEN_SCROLLBACK_LINES)) ?? ''] as const)),
      HANDOVER_SCREENS_TIMEOUT_MS,
      'capturing the screens',
    );
    await d.quiesce();
    quiesced = true;
    const state: HandoverState = {
      format: HANDOVER_FORMAT,
      fromVersion: VERSION,
      fromPid: process.pid,
      at: new Date().toISOString(),
      sessions: screens.map(([s, screen]) => {
        const p = detached.get(s)!;
        return {
          id: s.id,
          pid: p.pid,
          masterFd: p.masterFd,
          slaveFd: p.slaveFd,
          cols: s.row.cols,
          rows: s.row.rows,
          screen,
          pending: [], // filled in at the exec: more may be held by then
          turnStartedAt: s.signals.turnStartedAt,
          wiring: s.signals.wiring,
          ...(s.signals.lastMessage ? { lastMessage: s.signals.lastMessage } : {}),
          ...(s.heldPrompt ? { heldPrompt: s.heldPrompt } : {}),
        };
      }),
    };
    const file = join(d.paths.home, HANDOVER_FILE);
    return {
      sessions: detached.size,
      toVersion: installed.version,
      exec: () => {
        for (const h of state.sessions) {
          const p = [...detached.values()].find((x) => x.pid === h.pid)!;
          h.pending = p.pending.map((b) => b.toString('base64'));
        }
        const keep = [d.lockFd(), d.socketFd(), ...state.sessions.flatMap((h) => (h.slaveFd >= 0 ? [h.masterFd, h.slaveFd] : [h.masterFd]))];
        try {
          writePrivateFile(file, JSON.stringify(state));
          const env = Object.entries({ ...process.env, [HANDOVER_ENV]: `${file}:${d.lockFd()}:${d.socketFd()}` }).map(([k, v]) => `${k}=${v}`);
          d.log.info(`restarting: handing ${state.sessions.length} sessions to cw ${installed.version}`);
          addon.exec(process.execPath, [process.argv0, ...process.execArgv, ...process.argv.slice(1)], env, keep);
        } catch (err) {
          rmSync(file, { force: true });
          d.log.error(`restart failed, this daemon carries on: ${(err as Error).message}`);
          undo();
        }
      },
      abandon: (why: string) => {
        d.log.warn(`restart abandoned (${why}); this daemon carries on`);
        undo();
      },
    };
  } catch (err) {
    undo();
    throw err;
  }
}
