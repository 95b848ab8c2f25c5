// Cron expressions for `cw task`: parsing, and the next occurrence in a zone, with exact vectors, DST included
// (2026: Europe/Berlin springs forward on 29 March at 02:00 and falls back on 25 October at 03:00; America/New_York
// springs forward on 8 March at 02:00 and falls back on 1 November at 02:00).
import { describe, expect, it } from 'vitest';
import { instantsOf, isValidZone, nextAfter, parseCron, type CronSpec } from '../../src/daemon/cron.js';

function spec(expr: string): CronSpec {
  const p = parseCron(expr);
  if (!p.ok) throw new Error(p.why);
  return p.spec;
}

/** The next `n` occurrences after `from`, as ISO times. */
function next(expr: string, from: string, zone: string, n = 1): string[] {
  const s = spec(expr);
  const out: string[] = [];
  let t = Date.parse(from);
  for (let i = 0; i < n; i++) {
    const r = nextAfter(s, t, zone);
    if (r === null) break;
    out.push(new Date(r).toISOString());
    t = r;
  }
  return out;
}

describe('parseCron', () => {
  it('reads ranges, lists, steps and names', () => {
    const s = spec('*/15 9-17 1,15 JAN-mar,Dec mon-FRI');
    expect(s.minutes).toEqual([0, 15, 30, 45]);
    expect(s.hours).toEqual([9, 10, 11, 12, 13, 14, 15, 16, 17]);
    expect([...s.days].sort((a, b) => a - b)).toEqual([1, 15]);
    expect([...s.months].sort((a, b) => a - b)).toEqual([1, 2, 3, 12]);
    expect([...s.weekdays].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
    expect(s.domRestricted && s.dowRestricted).toBe(true);
    expect(spec('5/20 0-10/5 * * *')).toMatchObject({ minutes: [5, 25, 45], hours: [0, 5, 10], domRestricted: false, dowRestricted: false });
    // 7 is Sunday; * in day-of-week is 0-6.
    expect([...spec('0 0 * * 5-7').weekdays].sort()).toEqual([0, 5, 6]);
    expect([...spec('0 0 * * *').weekdays].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(spec('@hourly')).toMatchObject({ minutes: [0], hours: [...Array(24).keys()] });
  });

  it('says what is wrong', () => {
    const why = (e: string): string => {
      const p = parseCron(e);
      return p.ok ? 'ok' : p.why;
    };
    expect(why('* * *')).toBe("a cron expression has 5 fields (minute hour day-of-month month day-of-week), '* * *' has 3");
    expect(why('60 * * * *')).toBe('minute 60 is out of range 0-59');
    expect(why('0 0 0 * *')).toBe('day of month 0 is out of range 1-31');
    expect(why('5-1 * * * *')).toBe("the range '5-1' runs backwards");
    expect(why('*/0 * * * *')).toBe("the step in '*/0' must be at least 1");
    expect(why('0 0 * foo *')).toBe("'foo' is not a month (a number 1-12 or a name such as JAN)");
    expect(why('0 0 * * 1-2-3')).toBe("'1-2-3' is not a range (A-B)");
    expect(why('0 x * * *')).toBe("'x' is not a hour (a number 0-23)");
  });
});

describe('nextAfter', () => {
  it('finds plain occurrences in UTC', () => {
    // 2026-12-04 is a Friday.
    expect(next('0 9 * * 1-5', '2026-12-04T09:00:00Z', 'UTC', 2)).toEqual(['2026-12-07T09:00:00.000Z', '2026-12-08T09:00:00.000Z']);
    expect(next('*/20 * * * *', '2026-12-05T23:41:10Z', 'UTC', 3)).toEqual(['2026-12-06T00:00:00.000Z', '2026-12-06T00:20:00.000Z', '2026-12-06T00:40:00.000Z']);
    // Strictly after: a time exactly on an occurrence gives the following one.
    expect(next('30 12 * * *', '2026-06-01T12:30:00Z', 'UTC')).toEqual(['2026-06-02T12:30:00.000Z']);
    expect(next('30 12 * * *', '2026-06-01T12:29:59.999Z', 'UTC')).toEqual(['2026-06-01T12:30:00.000Z']);
    expect(next('0 0 * * 7', '2026-12-05T00:00:00Z', 'UTC')).toEqual(['2026-12-06T00:00:00.000Z']);
  });

  it('matches either day field when both are restricted, as cron does', () => {
    // The 13th or a Friday: Friday 11 December comes first, then Sunday the 13th.
    expect(next('0 0 13 * 5', '2026-12-05T12:00:00Z', 'UTC', 2)).toEqual(['2026-12-11T00:00:00.000Z', '2026-12-13T00:00:00.000Z']);
  });

  it('finds 29 February years ahead, and nothing for 30 February', () => {
    expect(next('0 0 29 2 *', '2026-01-01T00:00:00Z', 'UTC')).toEqual(['2028-02-29T00:00:00.000Z']);
    expect(nextAfter(spec('0 0 30 2 *'), Date.parse('2026-01-01T00:00:00Z'), 'UTC')).toBeNull();
  });

  it('keeps the wall time across DST in Europe/Berlin: 9:00 is 08:00Z in winter and 07:00Z in summer', () => {
    expect(next('0 9 * * *', '2026-03-28T12:00:00Z', 'Europe/Berlin', 2)).toEqual(['2026-03-29T07:00:00.000Z', '2026-03-30T07:00:00.000Z']);
    expect(next('0 9 * * *', '2026-10-24T12:00:00Z', 'Europe/Berlin', 2)).toEqual(['2026-10-25T08:00:00.000Z', '2026-10-26T08:00:00.000Z']);
  });

  it('skips a time that does not exist (Europe/Berlin, 29 March 02:30)', () => {
    expect(instantsOf({ y: 2026, mo: 3, d: 29, h: 2, mi: 30 }, 'Europe/Berlin')).toEqual([]);
    expect(next('30 2 * * *', '2026-03-28T12:00:00Z', 'Europe/Berlin', 2)).toEqual(['2026-03-30T00:30:00.000Z', '2026-03-31T00:30:00.000Z']);
    // Every 30 minutes through the gap: 01:30 CET, then 03:00 CEST.
    expect(next('*/30 * * * *', '2026-03-29T00:15:00Z', 'Europe/Berlin', 3)).toEqual(['2026-03-29T00:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-29T01:30:00.000Z']);
  });

  it('runs a repeated time once (Europe/Berlin, 25 October 02:30), at its first instant', () => {
    expect(instantsOf({ y: 2026, mo: 10, d: 25, h: 2, mi: 30 }, 'Europe/Berlin')).toEqual([Date.parse('2026-10-25T00:30:00Z'), Date.parse('2026-10-25T01:30:00Z')]);
    expect(next('30 2 * * *', '2026-10-24T12:00:00Z', 'Europe/Berlin', 2)).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
    // From inside the second pass of the repeated hour: the next day.
    expect(next('30 2 * * *', '2026-10-25T01:10:00Z', 'Europe/Berlin')).toEqual(['2026-10-26T01:30:00.000Z']);
  });

  it('handles America/New_York: the spring gap and the autumn repeat', () => {
    expect(next('0 9 * * *', '2026-03-07T15:00:00Z', 'America/New_York', 2)).toEqual(['2026-03-08T13:00:00.000Z', '2026-03-09T13:00:00.000Z']);
    expect(next('30 2 * * *', '2026-03-07T15:00:00Z', 'America/New_York')).toEqual(['2026-03-09T06:30:00.000Z']);
    expect(next('30 1 * * *', '2026-10-31T12:00:00Z', 'America/New_York', 2)).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
    // 01:45 EDT, every 30 minutes: the repeated hour (01:00-01:59 EST) does not run again; 02:00 EST is next.
    expect(next('*/30 * * * *', '2026-11-01T05:45:00Z', 'America/New_York', 2)).toEqual(['2026-11-01T07:00:00.000Z', '2026-11-01T07:30:00.000Z']);
  });

  it('knows zones', () => {
    expect(isValidZone('Europe/Berlin')).toBe(true);
    expect(isValidZone('UTC')).toBe(true);
    expect(isValidZone('Mars/Olympus')).toBe(false);
  });
});
