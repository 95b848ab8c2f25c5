// Surgical edits of a JSON (or JSON-with-comments) configuration file: one member set or removed, every other byte
// kept. Agents' user files (~/.claude.json, Gemini's settings.json, opencode.json) are the user's, often formatted by
// hand and commented (Gemini and opencode strip comments): re-serialising them would lose that and churn a diff.
// Pure: text in, text out.

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${message} at line ${line}, column ${column}`);
    this.name = 'JsonSyntaxError';
  }
}

interface Member {
  key: string;
  /** Offset of the key's opening quote. */
  start: number;
  value: JsonNode;
}

interface JsonNode {
  start: number;
  /** Offset just past the value. */
  end: number;
  value: unknown;
  /** For objects: the members in order (a repeated key appears twice; the last one counts, as in JSON.parse). */
  members?: Member[];
}

/** Parses `text` into nodes with their offsets; comments (`//`, `/* *\/`) are skipped like whitespace. */
function parse(text: string): JsonNode | null {
  let i = 0;
  const fail = (what: string, at = i): never => {
    const before = text.slice(0, at);
    const line = before.split('\n').length;
    throw new JsonSyntaxError(what, line, at - before.lastIndexOf('\n'));
  };
  const skip = (): void => {
    for (;;) {
      while (i < text.length && /\s/.test(text[i]!)) i++;
      if (text.startsWith('//', i)) {
        const nl = text.indexOf('\n', i);
        i = nl < 0 ? text.length : nl + 1;
      } else if (text.startsWith('/*', i)) {
        const close = text.indexOf('*/', i + 2);
        if (close < 0) fail('unterminated comment');
        i = close + 2;
      } else return;
    }
  };
  const string = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++;
      if (text[i] === '\n') fail('newline in a string');
      i++;
    }
    if (i >= text.length) fail('unterminated string', start);
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return fail('invalid string', start);
    }
  };
  const value = (): JsonNode => {
    skip();
    const start = i;
    const c = text[i];
    if (c === '{') {
      i++;
      const members: Member[] = [];
      const obj: Record<string, unknown> = {};
      skip();
      if (text[i] === '}') {
        i++;
        return { start, end: i, value: obj, members };
      }
      for (;;) {
        skip();
        if (text[i] !== '"') fail('expected a quoted key');
        const keyStart = i;
        const key = string();
        skip();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        const v = value();
        members.push({ key, start: keyStart, value: v });
        // defineProperty: a key named __proto__ is data here, as in JSON.parse.
        Object.defineProperty(obj, key, { value: v.value, enumerable: true, writable: true, configurable: true });
        skip();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return { start, end: i, value: obj, members };
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const arr: unknown[] = [];
      skip();
      if (text[i] === ']') {
        i++;
        return { start, end: i, value: arr };
      }
      for (;;) {
        arr.push(value().value);
        skip();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return { start, end: i, value: arr };
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') {
      const s = string();
      return { start, end: i, value: s };
    }
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!m) return fail('unexpected character');
    i += m[0].length;
    return { start, end: i, value: JSON.parse(m[0]) as unknown };
  };
  skip();
  if (i >= text.length) return null;
  const root = value();
  skip();
  if (i < text.length) fail('unexpected text after the end');
  if (!root.members) fail('the file is not a JSON object', root.start);
  return root;
}

/** The member `key` of an object node (the last one when repeated, as JSON.parse reads it). */
function member(node: JsonNode, key: string): Member | undefined {
  const ms = node.members ?? [];
  for (let i = ms.length - 1; i >= 0; i--) if (ms[i]!.key === key) return ms[i];
  return undefined;
}

