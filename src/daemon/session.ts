// A Session owns one program's pty, its output log, its headless screen and the clients attached to it.
// Output is read once and fans out in a fixed order: clients → log → screen (see handleOutput).
// The pty is reached only through SessionPty (pty.ts), so a session runs as well on a fake (tests/unit/session.test.ts).
import { constants as osConstants } from 'node:os';
import type { Activity, PromptState, SessionInfo } from '../protocol/index.js';
import type { Hint } from './activity/infer.js';
import { afterAck, holdsBack, SessionFlow, type FlowClient } from './flow.js';
import { INPUT_QUEUE_MAX_BYTES } from './limits.js';
import type { OutputLog } from './output-log.js';
import type { DetachedPty, PtyExit, SessionPty } from './pty.js';
import type { Screen } from './screen.js';
import type { ActivityMonitor } from './activity-monitor.js';
import type { SessionRow } from './store.js';

/** What a session needs from a connected client; the connection implements it per stream. */
export interface SessionClient extends FlowClient {
  cols: number;
  rows: number;
  /** Live output, in order. */
  output(buf: Uint8Array): void;
  /** The session ended; all of its output was delivered before this call. */
  ended(info: SessionInfo): void;
  /**
   * How this client wants the session sized among several (tmux's window-size): 'latest', the most recent
   * interactive writer's size (the default), or 'smallest', one that fits every interactive client.
   */
  sizePolicy?: 'latest' | 'smallest';
  /** The session's size changed: a client of another size redraws its clipped view (streams.ts). */
  sizeChanged?(): void;
  /**
   * Called after every change that may change Session.mayWriteDirectly's answer: a client offered direct input
   * (direct-input.ts) asks it and tells its terminal of a change.
   */
  directInputMayHaveChanged?(): void;
}

export interface SessionHooks {
  /** The session's process ended and its output is drained. */
  ended(s: Session): void;
  /** A log write failed (full disk...). */
  logError(s: Session, message: string): void;
  /** Input was refused because the program left too much unread (INPUT_QUEUE_MAX_BYTES); said once per episode. */
  inputRefused(s: Session, bytes: number, queued: number): void;
}

/** What a session needs of its output log (OutputLog). */
export type SessionLog = Pick<OutputLog, 'append' | 'close' | 'error'>;

/** The live parts of a running session. */
export interface SessionLive {
  pty: SessionPty;
  log: SessionLog;
  screen: Screen;
  activity: ActivityMonitor;
}

/** What the agent itself said through its hooks or notify (agents/types.ts HookSignal), kept per session. */
export interface AgentSignals {
  /** The latest activity the agent reported, for inference (it expires there). */
  hint?: Hint;
  /** The reply of the latest finished turn, as the agent gave it, and when. */
  lastMessage?: { text: string; at: number };
  /** Epoch ms the latest turn started by the agent's word (0: never said). */
  turnStartedAt: number;
  /** What cw added to the agent's command line for its hooks, or why nothing (shown by `cw status`). */
  wiring: string | null;
}

export class Session {
  readonly clients = new Set<SessionClient>();
  readonly signals: AgentSignals = { turnStartedAt: 0, wiring: null };
  /** A `launch --prompt` and where it stands (prompts.ts). */
  prompt: PromptState | null = null;
  /** The text of a launch prompt still held back, and until when (epoch ms): a daemon restart carries it over. */
  heldPrompt: { text: string; deadline: number } | null = null;
  private _live: SessionLive | null = null;
  private _endedScreen: Screen | null = null;
  /** Pauses and resumes the live pty; a session that ended has nothing left to pause. */
  private readonly _flow = new SessionFlow({
    pause: (reason) => this._live?.pty.pause(reason),
    resume: (reason) => this._live?.pty.resume(reason),
  });
  /** The client whose size applies: the most recent interactive writer. */
  private _sizeOwner: SessionClient | null = null;
  private _lastOutputMs = 0;
  /** Set by kill(): the end is recorded as 'killed', never overwritten by the exit that follows. */
  private _killRequested = false;
  /** Launch size, restored when the last interactive client leaves. */
  readonly launchCols: number;
  readonly launchRows: number;
  private readonly _endWaiters: (() => void)[] = [];

