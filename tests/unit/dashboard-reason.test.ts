// The dashboard card's activity reason: no frozen "output 3s ago" beside the card's live output time.
import { describe, expect, it } from 'vitest';
import { timelessReason } from '../../src/dashboard/reason.js';

describe('timelessReason', () => {
  it('drops or words the durations the daemon froze into a reason', () => {
    expect(timelessReason('no prompt on the last line (output 3s ago)')).toBe('no prompt on the last line');
    expect(timelessReason('no prompt on the last line (output 2m 5s ago)')).toBe('no prompt on the last line');
    expect(timelessReason('PreToolUse hook (0.4s ago)')).toBe('PreToolUse hook');
    expect(timelessReason('Stop hook (12s ago; screen not recognised)')).toBe('Stop hook (screen not recognised)');
    expect(timelessReason('no Claude Code screen recognised, output 3s ago')).toBe('no Claude Code screen recognised, recent output');
    expect(timelessReason('spinner gone, output quiet 1m 2s')).toBe('spinner gone, output quiet');
    expect(timelessReason('no aider ready prompt or dialog recognised (output quiet 4s)')).toBe('no aider ready prompt or dialog recognised (output quiet)');
  });

  it('leaves reasons without a duration as they are', () => {
    expect(timelessReason('ready prompt ❯ on screen')).toBe('ready prompt ❯ on screen');
    expect(timelessReason('idle prompt, not yet quiet for 0.4s (starting)')).toBe('idle prompt, not yet quiet for 0.4s (starting)');
  });
});
