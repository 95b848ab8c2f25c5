// The WebSocket listener's per-address accounting (issue 14, findings 6 and 10): pure parts.
import { describe, expect, it } from 'vitest';
import { AuthBackoff, addressKey } from '../../src/daemon/ws-server.js';
import { AUTH_FAILURE_WINDOW_MS, AUTH_MAX_DELAY_MS } from '../../src/daemon/limits.js';

describe('addressKey', () => {
  it('keeps IPv4, unmaps IPv4-mapped IPv6, and groups IPv6 by /64', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002::7%eth0')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
  });
});

describe('AuthBackoff', () => {
  it('lets three failures through, then shuts the address out for 200 ms doubling up to the max', () => {
    const b = new AuthBackoff();
    const t = 1_000_000;
    const penalties = Array.from({ length: 10 }, (_, i) => b.fail('a', t + i).penaltyMs);
    expect(penalties).toEqual([0, 0, 0, 200, 400, 800, 1600, 3200, AUTH_MAX_DELAY_MS, AUTH_MAX_DELAY_MS]);
    expect(b.waitMs('a', t + 9)).toBe(AUTH_MAX_DELAY_MS);
    expect(b.waitMs('a', t + 9 + AUTH_MAX_DELAY_MS)).toBe(0);
    // Another address is not touched.
    expect(b.waitMs('b', t + 9)).toBe(0);
  });

  it('forgets an address after a success or after the window', () => {
    const b = new AuthBackoff();
    for (let i = 0; i < 5; i++) b.fail('a', 0);
    b.succeed('a');
    expect(b.waitMs('a', 0)).toBe(0);
    expect(b.fail('a', 0).failures).toBe(1);
    for (let i = 0; i < 5; i++) b.fail('c', 0);
    expect(b.fail('c', AUTH_FAILURE_WINDOW_MS).failures).toBe(1);
  });

  it('keeps memory bounded: the address that failed least recently is forgotten first', () => {
    const b = new AuthBackoff(100);
    for (let i = 0; i < 5; i++) b.fail('attacker', 0);
    for (let i = 0; i < 10_000; i++) {
      b.fail(`spray-${i}`, 1);
      if (i % 50 === 0) b.fail('attacker', 1); // still failing: stays remembered
    }
    expect(b.trackedAddresses).toBe(100);
    expect(b.waitMs('attacker', 1)).toBeGreaterThan(0);
    expect(b.waitMs('spray-0', 1)).toBe(0);
  });
});