  constructor(
    readonly row: SessionRow,
    private readonly _hooks: SessionHooks,
  ) {
    this.launchCols = row.cols;
    this.launchRows = row.rows;
    this._lastOutputMs = row.lastOutputAt ? Date.parse(row.lastOutputAt) : 0;
  }

  get id(): number {
    return this.row.id;
  }

  get running(): boolean {
    return this.row.state === 'running' && this._live !== null;
  }

  get screen(): Screen | null {
    return this._live?.screen ?? null;
  }

  get activity(): ActivityMonitor | null {
    return this._live?.activity ?? null;
  }

  get lastOutputMs(): number {
    return this._lastOutputMs;
  }

  get logError(): string | null {
    return this._live?.log.error ?? null;
  }

  /** The program has ended and its last output is being read: the end follows shortly. */
  get exiting(): boolean {
    return this._live?.pty.exiting ?? false;
  }

  /** Hands the pty to the next daemon (handover.ts): see SessionPty.detach. */
  detachPty(): DetachedPty | string {
    const pty = this._live?.pty;
    if (!pty) return 'it is not running';
    return pty.detach ? pty.detach() : 'its pty cannot be handed over';
  }

  reattachPty(): void {
    this._live?.pty.reattach?.();
  }

  /** Wires up the live parts once the process has started. */
  start(live: SessionLive): void {
    this._live = live;
  }

  /**
   * pty → clients → log → screen. Called for every chunk the pty yields. Clients first: an attached terminal's
   * echo must not wait for a disk write (a stalled disk would freeze typing); all three happen in this one
   * synchronous call, so a follower registered between chunks still meets the log exactly.
   */
  handleOutput(buf: Buffer, reused = false): void {
    const live = this._live;
    if (!live) return;
    this.row.outputBytes += buf.length;
    this._lastOutputMs = Date.now();
    // `reused`: the bytes are the pty's read buffer, overwritten by its next read (direct-pty.ts). The log
    // writes them at once and the screen copies them in; clients keep them queued, so they share one copy.
    if (this.clients.size) {
      const own = reused ? Buffer.from(buf) : buf;
      for (const c of this.clients) c.output(own);
    }
    live.log.append(buf);
    live.screen.write(buf);
    this._flow.screenPosted(buf.length);
    live.activity.noteOutput();
  }

  /** The screen worker finished parsing `bytes`. */
  screenParsed(bytes: number): void {
    this._flow.screenParsed(bytes);
  }

  /**
   * Terminal query answers from the headless terminal, used only while no interactive terminal is attached:
   * an attached terminal answers by itself (its replies arrive as input), and nothing may answer twice.
   * A read-only client's terminal answers too, but its input is dropped, so it does not count.
   */
  screenResponse(data: string): void {
    if (!this._live) return;
    for (const c of this.clients) if (c.kind === 'attach' && !c.readOnly) return;
    this._live.pty.write(data);
  }

  /** Epoch ms of the last input written by a client or `cw send` (0: never). */
  lastInputAt = 0;
  /** Epoch ms of the last keystroke from an attached terminal: a person is typing. */
  lastHumanInputAt = 0;

  /** Input bytes the program has not read yet, beyond what the kernel's pty buffer holds. */
  get queuedInput(): number {
    return this._live?.pty.queuedInputBytes ?? 0;
  }

  /** The pty master while the program runs, when the daemon holds it itself (see SessionPty.masterFd). */
  get masterFd(): number | null {
    return this._live?.pty.masterFd ?? null;
  }

  /** Whether `bytes` more input fit under INPUT_QUEUE_MAX_BYTES now. */
  inputFits(bytes: number): boolean {
    return this.queuedInput + bytes <= INPUT_QUEUE_MAX_BYTES;
  }

  /** Set while input is being refused, so a terminal typing into a stuck program is reported once, not per key. */
  private _refusing = false;

