// The registry holds every session the daemon knows (running and ended), resolves names and ties the session's
// life to the rest of the daemon. The work itself lives beside it: launch.ts starts a session, session-ids.ts
// picks its id, events-history.ts stores events, screen-saves.ts saves screens, persist.ts writes counters,
// session-token.ts makes and hashes identity tokens.
import { EventEmitter } from 'node:events';
import { rmSync } from 'node:fs';
import { ErrorCode, type EventRecord } from '../protocol/index.js';
import { sessionDir, type Paths } from '../common/paths.js';
import { CwError, notFound } from './errors.js';
import { INPUT_QUEUE_MAX_BYTES, KILL_GRACE_MS, logRotateBytes } from './limits.js';
import type { Logger } from './log.js';
import type { ActivityChange } from './activity-monitor.js';
import { agentProfile } from './agents/index.js';
import type { ScreenHost } from './screen.js';
import { Session, type SessionHooks } from './session.js';
import type { Store } from './store.js';
import { EventHistory } from './events-history.js';
import { launchSession, type LaunchArgs, type LaunchContext, type LaunchExtra } from './launch.js';
import { Reviver, type ReviveLost } from './revive.js';
import { followConversation } from './agents/resume.js';
import { LiveCounters, persistWith, type Persist } from './persist.js';
import { ScreenSaves, type SavedScreen } from './screen-saves.js';
import { protectUnrecordedDirs } from './session-ids.js';
import { hashToken } from './session-token.js';
import { adoptSession } from './adopt.js';
import type { Reaper } from './direct-pty.js';
import type { HandedSession } from './handover.js';
import type { HandoverAddon } from './native.js';
import { endOrphans } from './orphans.js';
import { hangUpGroup } from './pty.js';

export type { LaunchArgs } from './launch.js';
export { screenText, type SavedScreen } from './screen-saves.js';
export { hashToken } from './session-token.js';

export class Registry {
  readonly sessions = new Map<number, Session>();
  /** 'created', 'ended', 'removed', 'activity', 'prompt' (a launch prompt changed state), 'hook' (an agent signal) with the session; 'event' with a EventRecord. */
  readonly events = new EventEmitter();
  private readonly _persist: Persist;
  private readonly _history: EventHistory;
  private readonly _counters: LiveCounters;
  private readonly _screenSaves: ScreenSaves;
  private readonly _launch: LaunchContext;
  /** `cw restart`, restart policies and lost sessions revived at start (revive.ts). */
  readonly revive: Reviver;

  constructor(
    private readonly _paths: Paths,
    private readonly _store: Store,
    _screens: ScreenHost,
    private readonly _log: Logger,
    _options: { agentHooks: boolean; handedOver?: readonly number[]; reviveLost?: ReviveLost } = { agentHooks: true },
  ) {
    this.events.setMaxListeners(0);
    this._persist = persistWith(_log);
    this._history = new EventHistory(_store, _log, this._persist, this.events);
    this._launch = {
      paths: _paths,
      store: _store,
      log: _log,
      persist: this._persist,
      screens: _screens,
      agentHooks: _options.agentHooks,
      logRotateBytes: logRotateBytes(),
      hooks: this._hooks,
      recordEvent: (id, type, data) => this.recordEvent(id, type, data),
      known: (id) => this.sessions.has(id),
      running: () => this.running(),
      activityChanged: (s, c) => this._activityChanged(s, c),
    };
    const lost = _store.markLost(new Date().toISOString(), _options.handedOver ?? []);
    // daemon.log says so once the sessions are loaded (revive.ts lostAtStart), with how to revive them.
    if (lost.length) endOrphans(lost, _store, _log);
    for (const row of _store.allSessions()) this.sessions.set(row.id, new Session(row, this._hooks));
    protectUnrecordedDirs(this._launch);
    this._history.prune();
    this._counters = new LiveCounters(() => this.running(), _store, this._persist);
    this._screenSaves = new ScreenSaves({
      store: _store,
      log: _log,
      persist: this._persist,
      running: () => this.running(),
      known: (id) => this.sessions.has(id),
    });
    this.revive = new Reviver(this, _store, _log, _options.reviveLost ?? 'none');
    this.revive.lostAtStart(lost);
  }

  private readonly _hooks: SessionHooks = {
    ended: (s: Session) => this._ended(s),
    logError: (s: Session, message: string) => this._log.warn(`session ${s.id}: ${message}`),
    inputRefused: (s: Session, bytes: number, queued: number) => {
      const message = `${bytes} bytes of input refused: the program has not read the ${queued} bytes typed before (the queue holds at most ${INPUT_QUEUE_MAX_BYTES})`;
      this._log.warn(`session ${s.id}: ${message}`);
      this.recordEvent(s.id, 'input.refused', { bytes, queued, limit: INPUT_QUEUE_MAX_BYTES, message });
    },
  };

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

