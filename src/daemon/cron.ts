// Cron expressions for `cw task`: parsing the five fields and finding the next occurrence after a time in an IANA
// zone. Pure: no timers, no I/O; the zone arithmetic goes through Intl, which carries the tz database.
//
// DST, as the docs promise: occurrences are wall-clock times in the zone. A wall time that does not exist (the hour
// skipped in spring) is skipped; one that exists twice (the hour repeated in autumn) runs once, at its first
// instant. So "30 2 * * *" does not run on the spring-forward day in Europe/Berlin, and "30 1 * * *" runs once on
// the fall-back day in America/New_York.

/** A parsed expression: the allowed values of each field, and whether day-of-month and day-of-week were restricted. */
export interface CronSpec {
  minutes: readonly number[];
  hours: readonly number[];
  days: ReadonlySet<number>;
  months: ReadonlySet<number>;
  weekdays: ReadonlySet<number>;
  /** Vixie cron: when both day fields are restricted (neither starts with `*`), a day matches either of them. */
  domRestricted: boolean;
  dowRestricted: boolean;
}

export type CronParse = { ok: true; spec: CronSpec } | { ok: false; why: string };

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface Field {
  what: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** The first name's value (months are 1-based, days 0-based). */
  namesFrom?: number;
}

const FIELDS: readonly Field[] = [
  { what: 'minute', min: 0, max: 59 },
  { what: 'hour', min: 0, max: 23 },
  { what: 'day of month', min: 1, max: 31 },
  { what: 'month', min: 1, max: 12, names: MONTH_NAMES, namesFrom: 1 },
  // 7 is Sunday too, as in every cron.
  { what: 'day of week', min: 0, max: 7, names: DAY_NAMES, namesFrom: 0 },
];

/** The usual shorthands. @reboot is not one: a task runs on a schedule. */
const MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

function value(f: Field, text: string): number | string {
  const t = text.toLowerCase();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    if (n < f.min || n > f.max) return `${f.what} ${n} is out of range ${f.min}-${f.max}`;
    return n;
  }
  const i = f.names?.indexOf(t) ?? -1;
  if (i >= 0) return i + (f.namesFrom ?? 0);
  return `'${text}' is not a ${f.what}${f.names ? ` (a number ${f.min}-${f.max} or a name such as ${f.names[0]!.toUpperCase()})` : ` (a number ${f.min}-${f.max})`}`;
}

/** One field: `*`, `N`, `A-B`, any of those with `/STEP`, and lists of them separated by commas. */
function parseField(f: Field, text: string): Set<number> | string {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^([^/]+)(?:\/(\d+))?$/.exec(part);
    if (!m) return `'${part}' is not a ${f.what} (N, A-B, *, with /STEP)`;
    const step = m[2] === undefined ? 1 : Number(m[2]);
    if (step < 1) return `the step in '${part}' must be at least 1`;
    let lo: number;
    let hi: number;
    if (m[1] === '*') {
      lo = f.min;
      hi = f.what === 'day of week' ? 6 : f.max;
    } else {
      const [a, b, ...extra] = m[1]!.split('-');
      if (extra.length) return `'${part}' is not a range (A-B)`;
      const va = value(f, a!);
      if (typeof va === 'string') return va;
      lo = va;
      if (b === undefined) {
        // `N/STEP` runs from N to the end of the field (as Vixie cron reads it).
        hi = m[2] === undefined ? va : f.what === 'day of week' ? 6 : f.max;
      } else {
        const vb = value(f, b);
        if (typeof vb === 'string') return vb;
        hi = vb;
      }
      if (hi < lo) return `the range '${part}' runs backwards`;
    }
    for (let v = lo; v <= hi; v += step) out.add(f.what === 'day of week' && v === 7 ? 0 : v);
  }
  return out;
}

