// Activity inference for one moment: screen + timing + process facts + the agent's own hook signal in, one
// verdict out. Pure and stateless; hysteresis (how long idle must hold before it is believed) lives in
// ActivityTracker. Signals are layered strongest first (AGENT-SCREENS.md §3.2): process → a live dialog on
// screen (the agent's known dialogs, then the general recogniser) → in-band title/progress → agent hooks →
// the agent's ready prompt. Waiting beats working beats idle.
//
// Positive evidence: a recognised agent is idle only when its own ready prompt is on the live screen (or its
// hook says the turn is over) and nothing blocks it. Quiet output alone never makes it idle: that is
// `unknown`, and nothing types into an unknown session.

import type { ScreenSnapshot } from '../screen-snapshot.js';
import { AGENTS } from '../agents/index.js';
import { findDialog } from '../agents/dialog.js';
import { prepareScreen, quote } from '../agents/screen.js';
import type { Activity, AgentKind, Reading, Screen, TitleRules } from '../agents/types.js';

export type { Activity } from '../agents/types.js';

export interface Hint {
  activity: 'working' | 'idle' | 'waiting_for_input';
  /** Epoch ms the agent reported it. */
  at: number;
  /** What the agent said (`agent hook: Stop`). */
  reason: string;
}

export interface InferInput {
  agent: AgentKind;
  screen: ScreenSnapshot;
  /** Epoch ms of this evaluation. */
  now: number;
  /** Epoch ms of the last byte the program wrote to the pty. */
  lastOutputAt: number;
  processAlive: boolean;
  /** For shells: true when the shell itself, not a child job, owns the pty foreground. */
  foregroundIsShell?: boolean;
  /** Name of the pty's foreground process, used only to word the reason. */
  foregroundCommand?: string;
  /** The agent's own latest signal (hooks, notify), valid while fresh. */
  hint?: Hint;
}

export interface InferResult {
  activity: Activity;
  /** Short human text naming the deciding signal. */
  reason: string;
  /** Idle backed by a turn-over marker (done line, interrupt notice, hook): settles faster. */
  explicit?: boolean;
  /** The screen is covered by an overlay and says nothing: keep the previous state. */
  hold?: boolean;
  /** The agent's hook and the screen rules disagree: recorded as an event so the rules can be fixed. */
  disagreement?: string;
}

/** Output within this window counts as activity for programs without markers (§3.5). */
export const QUIET_IDLE_MS = 1_500;
/** A "working" hint with no busy evidence on screen is trusted this long (thinking-phase Esc fires no hook; §3.2). */
export const HINT_UNCONFIRMED_MS = 5_000;
/** Hook "working" expires after this even without contradiction (agent-deck trusts Codex "running" for 20 s). */
export const HINT_WORKING_FRESH_MS = 20_000;
/** Hook "waiting"/"idle" expire after this (agent-deck trusts Claude hook states for 2 min). */
export const HINT_FRESH_MS = 120_000;
/** A hook younger than this that the screen contradicts is worth recording (older ones are simply stale). */
export const HINT_DISAGREE_MS = 3_000;
/** OSC 9;4 states that mean "in progress": 1 = normal, 3 = indeterminate (2 = error, 4 = paused, 0 = cleared). */
const PROGRESS_BUSY_STATES: ReadonlySet<number> = new Set([1, 3]);

export function inferActivity(input: InferInput): InferResult {
  if (!input.processAlive) return { activity: 'unknown', reason: 'process not running' };
  const screen = prepareScreen(input.screen);
  if (screen.lines.every((l) => l === '') && !screen.title) return { activity: 'unknown', reason: 'screen empty' };
  if (input.agent === 'shell') return inferShell(input, screen);
  if (input.agent === 'generic') return inferGeneric(input, screen);
  return inferAgent(input, screen);
}

