// Splitting a command line into words as a POSIX shell does for quotes and backslashes, without expansion: for
// the dashboard's and the cockpit's launch lines, and for reading agents' programs out of shell strings.
// Browser-safe (the dashboard page bundles it).

/**
 * The words of `line`. Inside double quotes a backslash escapes only `"`, `\`, `$` and a backquote (as in sh).
 * An unclosed quote throws when `strict` (a person typed the line: say so), else takes the rest as the word.
 */
export function shellWords(line: string, { strict = true }: { strict?: boolean } = {}): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) cur += line[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      has = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (quote && strict) throw new Error('unclosed quote in the command');
  if (has) out.push(cur);
  return out;
}
