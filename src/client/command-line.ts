// A session's command line in a table column: arguments and paths give way first, the program's name never
// does (`cw list` once showed `~/proj/node_modules/.` where `claude` was meant). Pure: unit-tested.
import { safeLine } from '../common/terminal-text.js';

const width = (s: string): number => [...s].length;

/** "/a/b/claude" → "…/claude"; "--config=/etc/x/y.toml" → "--config=…/y.toml"; anything else unchanged. */
export function shortPath(word: string): string {
  const m = /^(-[^=\s]*=)?(.*)\/([^/]+)\/?$/.exec(word);
  if (!m || !m[2]) return word;
  const short = `${m[1] ?? ''}…/${m[3]}`;
  return width(short) < width(word) ? short : word;
}

/**
 * The command at most `max` characters wide, every control escaped. In order, until it fits: arguments that are
 * paths become `…/last`, then the program's own path does (its name stays), then the arguments are cut at the
 * end with `…`. The program's name is shown whole even when it alone is wider than `max`.
 */
export function shortCommand(argv: readonly string[], max: number): string {
  const words = argv.map((w) => safeLine(w, Number.POSITIVE_INFINITY));
  const fits = (ws: string[]): boolean => width(ws.join(' ')) <= max;
  if (words.length === 0 || fits(words)) return words.join(' ');
  const args = words.slice(1).map(shortPath);
  let program = words[0]!;
  if (!fits([program, ...args])) program = shortPath(program);
  const line = [program, ...args].join(' ');
  if (width(line) <= max) return line;
  const room = max - width(program) - 1;
  if (args.length === 0) return program;
  if (room < 2) return `${program} …`;
  const rest = [...args.join(' ')];
  return `${program} ${rest.slice(0, room - 1).join('')}…`;
}