function inferAgent(input: InferInput, screen: Screen): InferResult {
  const profile = AGENTS[input.agent];
  const reading = profile.read(screen);
  if (reading.hold) return { activity: 'unknown', reason: reading.hold.reason, hold: true };
  const title = readTitle(profile.title, screen.title);
  const hint = freshHint(input);
  const recent = hint && input.now - hint.at <= HINT_DISAGREE_MS ? hint : undefined;
  const sawChrome = reading.idle !== undefined || reading.working !== undefined;

  const app = appState(screen.appState);

  // 1. Anything that blocks the agent on a person.
  if (reading.waiting) return waiting(reading.waiting.reason);
  if (title === 'waiting_for_input') return waiting(`title ${quote(screen.title)}`);
  if (app?.activity === 'waiting_for_input') return waiting(app.reason);
  const dialog = findDialog(screen, reading.composerAt ?? -1);
  if (dialog) return disagree(waiting(dialog.reason), recent?.activity === 'idle' ? 'hook says the turn is over, the screen shows a dialog' : undefined);
  if (hint?.activity === 'waiting_for_input' && !sawChrome) {
    // A dialog our rules do not know (no input chrome visible): the agent's own word decides, and says so.
    return disagree(waiting(`${hint.reason} (${ago(input.now - hint.at)} ago)`), 'hook says waiting, the screen rules see no dialog');
  }

  // 2. Work in progress.
  if (reading.working) return working(reading.working.reason);
  if (title === 'working') return working(`title spinner ${quote(screen.title)}`);
  if (app?.activity === 'working') return working(app.reason);
  const progress = progressReason(screen);
  if (progress) return working(progress);
  if (hint?.activity === 'working' && workingHintHolds(input, hint.at, reading)) return working(`${hint.reason} (${ago(input.now - hint.at)} ago)`);

  // 3. The ready prompt: positive evidence only.
  if (reading.idle?.minQuietMs !== undefined && quietFor(input) < reading.idle.minQuietMs) {
    return working(`${reading.idle.reason}, not yet quiet for ${ago(reading.idle.minQuietMs)} (starting)`);
  }
  if (reading.idle) {
    const explicit = reading.idle.explicit === true || title === 'idle' || hint?.activity === 'idle' || app?.activity === 'idle';
    const note = recent?.activity === 'waiting_for_input' ? 'hook says waiting, the screen shows the ready prompt' : undefined;
    return disagree(idle(reading.idle.reason, explicit), note);
  }
  if (hint?.activity === 'idle') {
    return disagree(idle(`${hint.reason} (${ago(input.now - hint.at)} ago; screen not recognised)`, true), 'hook says the turn is over, the screen rules see no ready prompt');
  }
  if (profile.busyUnlessPrompt) return working(`no prompt on the last line (output ${ago(input.now - input.lastOutputAt)} ago)`);
  const quiet = quietFor(input);
  if (quiet < QUIET_IDLE_MS) return working(`no ${profile.label} screen recognised, output ${ago(quiet)} ago`);
  return { activity: 'unknown', reason: `no ${profile.label} ready prompt or dialog recognised (output quiet ${ago(quiet)})` };
}

/** Shells and REPLs: the foreground process group is the best signal (§1.8). */
function inferShell(input: InferInput, screen: Screen): InferResult {
  const reading = AGENTS.shell.read(screen);
  if (input.foregroundIsShell === true) return idle('shell owns the foreground', true);
  if (input.foregroundIsShell === false) {
    const job = input.foregroundCommand ? `foreground job: ${input.foregroundCommand}` : 'foreground job running';
    if (reading.waiting) return waiting(`${job}, ${reading.waiting.reason}`);
    // vim, less, fzf… hold the foreground but wait on the user; they are not work (agent-deck deny-list).
    if (screen.altScreen) return waiting(`${job} (full-screen, waits on the user)`);
    const dialog = quietFor(input) >= QUIET_IDLE_MS ? findDialog(screen) : undefined;
    if (dialog) return waiting(`${job}, ${dialog.reason}`);
    return working(job);
  }
  return screenThenQuiescence(input, screen, reading);
}

