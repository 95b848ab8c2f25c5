// Restart policies: when a session is restarted, after how long, and when cw gives up.
import { describe, expect, it } from 'vitest';
import { BACKOFF, backoffMs, decideRestart, type RunEnd } from '../../src/daemon/restart-policy.js';
import { RESTART_BACKOFF_FIRST_MS, RESTART_BACKOFF_MAX_MS, RESTART_GIVE_UP_FAILURES, RESTART_RESET_AFTER_MS } from '../../src/daemon/limits.js';

const failed: RunEnd = { state: 'exited', exitCode: 1, signal: null, ranMs: 200 };
const clean: RunEnd = { state: 'exited', exitCode: 0, signal: null, ranMs: 200 };

describe('restart policy', () => {
  it('uses the documented limits: 1 s doubling to 60 s, reset after a 60 s run, give up after 5', () => {
    expect([RESTART_BACKOFF_FIRST_MS, RESTART_BACKOFF_MAX_MS, RESTART_RESET_AFTER_MS, RESTART_GIVE_UP_FAILURES]).toEqual([1000, 60_000, 60_000, 5]);
    expect(BACKOFF).toEqual({ firstMs: 1000, maxMs: 60_000, resetAfterMs: 60_000, giveUpFailures: 5 });
  });

  it('backs off 1, 2, 4, 8 s over quick failures, then gives up at the fifth', () => {
    const seen: string[] = [];
    let failures = 0;
    for (let i = 0; i < 6; i++) {
      const d = decideRestart('on-failure', failed, failures);
      if (d.action === 'restart') {
        seen.push(`restart ${d.delayMs}`);
        failures = d.failures;
      } else {
        seen.push(d.action);
        break;
      }
    }
    expect(seen).toEqual(['restart 1000', 'restart 2000', 'restart 4000', 'restart 8000', 'give-up']);
  });

  it('caps the wait at 60 s', () => {
    const limits = { ...BACKOFF, giveUpFailures: 100 };
    expect([1, 2, 3, 6, 7, 8, 40].map((n) => backoffMs(n, limits))).toEqual([1000, 2000, 4000, 32_000, 60_000, 60_000, 60_000]);
    expect(decideRestart('always', failed, 10, limits)).toEqual({ action: 'restart', delayMs: 60_000, failures: 11 });
  });

  it('a run that lasted 60 s starts the count again', () => {
    expect(decideRestart('on-failure', { ...failed, ranMs: 60_000 }, 4)).toEqual({ action: 'restart', delayMs: 1000, failures: 0 });
    expect(decideRestart('on-failure', { ...failed, ranMs: 59_999 }, 3)).toEqual({ action: 'restart', delayMs: 8000, failures: 4 });
  });

  it('on-failure: a non-zero code or a signal; never a clean exit', () => {
    expect(decideRestart('on-failure', clean, 0)).toMatchObject({ action: 'none' });
    expect(decideRestart('on-failure', { ...failed, exitCode: null, signal: 'SIGSEGV' }, 0)).toEqual({ action: 'restart', delayMs: 1000, failures: 1 });
  });

  it('always: a clean exit too (a quick one counts towards giving up)', () => {
    expect(decideRestart('always', clean, 0)).toEqual({ action: 'restart', delayMs: 1000, failures: 1 });
    expect(decideRestart('always', clean, 4)).toEqual({ action: 'give-up', failures: 5 });
  });

  it('never restarts what cw kill ended, a lost session, or a session without a policy', () => {
    expect(decideRestart('always', { ...failed, state: 'killed', exitCode: null, signal: 'SIGHUP' }, 0)).toMatchObject({ action: 'none', why: /cw kill/ });
    expect(decideRestart('always', { ...failed, state: 'lost' }, 0)).toMatchObject({ action: 'none' });
    expect(decideRestart('never', failed, 0)).toMatchObject({ action: 'none' });
  });
});
