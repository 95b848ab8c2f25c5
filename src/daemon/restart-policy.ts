// Restart policies as one pure decision: from how a run ended and the quick failures before it, restart after a
// delay, give up, or leave it ended. revive.ts acts on it; the numbers are limits.ts RESTART_*.
import type { RestartPolicy, SessionState } from '../protocol/index.js';
import { RESTART_BACKOFF_FIRST_MS, RESTART_BACKOFF_MAX_MS, RESTART_GIVE_UP_FAILURES, RESTART_RESET_AFTER_MS } from './limits.js';

/** How one run ended. */
export interface RunEnd {
  state: SessionState;
  exitCode: number | null;
  signal: string | null;
  /** From its start to its end. */
  ranMs: number;
}

export type RestartDecision =
  | { action: 'none'; why: string }
  /** `failures`: quick failures in a row, this one included (0 after a run that lasted). */
  | { action: 'restart'; delayMs: number; failures: number }
  | { action: 'give-up'; failures: number };

export interface BackoffLimits {
  firstMs: number;
  maxMs: number;
  resetAfterMs: number;
  giveUpFailures: number;
}

export const BACKOFF: BackoffLimits = {
  firstMs: RESTART_BACKOFF_FIRST_MS,
  maxMs: RESTART_BACKOFF_MAX_MS,
  resetAfterMs: RESTART_RESET_AFTER_MS,
  giveUpFailures: RESTART_GIVE_UP_FAILURES,
};

/**
 * What the policy says about a run that just ended, `failuresBefore` quick failures in a row before it.
 * `cw kill` is a person's decision: a killed session is never restarted. A run shorter than resetAfterMs counts
 * as a quick failure, a clean exit under `always` too (a program that exits at once would otherwise restart in a
 * loop); a run that lasted starts the count again.
 */
export function decideRestart(policy: RestartPolicy, end: RunEnd, failuresBefore: number, limits: BackoffLimits = BACKOFF): RestartDecision {
  if (policy === 'never') return { action: 'none', why: 'no restart policy' };
  if (end.state === 'killed') return { action: 'none', why: 'killed with cw kill' };
  if (end.state !== 'exited') return { action: 'none', why: `it is ${end.state}` };
  const failed = end.signal !== null || end.exitCode !== 0;
  if (policy === 'on-failure' && !failed) return { action: 'none', why: 'it exited with code 0' };
  const failures = end.ranMs < limits.resetAfterMs ? failuresBefore + 1 : 0;
  if (failures >= limits.giveUpFailures) return { action: 'give-up', failures };
  return { action: 'restart', delayMs: backoffMs(failures, limits), failures };
}

/** The wait before a restart after `failures` quick failures in a row: first, doubling, capped. */
export function backoffMs(failures: number, limits: BackoffLimits = BACKOFF): number {
  const doublings = Math.max(0, failures - 1);
  return Math.min(limits.maxMs, limits.firstMs * 2 ** Math.min(doublings, 30));
}
