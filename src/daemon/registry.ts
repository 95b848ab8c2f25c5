// The registry holds every session the daemon knows (running and ended), creates them and resolves names.
import { EventEmitter } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { homedir } from 'node:os';
import { ErrorCode, SESSION_NAME_RE, type EventRecord, type OpArgs } from '../protocol/index.js';
import type * as z from 'zod/mini';
import { sessionDir, type Paths } from '../common/paths.js';
import { CwError, invalid, notFound } from './errors.js';
import { buildEnv, chooseTerm, resolveCommand } from './environment.js';
import {
  ATTACH_SCROLLBACK_LINES,
  DEFAULT_COLS,
  DEFAULT_ROWS,
  LAST_SCREEN_MAX_BYTES,
  logRotateBytes,
  PERSIST_INTERVAL_MS,
  EVENT_HISTORY_MAX_ROWS,
  INPUT_QUEUE_MAX_BYTES,
  SCREEN_SAVE_INTERVAL_MS,
  SCREEN_SCROLLBACK_LINES,
} from './limits.js';
import type { Logger } from './log.js';
import { OutputLog } from './output-log.js';
import { ActivityMonitor, type ActivityChange } from './activity-monitor.js';
import { AGENT_KINDS, agentProfile, type AgentKind } from './agents/index.js';
import { agentProgramIndex, detectAgent, isAgentKind } from './agents/detect.js';
import type { HookWiring } from './agents/types.js';
import { PtyProcess } from './pty.js';
import type { ScreenHost } from './screen.js';
import { Session } from './session.js';
import type { Store } from './store.js';

export type LaunchArgs = z.output<(typeof OpArgs)['launch']>;

/** Saved at the end of a session so `cw screen` and `cw last-message` still work afterwards. */
export interface SavedScreen {
  text: string;
  ansi: string;
  lines: string[];
  cols: number;
  rows: number;
  cursor: { x: number; y: number };
}