  /**
   * `cw rename`: a new name, refused when another running session has it (as launch --name); recorded as a
   * `session.renamed` event, so list, status and the dashboard (which follows events) show it at once.
   */
  rename(s: Session, name: string): string | null {
    const taken = this.running().find((x) => x !== s && x.row.name === name);
    if (taken) throw new CwError(ErrorCode.NAME_TAKEN, `name '${name}' is already used by running session ${taken.id}`, `pick another name, or \`cw kill ${taken.id}\` first`);
    const previous = s.row.name;
    if (previous === name) return previous;
    this._store.setName(s.id, name);
    s.row.name = name;
    this._log.info(`session ${s.id} renamed: ${previous ?? '(none)'} -> ${name}`);
    this.recordEvent(s.id, 'session.renamed', { from: previous, to: name });
    return previous;
  }

  /** Resolves an id, a name or @name; a name prefers the running session, then the newest. */
  resolve(ref: string): Session {
    const byName = ref.startsWith('@') ? ref.slice(1) : null;
    if (byName === null && /^\d+$/.test(ref)) {
      const s = this.sessions.get(Number(ref));
      if (s) return s;
      // A number is an id; a session *named* like one is reached with @.
      if ([...this.sessions.values()].some((x) => x.row.name === ref)) {
        throw new CwError(ErrorCode.NOT_FOUND, `no session has id ${ref}`, `a session is named '${ref}': use \`@${ref}\` to mean it`);
      }
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

  /**
   * Makes a session handed over by the previous daemon live again (adopt.ts). A session that cannot be taken is
   * ended here (its program gets SIGHUP, as a closing terminal does) and recorded lost, with the reason.
   */
  adopt(h: HandedSession, addon: HandoverAddon, reaper: Reaper): boolean {
    const s = this.sessions.get(h.id);
    try {
      if (!s || s.row.state !== 'running') throw new Error('no running session with this id in the database');
      adoptSession(this._launch, s, h, addon, reaper);
      return true;
    } catch (err) {
      const why = (err as Error).message;
      this._log.error(`session ${h.id} could not be taken over (${why}): its program is ended and the session recorded lost`);
      hangUpGroup(h.pid, KILL_GRACE_MS);
      if (s?.row.state === 'running') {
        const r = s.row;
        r.state = 'lost';
        r.endedAt = new Date().toISOString();
        this._persist(`end of session ${r.id}`, () =>
          this._store.updateEnd({ id: r.id, state: 'lost', exitCode: null, signal: null, endedAt: r.endedAt, outputBytes: r.outputBytes, lastOutputAt: r.lastOutputAt }),
        );
      }
      this.recordEvent(h.id, 'session.ended', { state: 'lost', exitCode: null, signal: null, reason: why });
      return false;
    }
  }

  /** Starts a session (launch.ts) and adds it: 'created' is emitted once it is in the map. */
  launch(args: LaunchArgs, extra?: LaunchExtra): Session {
    const session = launchSession(this._launch, args, extra);
    this.sessions.set(session.id, session);
    this._log.info(`session ${session.id} launched: ${args.command.join(' ')} (pid ${session.row.pid})`);
    this.events.emit('created', session);
    return session;
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
    const { conversationId: conv, transcriptPath: transcript } = followConversation(s.row, signal);
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

  /** Stores an event and hands it to live subscribers ('event'); see EventHistory.record. */
  recordEvent(sessionId: number | null, type: string, data: Record<string, unknown>): void {
    this._history.record(sessionId, type, data);
  }

  eventHistory(afterId: number, limit: number): EventRecord[] {
    return this._history.after(afterId, limit);
  }

  lastEvents(sessionIds: number[] | null, count: number): EventRecord[] {
    return this._history.last(sessionIds, count);
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
    this._screenSaves.saveFinal(s);
  }

  /** The saved last screen of an ended session, once its final save (if one is under way) is done. */
  finalScreen(id: number): Promise<SavedScreen | null> {
    return this._screenSaves.final(id);
  }

  savedScreen(id: number): SavedScreen | null {
    return this._screenSaves.saved(id);
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

  /** Writes changed live counters to the database, so a crash loses at most PERSIST_INTERVAL_MS of them. */
  persistLive(): void {
    this._counters.write();
  }

  dispose(): void {
    this.revive.dispose();
    this._counters.stop();
    this._history.stop();
    this._screenSaves.stop();
    this.persistLive();
  }
}
