// Activity inference for one moment: screen + timing + process facts in, one verdict out.
// Pure and stateless; hysteresis (how long idle must hold before it is believed) lives in
// ActivityTracker. Signals are layered strongest first (AGENT-SCREENS.md §3.2):
// process → live waiting form on screen → agent-native hint → in-band title/progress →
// anchored screen rules → quiescence as the last resort. Waiting beats working beats idle.

import type { ScreenSnapshot } from '../screen-snapshot.js';
import type { AgentKind } from './agents.js';
import { AGENT_RULES, prepareScreen, quote, type Activity, type Reading, type Screen, type TitleRules } from './rules.js';

export type { Activity } from './rules.js';

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
  /** Name of the pty's foreground process (node-pty `process`), used only to word the reason. */
  foregroundCommand?: string;
  /** Structured agent signal (hooks, notify, registry file), valid while fresh. */
  hint?: { activity: Activity; at: number };
}

export interface InferResult {
  activity: Activity;
  /** Short human text naming the deciding signal. */
  reason: string;
  /** Idle backed by a positive marker (done line, ready title, prompt on the cursor line): settles faster. */
  explicit?: boolean;
  /** The screen is covered by an overlay and says nothing: keep the previous state. */
  hold?: boolean;
}

/** Output within this window counts as activity for programs without markers (§3.5). */
export const QUIET_IDLE_MS = 1_500;
/** A "working" hint with no busy evidence on screen is trusted this long (thinking-phase Esc fires no hook; §3.2). */
export const HINT_UNCONFIRMED_MS = 5_000;
/** Hook "working" expires after this even without contradiction (agent-deck trusts Codex "running" for 20 s). */
export const HINT_WORKING_FRESH_MS = 20_000;
/** Hook "waiting"/"idle" expire after this (agent-deck trusts Claude hook states for 2 min). */
export const HINT_FRESH_MS = 120_000;
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
  const rules = AGENT_RULES[input.agent];
  const reading = rules.read(screen);
  if (reading.hold) return { activity: 'unknown', reason: reading.hold.reason, hold: true };
  const title = readTitle(rules.title, screen.title);
  const hint = freshHint(input);
  const screenSilent = !reading.working && !reading.idle;

  if (reading.waiting) return waiting(reading.waiting.reason);
  if (title === 'waiting_for_input') return waiting(`title ${quote(screen.title)}`);
  // A dialog replaces the input chrome; a waiting hook only fills in when our rules see no chrome
  // at all (an unknown dialog variant). Late Notification hooks must not override a visible prompt.
  if (hint?.activity === 'waiting_for_input' && screenSilent) return waiting(`agent hook: waiting (${ago(input.now - hint.at)} ago)`);

  if (reading.working) return working(reading.working.reason);
  if (title === 'working') return working(`title spinner ${quote(screen.title)}`);
  const progress = progressReason(screen);
  if (progress) return working(progress);
  if (hint?.activity === 'working' && workingHintHolds(input, hint.at, reading)) {
    return working(`agent hook: working (${ago(input.now - hint.at)} ago)`);
  }

  if (reading.idle?.explicit) return idle(reading.idle.reason, true);
  if (title === 'idle') return idle(`title ${quote(screen.title)}`, true);
  if (hint?.activity === 'idle') return idle(`agent hook: turn over (${ago(input.now - hint.at)} ago)`, true);
  if (rules.busyUnlessPrompt) return working(`no prompt on the last line (output ${ago(input.now - input.lastOutputAt)} ago)`);
  if (reading.idle) return idle(reading.idle.reason, false);
  return quiescence(input, 'no agent UI recognised');
}

/** Shells and REPLs: the foreground process group is the best signal (§1.8). */
function inferShell(input: InferInput, screen: Screen): InferResult {
  const reading = AGENT_RULES.shell.read(screen);
  if (input.foregroundIsShell === true) return idle('shell owns the foreground', true);
  if (input.foregroundIsShell === false) {
    const job = input.foregroundCommand ? `foreground job: ${input.foregroundCommand}` : 'foreground job running';
    if (reading.waiting) return waiting(`${job}, ${reading.waiting.reason}`);
    // vim, less, fzf… hold the foreground but wait on the user; they are not work (agent-deck deny-list).
    if (screen.altScreen) return waiting(`${job} (full-screen, waits on the user)`);
    return working(job);
  }
  return screenThenQuiescence(input, screen, reading);
}

/** Unknown programs: a question on the cursor line, OSC progress, then output quiescence. */
function inferGeneric(input: InferInput, screen: Screen): InferResult {
  const reading = AGENT_RULES.generic.read(screen);
  if (reading.waiting && quietFor(input) >= QUIET_IDLE_MS) return waiting(reading.waiting.reason);
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

function freshHint(input: InferInput): InferInput['hint'] {
  const h = input.hint;
  if (!h) return undefined;
  const age = input.now - h.at;
  const limit = h.activity === 'working' ? HINT_WORKING_FRESH_MS : HINT_FRESH_MS;
  return age >= 0 && age <= limit ? h : undefined;
}

/**
 * A working hook loses to an explicit idle marker (hooks miss interrupts) and, after a short
 * grace, to any idle-looking screen (a thinking-phase cancel records nothing).
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