/** Random bytes in a session's identity token: unguessable, so a sender cannot be forged by guessing. */
const SESSION_TOKEN_BYTES = 32;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class Registry {
  readonly sessions = new Map<number, Session>();
  /** 'created', 'ended', 'removed', 'activity', 'prompt' (a launch prompt changed state), 'hook' (an agent signal) with the session; 'event' with a EventRecord. */
  readonly events = new EventEmitter();
  private readonly _persistTimer: NodeJS.Timeout;
  private readonly _persisted = new Map<number, number>();
  private readonly _screenTimer: NodeJS.Timeout;
  /** Output byte count at each running session's last screen save. */
  private readonly _screenSaved = new Map<number, number>();
  private readonly _logRotateBytes = logRotateBytes();

  constructor(
    private readonly _paths: Paths,
    private readonly _store: Store,
    private readonly _screens: ScreenHost,
    private readonly _log: Logger,
    private readonly _options: { agentHooks: boolean } = { agentHooks: true },
  ) {
    this.events.setMaxListeners(0);
    const lost = _store.markLost(new Date().toISOString());
    if (lost.length) _log.info(`sessions ${lost.join(', ')} were running when the previous daemon died: marked lost`);
    for (const row of _store.allSessions()) this.sessions.set(row.id, new Session(row, this._hooks));
    this._protectUnrecordedDirs();
    this._pruneEvents();
    this._persistTimer = setInterval(() => this.persistLive(), PERSIST_INTERVAL_MS);
    this._persistTimer.unref();
    this._screenTimer = setInterval(() => void this._saveChangedScreens(), SCREEN_SAVE_INTERVAL_MS);
    this._screenTimer.unref();
  }

  private readonly _hooks = {
    ended: (s: Session) => this._ended(s),
    logError: (s: Session, message: string) => this._log.warn(`session ${s.id}: ${message}`),
    inputRefused: (s: Session, bytes: number, queued: number) => {
      const message = `${bytes} bytes of input refused: the program has not read the ${queued} bytes typed before (the queue holds at most ${INPUT_QUEUE_MAX_BYTES})`;
      this._log.warn(`session ${s.id}: ${message}`);
      this.recordEvent(s.id, 'input.refused', { bytes, queued, limit: INPUT_QUEUE_MAX_BYTES, message });
    },
  };

  /**
   * Session directories that no database row owns (state.db deleted, emptied or replaced while sessions/ stayed):
   * their ids are never handed out again, or a new session would append to an old session's log, and the loss is
   * said loudly, in daemon.log and as a `daemon.warning` event. Their files are left where they are.
   */
  private _protectUnrecordedDirs(): void {
    let names: string[];
    try {
      names = readdirSync(this._paths.sessionsDir);
    } catch {
      return; // no sessions directory yet: no id to protect
    }
    const orphans = names.filter((n) => /^[1-9]\d*$/.test(n)).map(Number).filter((id) => !this.sessions.has(id));
    if (!orphans.length) return;
    orphans.sort((a, b) => a - b);
    const highest = orphans[orphans.length - 1]!;
    this._persist('session id high-water mark', () => this._store.reserveSessionIdsThrough(highest));
    const shown = orphans.length > 10 ? `${orphans.slice(0, 10).join(', ')} … ${highest}` : orphans.join(', ');
    const message =
      `${orphans.length} session director${orphans.length === 1 ? 'y' : 'ies'} in ${this._paths.sessionsDir} ${orphans.length === 1 ? 'has' : 'have'} no record in ` +
      `${this._paths.db} (ids ${shown}): the database was lost, emptied or replaced. Their logs are kept; new sessions get ids above ${highest}`;
    this._log.error(message);
    this.recordEvent(null, 'daemon.warning', { message, ids: orphans });
  }

  list(): Session[] {
    return [...this.sessions.values()];
  }

  running(): Session[] {
    return this.list().filter((s) => s.running);
  }

  /** The session a CW_SESSION_TOKEN belongs to, or null when no session has it. */
  sessionByToken(token: string): Session | null {
    const id = this._store.sessionIdByTokenHash(hashToken(token));
    return id === null ? null : (this.sessions.get(id) ?? null);
  }

  setStateCard(s: Session, card: string | null): void {
    this._store.setStateCard(s.id, card);
    s.row.stateCard = card;
    this.recordEvent(s.id, 'state.card', { card });
  }

  /** Resolves an id, a name or @name; a name prefers the running session, then the newest. */
  resolve(ref: string): Session {
    const byName = ref.startsWith('@') ? ref.slice(1) : null;
    if (byName === null && /^\d+$/.test(ref)) {
      const s = this.sessions.get(Number(ref));
      if (s) return s;
      throw notFound(ref);
    }
    const name = byName ?? ref;
    let best: Session | null = null;
    for (const s of this.sessions.values()) {
      if (s.row.name !== name) continue;
      if (!best || (s.running && !best.running) || (s.running === best.running && s.id > best.id)) best = s;
    }
    if (!best) throw notFound(ref);
    return best;
  }

  launch(args: LaunchArgs): Session {
    const [cmd, ...cmdArgs] = args.command;
    if (!cmd) throw invalid('a command is required', 'cw launch -- CMD [ARGS]');
    if (args.name !== undefined) {
      if (!SESSION_NAME_RE.test(args.name)) {
        throw invalid(`invalid name '${args.name}'`, 'names are 1-64 of [a-zA-Z0-9._-], starting with a letter or digit');
      }
      const taken = this.list().find((s) => s.running && s.row.name === args.name);
      if (taken) {
        throw new CwError(ErrorCode.NAME_TAKEN, `name '${args.name}' is already used by running session ${taken.id}`, 'pick another --name, or `cw kill` that session first');
      }
    }
    const cwd = args.cwd ?? homedir();
    let cwdOk = false;
    try {
      cwdOk = statSync(cwd).isDirectory();
    } catch {
      cwdOk = false; // missing: reported below
    }
    if (!cwdOk) throw invalid(`directory '${cwd}' does not exist or is not a directory`, 'pass an existing directory with --dir');
    const base = args.baseEnv ?? (process.env as Record<string, string>);
    const pathVar = args.env.PATH ?? base.PATH;
    const file = resolveCommand(cmd, cwd, pathVar);
    if (!file) {
      throw invalid(
        cmd.includes('/') ? `command '${cmd}' does not exist or is not executable` : `command '${cmd}' not found in PATH`,
        'check the spelling, or give the full path to the program',
      );
    }
    const cols = args.cols ?? DEFAULT_COLS;
    const rows = args.rows ?? DEFAULT_ROWS;
    const createdAt = new Date().toISOString();
    if (args.agent !== undefined && !isAgentKind(args.agent)) {
      throw invalid(`unknown agent kind '${args.agent}'`, `kinds: ${AGENT_KINDS.join(', ')}`);
    }
    const agent: AgentKind = args.agent ?? detectAgent(args.command);
    const id = this._insertSession({
      name: args.name ?? null, command: args.command, cwd, tags: args.tags, agent, pid: null, createdAt, cols, rows,
    });
    const row = this._store.sessionRow(id);
    const session = new Session(row, this._hooks);
    const dir = sessionDir(this._paths, id);
    let log: OutputLog | null = null;
    /** Only a directory this launch made is removed when the launch fails. */
    let madeDir = false;
    const screen = this._screens.open(id, cols, rows, SCREEN_SCROLLBACK_LINES, {
      parsed: (n) => session.screenParsed(n),
      respond: (d) => session.screenResponse(d),
    });
    try {
      mkdirSync(this._paths.sessionsDir, { recursive: true, mode: 0o700 });
      // Not recursive: an existing directory (another session's logs) fails here rather than being appended to.
      mkdirSync(dir, { mode: 0o700 });
      madeDir = true;
      log = new OutputLog(dir, this._logRotateBytes, (m) => this._hooks.logError(session, m));
      const token = randomBytes(SESSION_TOKEN_BYTES).toString('base64url');
      this._store.setTokenHash(id, hashToken(token));
      const env = buildEnv({ base, overrides: args.env, term: chooseTerm(args.term), id, name: args.name ?? null, token });
      // The agent's own hooks/notify for this run only (never the user's files): the command cw runs may get
      // options after the agent's program word; `cw list` still shows the command as the user gave it.
      let argv = cmdArgs;
      const wired = args.hooks && this._options.agentHooks ? this._wireHooks(agent, args.command, dir, env) : undefined;
      const wiring = wired && 'argv' in wired ? wired : undefined;
      if (wiring) {
        for (const f of wiring.files) writeFileSync(f.path, f.content, { mode: 0o600 });
        Object.assign(env, wiring.env);
        argv = wiring.argv.slice(1);
      }
      session.signals.wiring = wiring ? wiring.summary : wired && 'unavailable' in wired ? `none: ${wired.unavailable}` : this._noWiring(agent, args.hooks);
      const pty = new PtyProcess(
        { file, args: argv, cwd, env, cols, rows },
        (buf) => session.handleOutput(buf),
        (e) => session.handleExit(e),
      );
      row.pid = pty.pid;
      const activity = new ActivityMonitor(
        agent,
        screen,
        () => ({ lastOutputAt: session.lastOutputMs || Date.parse(createdAt), pid: session.pid, alive: session.running, ...(session.signals.hint ? { hint: session.signals.hint } : {}) }),
        (c) => this._activityChanged(session, c),
        (note, screenSays, hint) => this.recordEvent(id, 'activity.disagreement', { note, inferred: screenSays, hook: hint.activity, hookReason: hint.reason }),
      );
      session.start({ pty, log, screen, activity });
    } catch (err) {
      log?.close();
      screen.close();
      this._store.deleteSession(id);
      if (madeDir) rmSync(dir, { recursive: true, force: true });
      const files = outOfDescriptors(err);
      if (files) {
        this._log.error(`cannot start session for '${cmd}': ${files}`);
        throw new CwError(ErrorCode.INTERNAL, `could not start '${cmd}': ${files}`, 'end sessions you no longer need (`cw kill`), or raise the limit (`ulimit -n`) and restart the daemon (`cw stop`)');
      }
      // A failure that already has its code keeps it; the disk or the home refusing is the daemon's side,
      // not a bad argument; anything else is the program failing to start (exec format, permissions).
      if (err instanceof CwError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EROFS' || code === 'EDQUOT' || code === 'EIO') {
        throw new CwError(ErrorCode.INTERNAL, `could not start '${cmd}': ${code} writing ${this._paths.home}`, 'free some space or fix the disk, then launch again');
      }
      throw invalid(`could not start '${cmd}': ${(err as Error).message}`);
    }
    this._persist(`start of session ${id}`, () => this._store.updateLive({ id, outputBytes: 0, lastOutputAt: null, cols, rows, pid: row.pid }));
    this.recordEvent(id, 'session.created', { command: args.command, cwd, name: args.name ?? null, tags: args.tags, agent, hooks: session.signals.wiring });
    this.sessions.set(id, session);
    this._log.info(`session ${id} launched: ${args.command.join(' ')} (pid ${row.pid})`);
    this.events.emit('created', session);
    return session;
  }

  /** Records a new session and returns its id, which is never one whose directory already exists. */
  private _insertSession(s: Parameters<Store['insertSession']>[0]): number {
    for (let attempt = 0; ; attempt++) {
      let id: number;
      try {
        id = this._store.insertSession(s);
      } catch (err) {
        const code = (err as { code?: string }).code ?? (err as Error).message;
        throw new CwError(ErrorCode.INTERNAL, `cannot record the new session: ${code}`, `is the disk holding ${this._paths.home} full?`);
      }
      if (!existsSync(sessionDir(this._paths, id))) return id;
      // A directory appeared that no row owns (copied in, or the high-water mark could not be saved at start):
      // skip past every such id, say so, and try again once.
      this._store.deleteSession(id);
      this._protectUnrecordedDirs();
      if (attempt > 0) {
        throw new CwError(ErrorCode.INTERNAL, `cannot pick a new session id: ${sessionDir(this._paths, id)} already exists`, `move unrecorded directories out of ${this._paths.sessionsDir}`);
      }
    }
  }

  /** The hook wiring for one launch, or undefined when the agent offers none cw can use here. */
  private _wireHooks(agent: AgentKind, command: string[], dir: string, env: Record<string, string>): HookWiring | { unavailable: string } | undefined {
    const hooks = agentProfile(agent).hooks;
    if (!hooks) return undefined;
    return hooks.wire({
      argv: command,
      programIndex: agentProgramIndex(command, agent),
      hookCommand: hookCommand(agent),
      dir,
      env,
      home: env.HOME ?? homedir(),
    });
  }

  private _noWiring(agent: AgentKind, asked: boolean): string | null {
    const profile = agentProfile(agent);
    if (!profile.typesNotices) return null; // shells and unknown programs have no hooks to speak of
    if (!asked) return 'off (--no-hooks)';
    if (!this._options.agentHooks) return 'off ([agents] hooks = false)';
    if (!profile.hooks) return `none: ${profile.label} offers no hooks cw uses yet (the screen decides alone)`;
    return `none: the ${profile.label} program is not a word of its own in the command (started inside a shell string, or --agent names another program)`;
  }

  /**
   * One signal from the agent itself (`cw hook`): its word on the turn (a hint for inference, which weighs it
   * against the screen), its conversation id and transcript (stored, to resume it later), its last reply.
   */
  applyHook(s: Session, kind: string, event: string, payload: unknown): void {
    const profile = agentProfile(kind);
    const signal = profile.hooks?.interpret(event, payload);
    if (!signal) return;
    const now = Date.now();
    const sig = s.signals;
    if (signal.turnStarted) {
      sig.turnStartedAt = now;
      sig.lastMessage = undefined;
    }
    if (signal.lastMessage !== undefined) sig.lastMessage = { text: signal.lastMessage, at: now };
    if (signal.activity) sig.hint = { activity: signal.activity, at: now, reason: signal.reason };
    const conv = signal.conversationId ?? s.row.conversationId;
    const transcript = signal.transcriptPath ?? (signal.conversationId && signal.conversationId !== s.row.conversationId ? null : s.row.transcriptPath);
    if (conv !== s.row.conversationId || transcript !== s.row.transcriptPath) {
      s.row.conversationId = conv;
      s.row.transcriptPath = transcript;
      this._persist(`conversation of session ${s.id}`, () => this._store.setConversation(s.id, conv, transcript));
      this.recordEvent(s.id, 'agent.conversation', { id: conv, transcript });
    }
    this.recordEvent(s.id, 'agent.hook', { event: event || kind, ...(signal.activity ? { activity: signal.activity } : {}), reason: signal.reason });
    // Waiters look again (a turn may have started and ended between two screen samples), then the screen.
    this.events.emit('hook', s);
    void s.activity?.sampleNow();
  }

  /**
   * Runs a database write whose failure (a full disk, SQLITE_FULL) must not break the session's life: the
   * in-memory state stays right and is written again at the next change; the problem is logged in one line.
   */
  private _persist(what: string, write: () => void): void {
    try {
      write();
    } catch (err) {
      this._log.warn(`database write failed (${what}): ${(err as { code?: string }).code ?? (err as Error).message}`);
    }
  }

  /**
   * Stores an event in the history and hands it to live subscribers ('event'). Stored first, so a subscriber
   * that reads the history and then listens sees every event once. A failed write still reaches live ones.
   */
  recordEvent(sessionId: number | null, type: string, data: Record<string, unknown>): void {
    const at = new Date().toISOString();
    let id = 0;
    this._persist(`${type} event`, () => (id = this._store.addEvent(sessionId, at, type, data)));
    const ev: EventRecord = { id, sessionId, at, type, data };
    this.events.emit('event', ev);
  }

  eventHistory(afterId: number, limit: number): EventRecord[] {
    return this._store.events(null, afterId, limit) as EventRecord[];
  }

  lastEvents(sessionIds: number[] | null, count: number): EventRecord[] {
    return this._store.lastEvents(sessionIds, count) as EventRecord[];
  }

  private _activityChanged(s: Session, c: ActivityChange): void {
    const since = new Date(c.since).toISOString();
    s.setActivity(c.activity, since, c.reason);
    // A new reason alone (e.g. "output 0.4s ago") only updates what `cw status` shows: no write, no event.
    if (!c.changed) return;
    this._persist(`activity of session ${s.id}`, () => this._store.updateActivity(s.id, c.activity, since, c.reason));
    this.recordEvent(s.id, 'activity', { activity: c.activity, previous: c.previous, since, reason: c.reason });
    this.events.emit('activity', s, c);
  }

  private _ended(s: Session): void {
    const r = s.row;
    this._persist(`end of session ${r.id}`, () =>
      this._store.updateEnd({
        id: r.id, state: r.state, exitCode: r.exitCode, signal: r.signal, endedAt: r.endedAt, outputBytes: r.outputBytes, lastOutputAt: s.lastOutputAt,
      }),
    );
    this.recordEvent(r.id, 'session.ended', { state: r.state, exitCode: r.exitCode, signal: r.signal });
    this._log.info(`session ${r.id} ${r.state}${r.exitCode !== null ? ` (code ${r.exitCode})` : ''}${r.signal ? ` (${r.signal})` : ''}`);
    this.events.emit('ended', s);
    this._screenSaved.delete(s.id);
    const screen = s.takeEndedScreen();
    if (screen) {
      const saving = this._saveScreen(s.id, screen).finally(() => {
        screen.close();
        this._finalSaves.delete(s.id);
      });
      this._finalSaves.set(s.id, saving);
    }
  }

  private async _saveChangedScreens(): Promise<void> {
    for (const s of this.running()) {
      const screen = s.screen;
      if (!screen || this._screenSaved.get(s.id) === s.row.outputBytes) continue;
      this._screenSaved.set(s.id, s.row.outputBytes);
      await this._saveScreen(s.id, screen);
    }
  }

  private async _saveScreen(id: number, screen: NonNullable<ReturnType<Session['takeEndedScreen']>>): Promise<void> {
    try {
      const [snap, ansi, lines] = await Promise.all([screen.snapshot(), screen.serialize(0), screen.lines(ATTACH_SCROLLBACK_LINES)]);
      const saved: SavedScreen = {
        text: screenText(snap.lines),
        ansi: ansi.length > LAST_SCREEN_MAX_BYTES ? '' : ansi,
        lines: trimToBytes(lines, LAST_SCREEN_MAX_BYTES),
        cols: snap.cols,
        rows: snap.rows,
        cursor: snap.cursor,
      };
      if (this.sessions.has(id)) this._persist(`screen of session ${id}`, () => this._store.saveLastScreen(id, JSON.stringify(saved)));
    } catch (err) {
      this._log.warn(`session ${id}: could not save the last screen: ${(err as Error).message}`);
    }
  }

  /** Sessions that ended and whose last screen is being saved: readers wait for it rather than find nothing. */
  private readonly _finalSaves = new Map<number, Promise<void>>();

  /** The saved last screen of an ended session, once its final save (if one is under way) is done. */
  async finalScreen(id: number): Promise<SavedScreen | null> {
    await this._finalSaves.get(id);
    return this.savedScreen(id);
  }

  savedScreen(id: number): SavedScreen | null {
    const raw = this._store.lastScreen(id);
    if (!raw) return null;
    try {
      return JSON.parse(raw) as SavedScreen;
    } catch {
      return null; // an unreadable saved screen is reported as none
    }
  }

  /** Drops an ended session, its row and its logs. */
  remove(s: Session): void {
    if (s.running) throw new CwError(ErrorCode.INVALID_ARGUMENT, `session ${s.id} is still running`, `stop it first with \`cw kill ${s.id}\``);
    // Files first: on a full disk, deleting the logs is what frees the space the database needs.
    rmSync(sessionDir(this._paths, s.id), { recursive: true, force: true });
    try {
      this._store.deleteSession(s.id);
    } catch (err) {
      const code = (err as { code?: string }).code ?? (err as Error).message;
      throw new CwError(ErrorCode.INTERNAL, `removed the logs of session ${s.id} but not its record: ${code}`, `free some space in ${this._paths.home}, then run \`cw rm ${s.id}\` again`);
    }
    this.sessions.delete(s.id);
    this.recordEvent(s.id, 'session.removed', {});
    this.events.emit('removed', s);
  }

  /** Keeps the event history bounded (see EVENT_HISTORY_MAX_ROWS); checked at start and hourly. */
  private _pruneEvents(): void {
    this._persist('event history pruning', () => {
      const dropped = this._store.pruneEvents(EVENT_HISTORY_MAX_ROWS);
      if (dropped) this._log.info(`dropped the ${dropped} oldest events (the history keeps ${EVENT_HISTORY_MAX_ROWS})`);
    });
    this._pruneTimer ??= setInterval(() => this._pruneEvents(), 3600_000);
    this._pruneTimer.unref();
  }

  private _pruneTimer: NodeJS.Timeout | undefined;

  /** Writes changed live counters to the database, so a crash loses at most PERSIST_INTERVAL_MS of them. */
  persistLive(): void {
    for (const s of this.running()) {
      if (this._persisted.get(s.id) === s.row.outputBytes) continue;
      this._persisted.set(s.id, s.row.outputBytes);
      this._persist(`counters of session ${s.id}`, () =>
        this._store.updateLive({ id: s.id, outputBytes: s.row.outputBytes, lastOutputAt: s.lastOutputAt, cols: s.row.cols, rows: s.row.rows, pid: s.pid }),
      );
    }
  }

  dispose(): void {
    clearInterval(this._persistTimer);
    if (this._pruneTimer) clearInterval(this._pruneTimer);
    clearInterval(this._screenTimer);
    this.persistLive();
  }
}