  /**
   * Types into the program. Returns false, writing nothing, when the program has left too much input unread
   * (INPUT_QUEUE_MAX_BYTES): the refusal is reported through the hooks, and callers that can answer someone
   * (`cw send`) check inputFits first. Empty input from a client is its word that a person typed straight into the
   * pty (direct-input.ts): it counts as their keystroke (who types, who sizes the session) and writes nothing.
   */
  write(data: Uint8Array | string, from?: SessionClient): boolean {
    if (!this._live) return false;
    const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    if (bytes === 0 && !from) return true;
    if (!this.inputFits(bytes)) {
      if (!this._refusing) this._hooks.inputRefused(this, bytes, this.queuedInput);
      this._refusing = true;
      return false;
    }
    this._refusing = false;
    this.lastInputAt = Date.now();
    if (from) this.lastHumanInputAt = this.lastInputAt;
    if (from && !from.readOnly && from !== this._sizeOwner) {
      this._sizeOwner = from;
      this._fitSize();
    }
    if (bytes > 0) this._live.pty.write(data);
    if (from) this._updateDirectInput();
    return true;
  }

  /**
   * Whether `c`'s keystrokes may go straight into the pty (direct-input.ts) rather than through write(): only
   * when they would change nothing write() does first. Typing makes the typist the size owner, and resizes before
   * its bytes reach the program, so a client whose typing would resize the session types through the daemon
   * until it owns the size; and nothing may overtake input the daemon still holds for the program.
   */
  mayWriteDirectly(c: SessionClient): boolean {
    if (!this._live || c.readOnly || this.queuedInput > 0) return false;
    const wanted = this._wantedSize(c);
    return wanted.cols === this.row.cols && wanted.rows === this.row.rows;
  }

  private _updateDirectInput(): void {
    for (const c of this.clients) c.directInputMayHaveChanged?.();
  }

  addClient(c: SessionClient): void {
    this.clients.add(c);
    if (c.kind === 'attach' && !c.readOnly) {
      this._sizeOwner = c;
      this._fitSize();
    }
    this._updateDirectInput();
  }

  removeClient(c: SessionClient): void {
    if (!this.clients.delete(c)) return;
    if (this._sizeOwner === c) {
      // The newest remaining interactive client takes over; with none left, go back to the launch size so
      // `cw screen` and activity rules see a stable geometry, not the last phone that attached.
      this._sizeOwner = [...this.clients].reverse().find((x) => x.kind === 'attach' && !x.readOnly) ?? null;
    }
    if (c.kind === 'attach' && !c.readOnly) this._fitSize();
    this._updateFlow();
    this._updateDirectInput();
  }

  resizeFrom(c: SessionClient, cols: number, rows: number): void {
    c.cols = cols;
    c.rows = rows;
    if (c.kind === 'attach' && !c.readOnly) this._fitSize();
    this._updateDirectInput();
  }

  /**
   * The size the interactive clients ask for: the smallest of them all when one of them wants 'smallest',
   * else the size owner's (the latest writer); the launch size with none attached.
   */
  private _fitSize(): void {
    const { cols, rows } = this._wantedSize(this._sizeOwner);
    this._applySize(cols, rows);
  }

  /** The size _fitSize applies when `owner` is the latest writer (the question mayWriteDirectly asks too). */
  private _wantedSize(owner: SessionClient | null): { cols: number; rows: number } {
    const interactive = [...this.clients].filter((x) => x.kind === 'attach' && !x.readOnly);
    if (interactive.length === 0) return { cols: this.launchCols, rows: this.launchRows };
    if (interactive.some((x) => x.sizePolicy === 'smallest')) {
      return { cols: Math.min(...interactive.map((x) => x.cols)), rows: Math.min(...interactive.map((x) => x.rows)) };
    }
    const o = owner ?? interactive[interactive.length - 1]!;
    return { cols: o.cols, rows: o.rows };
  }

  private _applySize(cols: number, rows: number): void {
    if (!this._live || (cols === this.row.cols && rows === this.row.rows)) return;
    this.row.cols = cols;
    this.row.rows = rows;
    this._live.pty.resize(cols, rows);
    this._live.screen.resize(cols, rows);
    // After the screen's resize was posted, so a client's clipped redraw is drawn at the new size.
    for (const c of this.clients) c.sizeChanged?.();
  }

