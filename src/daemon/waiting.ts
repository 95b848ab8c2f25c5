// Waiting for sessions to reach a state (`cw wait`, `launch --prompt`): evaluated on every activity change
// and session end, never by polling.
import type { WaitResult, WaitUntil } from '../protocol/index.js';
import type { Registry } from './registry.js';
import type { Session } from './session.js';

/**
 * After input reaches a session, its activity must change (or this long pass) before idle or waiting count:
 * `cw send fix "..." && cw wait fix` must not return on the idle screen from before the agent reacted.
 */
export const INPUT_GRACE_MS = 3000;

export type Verdict = 'yes' | 'no' | 'never';

/** Whether a session is in the wanted state now; 'never' when it ended without getting there. */
export function verdict(s: Session, until: WaitUntil, now = Date.now()): Verdict {
  if (!s.running) return until === 'exit' || until === 'not-working' ? 'yes' : 'never';
  if (until === 'exit') return 'no';
  const a = s.row.activity;
  // A launch prompt not typed yet: the turn the caller waits for has not even started. It counts as working,
  // except while a dialog holds it: that needs a person, so waiting ends there (as waiting_for_input).
  const promptPending = s.prompt?.state === 'pending' && a !== 'waiting_for_input';
  const since = s.row.activitySince ? Date.parse(s.row.activitySince) : 0;
  // Input newer than the current state, and recent: the agent has not reacted yet. A turn can be over between
  // two screen samples (a 200 ms reply); the agent's own word that a turn started and ended after the input
  // is a reaction too.
  const hint = s.signals.hint;
  const turnDone = hint?.activity === 'idle' && hint.at > s.lastInputAt && s.signals.turnStartedAt > s.lastInputAt;
  // So is a new turn-over marker on screen after the input (a done line naming the new turn); the composer
  // changing (the input's own echo) is not.
  const newIdleEvidence = a === 'idle' && (s.activity?.turnOverChangedAt ?? 0) > s.lastInputAt;
  const pendingInput = s.lastInputAt > since && now - s.lastInputAt < INPUT_GRACE_MS && !turnDone && !newIdleEvidence;
  switch (until) {
    case 'working':
      return a === 'working' || promptPending ? 'yes' : 'no';
    case 'idle':
      return a === 'idle' && !pendingInput && !promptPending ? 'yes' : 'no';
    case 'waiting':
      return a === 'waiting_for_input' && !pendingInput ? 'yes' : 'no';
    case 'not-working':
      // Unknown activity (a program we cannot read) counts as busy: only its exit ends the wait.
      return (a === 'idle' || a === 'waiting_for_input') && !pendingInput && !promptPending ? 'yes' : 'no';
  }
}

/**
 * Resolves when all (or any) of the sessions reach `until`, when that became impossible, or at the timeout.
 * `cancelled` lets the caller stop waiting (the client went away).
 */
export function waitFor(
  registry: Registry,
  sessions: Session[],
  until: WaitUntil,
  mode: 'any' | 'all',
  timeoutMs: number | undefined,
  cancelled?: Promise<void>,
): Promise<WaitResult> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | null = null;
    let graceTimer: NodeJS.Timeout | null = null;
    let done = false;
    const finish = (timedOut: boolean): void => {
      if (done) return;
      done = true;
      registry.events.off('activity', check);
      registry.events.off('ended', check);
      registry.events.off('prompt', check);
      registry.events.off('hook', check);
      if (timer) clearTimeout(timer);
      if (graceTimer) clearTimeout(graceTimer);
      const now = Date.now();
      const verdicts = sessions.map((s) => verdict(s, until, now));
      const reached = mode === 'all' ? verdicts.every((v) => v === 'yes') : verdicts.some((v) => v === 'yes');
      resolve({
        reached,
        unreachable: sessions.filter((_, i) => verdicts[i] === 'never').map((s) => s.id),
        timedOut,
        sessions: sessions.map((s) => s.info(now)),
      });
    };
    const check = (): void => {
      if (done) return;
      const now = Date.now();
      const v = sessions.map((s) => verdict(s, until, now));
      if (mode === 'all' ? v.every((x) => x === 'yes') : v.some((x) => x === 'yes')) return finish(false);
      if (mode === 'all' ? v.some((x) => x === 'never') : v.every((x) => x === 'never')) return finish(false);
      // Pending input may be what holds it back: look again when its grace runs out.
      const graceEnds = Math.max(0, ...sessions.map((s) => s.lastInputAt + INPUT_GRACE_MS - now));
      if (graceEnds > 0) {
        if (graceTimer) clearTimeout(graceTimer);
        graceTimer = setTimeout(check, graceEnds + 5);
      }
    };
    registry.events.on('activity', check);
    registry.events.on('ended', check);
    registry.events.on('prompt', check);
    registry.events.on('hook', check);
    if (timeoutMs !== undefined) timer = setTimeout(() => finish(true), timeoutMs);
    void cancelled?.then(() => finish(true));
    check();
  });
}