/** The command an agent's hook runs: this very cw (absolute node and script), so PATH does not matter. */
function hookCommand(agent: AgentKind): string[] {
  return [process.execPath, fileURLToPath(new URL('./cw.js', import.meta.url)), 'hook', agent];
}

/**
 * When a launch failed for want of file descriptors, says so (with the counts when they can be read); null
 * otherwise. node-pty reports only "forkpty(3) failed." whatever the cause, so a failure without an errno is
 * checked by opening as many files as a session needs (pty master and slave, our slave handle, the log).
 */
function outOfDescriptors(err: unknown): string | null {
  const code = (err as NodeJS.ErrnoException).code;
  let out = code === 'EMFILE' || code === 'ENFILE' ? code : null;
  if (!out) {
    const fds: number[] = [];
    try {
      for (let i = 0; i < 4; i++) fds.push(openSync('/dev/null', 'r'));
    } catch (e) {
      const c = (e as NodeJS.ErrnoException).code;
      if (c === 'EMFILE' || c === 'ENFILE') out = c;
    } finally {
      for (const fd of fds) closeSync(fd);
    }
  }
  if (!out) return null;
  if (out === 'ENFILE') return 'the system has too many open files (ENFILE)';
  let counts = '';
  try {
    const limit = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1];
    const open = readdirSync('/proc/self/fd').length;
    counts = limit ? `: ${open} open, limit ${limit}` : '';
  } catch {
    counts = ''; // reading the counts needs descriptors too; the message stands without them
  }
  return `the daemon has too many open files (EMFILE${counts})`;
}

/** Visible rows as text, trailing blank rows dropped. */
export function screenText(lines: string[]): string {
  let end = lines.length;
  while (end > 0 && lines[end - 1]!.trim() === '') end--;
  return lines.slice(0, end).join('\n');
}

function trimToBytes(lines: string[], max: number): string[] {
  let total = 0;
  let i = lines.length;
  while (i > 0 && total + lines[i - 1]!.length + 1 <= max) total += lines[--i]!.length + 1;
  return lines.slice(i);
}