/** Parses a five-field expression (minute hour day-of-month month day-of-week) or a shorthand such as @daily. */
export function parseCron(expr: string): CronParse {
  const text = MACROS[expr.trim().toLowerCase()] ?? expr.trim();
  const parts = text.split(/\s+/).filter(Boolean);
  if (parts.length !== 5) {
    return { ok: false, why: `a cron expression has 5 fields (minute hour day-of-month month day-of-week), '${expr}' has ${parts.length}` };
  }
  const sets: Set<number>[] = [];
  for (let i = 0; i < 5; i++) {
    const r = parseField(FIELDS[i]!, parts[i]!);
    if (typeof r === 'string') return { ok: false, why: r };
    sets.push(r);
  }
  const sorted = (s: Set<number>): number[] => [...s].sort((a, b) => a - b);
  return {
    ok: true,
    spec: {
      minutes: sorted(sets[0]!),
      hours: sorted(sets[1]!),
      days: sets[2]!,
      months: sets[3]!,
      weekdays: sets[4]!,
      domRestricted: !parts[2]!.startsWith('*'),
      dowRestricted: !parts[4]!.startsWith('*'),
    },
  };
}

/** Whether `zone` is an IANA zone this runtime knows. */
export function isValidZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    // RangeError: an unknown zone; that is the answer.
    return false;
  }
}

/** The daemon's local zone (TZ, else the system's). */
export function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(zone, f);
  }
  return f;
}

/** A wall-clock time in a zone, to the minute. */
interface Wall {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
}

function wallOf(ms: number, zone: string): Wall & { s: number } {
  const p: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(new Date(ms))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return { y: p.year!, mo: p.month!, d: p.day!, h: p.hour! % 24, mi: p.minute!, s: p.second! };
}

/** The zone's offset from UTC at an instant, in ms (seconds dropped: no zone in use has them). */
function offsetAt(ms: number, zone: string): number {
  const w = wallOf(ms, zone);
  const asUtc = Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

const DAY_MS = 86_400_000;

/**
 * The instants a wall time names in a zone, earliest first: none in a gap, two in a fold, else one. The offsets
 * in force a day either side cover every zone whose offset changes at most once a day.
 */
export function instantsOf(w: Wall, zone: string): number[] {
  const naive = Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi);
  const offsets = new Set([offsetAt(naive - DAY_MS, zone), offsetAt(naive, zone), offsetAt(naive + DAY_MS, zone)]);
  const found = new Set<number>();
  for (const o of offsets) {
    const t = naive - o;
    const back = wallOf(t, zone);
    if (back.y === w.y && back.mo === w.mo && back.d === w.d && back.h === w.h && back.mi === w.mi) found.add(t);
  }
  return [...found].sort((a, b) => a - b);
}

/** How far ahead an occurrence is looked for: covers Feb 29 (every 4 years) on a given weekday (28-year cycle). */
const SEARCH_YEARS = 30;

function dayMatches(spec: CronSpec, y: number, mo: number, d: number): boolean {
  if (!spec.months.has(mo)) return false;
  const dom = spec.days.has(d);
  const dow = spec.weekdays.has(new Date(Date.UTC(y, mo - 1, d)).getUTCDay());
  if (spec.domRestricted && spec.dowRestricted) return dom || dow;
  if (spec.domRestricted) return dom;
  if (spec.dowRestricted) return dow;
  return true;
}

/**
 * The first occurrence strictly after `afterMs` (ms since the epoch) in `zone`, or null when the expression
 * names no time within SEARCH_YEARS (Feb 30). Gaps are skipped; a repeated wall time counts at its first instant
 * only, so an occurrence in the repeated hour that the first pass already passed is not found again.
 */
export function nextAfter(spec: CronSpec, afterMs: number, zone: string): number | null {
  const start = wallOf(afterMs, zone);
  // Day by day in the zone's calendar (pure date arithmetic on a UTC date: no zone involved).
  let day = Date.UTC(start.y, start.mo - 1, start.d);
  const lastDay = day + SEARCH_YEARS * 366 * DAY_MS;
  let first = true;
  for (; day <= lastDay; day += DAY_MS, first = false) {
    const date = new Date(day);
    const y = date.getUTCFullYear();
    const mo = date.getUTCMonth() + 1;
    const d = date.getUTCDate();
    if (!dayMatches(spec, y, mo, d)) continue;
    for (const h of spec.hours) {
      if (first && h < start.h) continue;
      for (const mi of spec.minutes) {
        if (first && h === start.h && mi < start.mi) continue;
        const t = instantsOf({ y, mo, d, h, mi }, zone)[0];
        if (t !== undefined && t > afterMs) return t;
      }
    }
  }
  return null;
}