/** Unknown programs: a question or selection list at the bottom once output is quiet, OSC progress, then quiescence. */
function inferGeneric(input: InferInput, screen: Screen): InferResult {
  const reading = AGENTS.generic.read(screen);
  const quiet = quietFor(input) >= QUIET_IDLE_MS;
  if (quiet && reading.waiting) return waiting(reading.waiting.reason);
  const dialog = quiet ? findDialog(screen) : undefined;
  if (dialog) return waiting(dialog.reason);
  const progress = progressReason(screen);
  if (progress) return working(progress);
  return quiescence(input, undefined);
}

function screenThenQuiescence(input: InferInput, screen: Screen, reading: Reading): InferResult {
  if (reading.waiting) return waiting(reading.waiting.reason);
  const progress = progressReason(screen);
  if (progress) return working(progress);
  if (reading.idle) return idle(reading.idle.reason, true);
  return quiescence(input, undefined);
}

function quiescence(input: InferInput, context: string | undefined): InferResult {
  const quiet = quietFor(input);
  const prefix = context ? `${context}, ` : '';
  if (quiet < QUIET_IDLE_MS) return working(`${prefix}output ${ago(quiet)} ago`);
  return idle(`${prefix}output quiet ${ago(quiet)}`, false);
}

/**
 * An application's own OSC 7501 state report (Codex 0.171: `state=working:app=codex`, `state=blocked:app=codex:kind=permission`).
 * Blocked and working count at once; idle/done only beside the ready prompt the screen rules found.
 */
function appState(report: string | undefined): { activity: 'working' | 'idle' | 'waiting_for_input'; reason: string } | undefined {
  const m = report ? /(?:^|:)state=(\w+)/.exec(report) : null;
  if (!m) return undefined;
  const kind = /(?:^|:)kind=(\w+)/.exec(report!)?.[1];
  const reason = `agent state report: ${m[1]}${kind ? ` (${kind})` : ''}`;
  if (m[1] === 'blocked') return { activity: 'waiting_for_input', reason };
  if (m[1] === 'working') return { activity: 'working', reason };
  if (m[1] === 'idle' || m[1] === 'done') return { activity: 'idle', reason };
  return undefined;
}

function readTitle(rules: TitleRules, title: string): Activity | undefined {
  if (!title) return undefined;
  if (rules.waiting?.test(title)) return 'waiting_for_input';
  if (rules.working?.test(title)) return 'working';
  if (rules.idle?.test(title)) return 'idle';
  return undefined;
}

function progressReason(screen: Screen): string | undefined {
  const p = screen.progress;
  if (!p || !PROGRESS_BUSY_STATES.has(p.state)) return undefined;
  return p.state === 3 ? 'OSC 9;4 progress: indeterminate' : `OSC 9;4 progress: ${p.value}%`;
}

function freshHint(input: InferInput): Hint | undefined {
  const h = input.hint;
  if (!h) return undefined;
  const age = input.now - h.at;
  const limit = h.activity === 'working' ? HINT_WORKING_FRESH_MS : HINT_FRESH_MS;
  return age >= 0 && age <= limit ? h : undefined;
}

/**
 * A working hook loses to a turn-over marker (hooks miss interrupts) and, after a short grace, to the ready
 * prompt with no busy marker (a thinking-phase cancel records nothing).
 */
function workingHintHolds(input: InferInput, at: number, reading: Reading): boolean {
  if (reading.idle?.explicit) return false;
  if (reading.idle && input.now - at > HINT_UNCONFIRMED_MS) return false;
  return true;
}

function quietFor(input: InferInput): number {
  return Math.max(0, input.now - input.lastOutputAt);
}

/** `0.4s`, `3s`, `2m 5s`: compact durations for reasons. */
export function ago(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 1) return `${s.toFixed(1)}s`;
  if (s < 60) return `${Math.floor(s)}s`;
  const m = Math.floor(s / 60);
  return `${m}m ${Math.floor(s % 60)}s`;
}

const waiting = (reason: string): InferResult => ({ activity: 'waiting_for_input', reason });
const working = (reason: string): InferResult => ({ activity: 'working', reason });
const idle = (reason: string, explicit: boolean): InferResult =>
  explicit ? { activity: 'idle', reason, explicit: true } : { activity: 'idle', reason };
const disagree = (r: InferResult, note: string | undefined): InferResult => (note ? { ...r, disagreement: note } : r);
