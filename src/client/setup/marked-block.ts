// cw's instructions inside an agent's user instruction file (CLAUDE.md, AGENTS.md, GEMINI.md), between two HTML
// comments that no renderer shows and no agent is confused by. Everything outside the markers is the user's and is
// never touched. Pure: text in, text out.

export const BEGIN = '<!-- cw:begin -->';
export const END = '<!-- cw:end -->';

export type ItemState = 'installed' | 'missing' | 'outdated';

export class MarkedBlockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MarkedBlockError';
  }
}

/** Where the block is: [start of BEGIN, end of END), markers at the start of a line. */
function find(text: string): { start: number; end: number; inner: string } | null {
  const begin = /^<!-- cw:begin -->[ \t]*$/m.exec(text);
  if (!begin) return null;
  const endRe = /^<!-- cw:end -->[ \t]*$/gm;
  endRe.lastIndex = begin.index + begin[0].length;
  const end = endRe.exec(text);
  if (!end) throw new MarkedBlockError(`the line ${BEGIN} has no ${END} after it`);
  const inner = text.slice(begin.index + begin[0].length, end.index).replace(/^\r?\n/, '').replace(/\r?\n$/, '');
  return { start: begin.index, end: end.index + end[0].length, inner };
}

const block = (body: string): string => `${BEGIN}\n${body.trimEnd()}\n${END}`;

/** The text with cw's block reading `body`: replaced where it is, or appended after one blank line. */
export function install(text: string, body: string): string {
  const at = find(text);
  if (at) return text.slice(0, at.start) + block(body) + text.slice(at.end);
  let out = text;
  if (out.length && !out.endsWith('\n')) out += '\n';
  if (out.length && !out.endsWith('\n\n')) out += '\n';
  return `${out}${block(body)}\n`;
}

/**
 * The text without cw's block (and without the line break and the blank line install added, so that a file that
 * ended in one newline reads as before); '' when nothing else is left (the caller deletes the file).
 */
export function uninstall(text: string): string {
  const at = find(text);
  if (!at) return text;
  let before = text.slice(0, at.start);
  let after = text.slice(at.end);
  if (after.startsWith('\n')) after = after.slice(1);
  else if (after.startsWith('\r\n')) after = after.slice(2);
  if (after === '' && before.endsWith('\n\n')) before = before.slice(0, -1);
  const out = before + after;
  return out.trim() === '' ? '' : out;
}

export function check(text: string, body: string): ItemState {
  const at = find(text);
  if (!at) return 'missing';
  return at.inner === body.trimEnd() ? 'installed' : 'outdated';
}