/** The whitespace that starts the line `at` is on. */
function lineIndent(text: string, at: number): string {
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

/** The file's indentation step, from its first top-level member (2 spaces when it has none on a line of its own). */
function indentUnit(text: string, root: JsonNode): string {
  const first = root.members?.[0];
  if (first) {
    const ind = lineIndent(text, first.start);
    const onOwnLine = text.slice(text.lastIndexOf('\n', first.start - 1) + 1, first.start).trim() === '';
    if (onOwnLine && ind) return ind;
  }
  return '  ';
}

function format(value: unknown, indent: string, unit: string): string {
  return JSON.stringify(value, null, unit).split('\n').join(`\n${indent}`);
}

/** `value` nested under the keys of `path` (`['a','b'], v` → `{a: {b: v}}`). */
function nest(path: readonly string[], value: unknown): unknown {
  return path.reduceRight<unknown>((v, k) => ({ [k]: v }), value);
}

/** The value at `path` in the file's top-level object, or undefined when absent (or the file is empty). */
export function getAt(text: string, path: readonly string[]): unknown {
  let node = parse(text);
  for (const key of path) {
    const m = node ? member(node, key) : undefined;
    if (!m) return undefined;
    node = m.value;
  }
  return node?.value;
}

/**
 * Sets `path` to `value`: replaces the value in place when the member exists, else appends it as the last member
 * of the nearest object on the path that exists, indented like the file. An empty file becomes an object.
 */
export function setAt(text: string, path: readonly string[], value: unknown): string {
  const root = parse(text);
  if (!root) return `${format(nest(path, value), '', '  ')}\n`;
  const unit = indentUnit(text, root);
  let node = root;
  for (let d = 0; d < path.length; d++) {
    const key = path[d]!;
    const m = member(node, key);
    if (m && d === path.length - 1) {
      return text.slice(0, m.value.start) + format(value, lineIndent(text, m.start), unit) + text.slice(m.value.end);
    }
    if (m && m.value.members) {
      node = m.value;
      continue;
    }
    if (m) throw new JsonSyntaxError(`"${path.slice(0, d + 1).join('.')}" is not an object`, ...lineColumn(text, m.value.start));
    const rest = nest(path.slice(d + 1), value);
    const last = node.members!.at(-1);
    if (last) {
      const indent = lineIndent(text, last.start);
      return `${text.slice(0, last.value.end)},\n${indent}${JSON.stringify(key)}: ${format(rest, indent, unit)}${text.slice(last.value.end)}`;
    }
    const outer = lineIndent(text, node.start);
    const indent = outer + unit;
    return `${text.slice(0, node.start + 1)}\n${indent}${JSON.stringify(key)}: ${format(rest, indent, unit)}\n${outer}${text.slice(node.end - 1)}`;
  }
  return text; // an empty path: nothing to set
}

function lineColumn(text: string, at: number): [number, number] {
  const before = text.slice(0, at);
  return [before.split('\n').length, at - before.lastIndexOf('\n')];
}

/**
 * Removes the member at `path`, and each object on the path that it leaves empty (the ones setAt() created), so
 * that removing what setAt() appended gives back the file as it was. Absent: the text unchanged. A file left as an
 * empty object becomes '' (the caller deletes it).
 */
export function removeAt(text: string, path: readonly string[]): string {
  const root = parse(text);
  if (!root || path.length === 0) return text;
  const chain: JsonNode[] = [root];
  const found: Member[] = [];
  for (const key of path) {
    const node = chain.at(-1)!;
    const m = node.members ? member(node, key) : undefined;
    if (!m) return text;
    found.push(m);
    chain.push(m.value);
  }
  // The outermost ancestor (never the root) that holds nothing but the path: removing it removes the rest.
  let d = path.length - 1;
  while (d > 0 && chain[d]!.members!.length === 1) d--;
  const parent = chain[d]!;
  const m = found[d]!;
  const members = parent.members!;
  const idx = members.lastIndexOf(m);
  let out: string;
  if (members.length === 1) out = text.slice(0, parent.start + 1) + text.slice(parent.end - 1);
  else if (idx < members.length - 1) out = text.slice(0, m.start) + text.slice(members[idx + 1]!.start);
  else out = text.slice(0, members[idx - 1]!.value.end) + text.slice(m.value.end);
  return /^\s*\{\s*\}\s*$/.test(out) ? '' : out;
}