  /** `bytes` of output went out to `c`; an interactive client's count towards pausing the pty (flow.ts). */
  sent(c: SessionClient, bytes: number): void {
    if (!holdsBack(c)) return;
    c.unacked += bytes;
    this._updateFlow();
  }

  /** `c` acknowledged consuming `bytes` of its output. */
  acked(c: SessionClient, bytes: number): void {
    c.unacked = afterAck(c.unacked, bytes);
    this._updateFlow();
  }

  private _updateFlow(): void {
    if (!this._live) return;
    this._flow.clientsChanged(this.clients);
  }

  kill(): boolean {
    if (!this._live || this._live.pty.exited) return false;
    this._killRequested = true;
    this._live.pty.kill();
    return true;
  }

  /** The process exited and its output is drained (the pty guarantees all data events came first). */
  handleExit(e: PtyExit): void {
    this.row.state = this._killRequested ? 'killed' : 'exited';
    this.row.exitCode = e.signal ? null : e.exitCode;
    this.row.signal = signalName(e.signal);
    this.row.endedAt = new Date().toISOString();
    this.row.lastOutputAt = this.lastOutputAt;
    this._live?.log.close();
    this._live?.activity.dispose();
    // The screen outlives the process until the registry has saved it (see Registry._ended).
    this._endedScreen = this._live?.screen ?? null;
    this._live = null;
    this._hooks.ended(this);
    const info = this.info();
    for (const c of [...this.clients]) c.ended(info);
    this.clients.clear();
    for (const w of this._endWaiters.splice(0)) w();
  }

  /** The screen of a session that just ended, handed over once for the final save. */
  takeEndedScreen(): Screen | null {
    const s = this._endedScreen;
    this._endedScreen = null;
    return s;
  }

  /** Resolves when the session is no longer running. */
  whenEnded(): Promise<void> {
    if (this.row.state !== 'running') return Promise.resolve();
    return new Promise((r) => this._endWaiters.push(r));
  }

  get lastOutputAt(): string | null {
    return this._lastOutputMs ? new Date(this._lastOutputMs).toISOString() : null;
  }

  get pid(): number | null {
    return this._live?.pty.pid ?? null;
  }

  setActivity(activity: Activity, since: string, reason: string): void {
    this.row.activity = activity;
    this.row.activitySince = since;
    this.row.activityReason = reason;
  }

  info(now = Date.now()): SessionInfo {
    const r = this.row;
    const lastMs = this._lastOutputMs || Date.parse(r.createdAt);
    const endMs = r.endedAt ? Date.parse(r.endedAt) : now;
    return {
      id: r.id,
      name: r.name,
      command: r.command,
      cwd: r.cwd,
      tags: r.tags,
      agent: r.agent,
      state: r.state,
      exitCode: r.exitCode,
      signal: r.signal,
      pid: r.state === 'running' ? (this.pid ?? r.pid) : r.pid,
      createdAt: r.createdAt,
      endedAt: r.endedAt,
      cols: r.cols,
      rows: r.rows,
      clients: [...this.clients].filter((c) => c.kind === 'attach').length,
      outputBytes: r.outputBytes,
      lastOutputAt: this.lastOutputAt,
      idleSeconds: Math.max(0, Math.floor((endMs - lastMs) / 1000)),
      activity: r.state === 'running' ? r.activity : 'unknown',
      activitySince: r.state === 'running' ? r.activitySince : null,
      activityReason: r.state === 'running' ? r.activityReason : null,
      stateCard: r.stateCard,
      hooks: this.signals.wiring,
      conversationId: r.conversationId,
      restartPolicy: r.restartPolicy,
      restartedFrom: r.restartedFrom,
      restartedAs: r.restartedAs,
      prompt: this.prompt,
    };
  }
}

/** A signal number's name, e.g. 9 → "SIGKILL". */
export function signalName(n: number): string | null {
  if (!n) return null;
  for (const [name, num] of Object.entries(osConstants.signals)) if (num === n) return name;
  return `SIG${n}`;
}
