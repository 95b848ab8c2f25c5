// Surgical edits of one table of a TOML file (Codex's config.toml): the table's lines are replaced, appended or
// removed as text, so every other table, comment and blank line stays byte for byte. smol-toml re-serialising the
// file would drop every comment. Each edit is checked by parsing before and after: everything outside the table
// must read the same, or the edit is refused. Pure: text in, text out.
import { parse } from 'smol-toml';
import { same } from './same.js';

export class TomlEditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TomlEditError';
  }
}

/** The keys of a table header line (`[a."b.c" . d]` → a, b.c, d), or null when the line is no header. */
export function headerKeys(line: string): { keys: string[]; array: boolean } | null {
  const m = /^\s*(\[\[?)(.*?)(\]\]?)\s*(?:#.*)?$/.exec(line);
  if (!m || m[1]!.length !== m[3]!.length) return null;
  const keys: string[] = [];
  const re = /\s*(?:"((?:\\.|[^"\\])*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*(\.|$)/y;
  const body = m[2]!;
  let at = 0;
  while (at < body.length) {
    re.lastIndex = at;
    const k = re.exec(body);
    if (!k) return null;
    keys.push(k[1] !== undefined ? (JSON.parse(`"${k[1]}"`) as string) : (k[2] ?? k[3])!);
    at = re.lastIndex;
    if (k[4] === '') break;
  }
  return keys.length ? { keys, array: m[1] === '[[' } : null;
}

interface Header {
  line: number;
  keys: string[];
}

/** The header lines of the file, skipping lines inside multi-line strings. */
function headers(lines: readonly string[]): Header[] {
  const out: Header[] = [];
  let open: '"""' | "'''" | null = null;
  lines.forEach((line, n) => {
    if (!open) {
      const h = headerKeys(line);
      if (h) {
        out.push({ line: n, keys: h.keys });
        return;
      }
    }
    // A line that opens (or closes) a multi-line string has an odd number of its delimiters.
    for (const delim of ['"""', "'''"] as const) {
      if (open && open !== delim) continue;
      const count = line.split(delim).length - 1;
      if (count % 2 === 1) open = open ? null : delim;
    }
  });
  return out;
}

const startsWith = (keys: readonly string[], prefix: readonly string[]): boolean => prefix.every((k, i) => keys[i] === k);

/** Line ranges [from, to) of the table at `path` and of its sub-tables; trailing blank and comment lines stay outside. */
function tableRanges(lines: readonly string[], path: readonly string[]): [number, number][] {
  const hs = headers(lines);
  const ranges: [number, number][] = [];
  hs.forEach((h, i) => {
    if (!startsWith(h.keys, path)) return;
    let to = i + 1 < hs.length ? hs[i + 1]!.line : lines.length;
    // Blank lines and comments just before the next header belong to what follows (a comment above a table).
    while (to > h.line + 1 && /^\s*(#.*)?$/.test(lines[to - 1]!)) to--;
    ranges.push([h.line, to]);
  });
  return ranges;
}

function parseOrExplain(text: string, what: string): Record<string, unknown> {
  try {
    return parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new TomlEditError(`${what ? `${what} is ` : ''}not valid TOML: ${(err as Error).message.split('\n')[0]}`);
  }
}

function getPath(doc: Record<string, unknown>, path: readonly string[]): unknown {
  let v: unknown = doc;
  for (const k of path) {
    if (typeof v !== 'object' || v === null || !Object.hasOwn(v, k)) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

/** The document without the table at `path`, and without the tables on the path that this leaves empty. */
function without(doc: Record<string, unknown>, path: readonly string[]): Record<string, unknown> {
  const copy = structuredClone(doc);
  const chain: Record<string, unknown>[] = [copy];
  for (const k of path.slice(0, -1)) {
    const next = chain.at(-1)![k];
    if (typeof next !== 'object' || next === null) return copy;
    chain.push(next as Record<string, unknown>);
  }
  delete chain.at(-1)![path.at(-1)!];
  for (let d = chain.length - 1; d > 0 && Object.keys(chain[d]!).length === 0; d--) delete chain[d - 1]![path[d - 1]!];
  return copy;
}

/**
 * Removes the line ranges. A table that had a blank line before it (or started the file) takes the blank lines after
 * it along, so the tables around it keep one blank line between them, and a table install appended goes without a
 * trace.
 */
function cut(text: string, ranges: readonly [number, number][]): string {
  const lines = text.split('\n');
  const drop = new Set<number>();
  for (const [from, until] of ranges) {
    let to = until;
    if (from === 0 || lines[from - 1]!.trim() === '') while (to < lines.length && lines[to]!.trim() === '') to++;
    for (let n = from; n < to; n++) drop.add(n);
  }
  let out = lines.filter((_, n) => !drop.has(n)).join('\n');
  // What is left ends where the removed table began: after the blank line install put before it.
  if (ranges.length && drop.has(lines.length - 1) && out.endsWith('\n\n')) out = out.slice(0, -1);
  return out;
}

/** Appends `block` (lines without a final newline) at the end, after one blank line. */
function append(text: string, block: string): string {
  let out = text;
  if (out.length && !out.endsWith('\n')) out += '\n';
  if (out.length && !out.endsWith('\n\n')) out += '\n';
  return `${out}${block}\n`;
}

function verify(before: Record<string, unknown>, after: string, path: readonly string[], expected: unknown): void {
  const doc = parseOrExplain(after, 'the edited file');
  const ok = same(without(doc, path), without(before, path)) && same(getPath(doc, path), expected);
  if (!ok) throw new TomlEditError(`editing [${path.join('.')}] as text would change other settings (is it also set in another form, such as an inline table?)`);
}

/**
 * Makes the table at `path` read `block` (its whole text, header included): replaces the table and its sub-tables
 * where they are, or appends it. `expected` is what `block` parses to, for the check.
 */
export function setTable(text: string, path: readonly string[], block: string, expected: unknown): string {
  const before = parseOrExplain(text, '');
  const lines = text.split('\n');
  const ranges = tableRanges(lines, path);
  let out: string;
  if (ranges.length === 0 && getPath(before, path) !== undefined) throw new TomlEditError(`[${path.join('.')}] is written in a form cw does not edit (not as a table of its own)`);
  if (ranges.length === 0) out = append(text, block);
  else {
    const [first, ...others] = ranges;
    const drop = new Set<number>();
    for (const [from, to] of others) for (let n = from; n < to; n++) drop.add(n);
    const next: string[] = [];
    lines.forEach((l, n) => {
      if (n === first![0]) next.push(block);
      else if ((n > first![0] && n < first![1]) || drop.has(n)) return;
      else next.push(l);
    });
    out = next.join('\n');
  }
  verify(before, out, path, expected);
  return out;
}

/** Removes the table at `path` and its sub-tables; the text unchanged when there is none. */
export function removeTable(text: string, path: readonly string[]): string {
  const before = parseOrExplain(text, '');
  const ranges = tableRanges(text.split('\n'), path);
  if (ranges.length === 0) {
    if (getPath(before, path) !== undefined) throw new TomlEditError(`[${path.join('.')}] is written in a form cw does not edit (not as a table of its own)`);
    return text;
  }
  const out = cut(text, ranges);
  verify(before, out, path, undefined);
  return out.trim() === '' ? '' : out;
}

/** The value at `path` (a table, as smol-toml reads it), or undefined. */
export function getTable(text: string, path: readonly string[]): unknown {
  return getPath(parseOrExplain(text, ''), path);
}
