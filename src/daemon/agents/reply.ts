// Shared helpers for reading "the latest turn's reply" off scrollback + screen, for agents' replyFromScreen.
// Pure. Each agent marks its messages differently; these cut blocks and tidy them. A reply is only ever taken
// from BELOW the latest prompt the user submitted: an older turn's reply is never handed back as current.

import type { Reply } from './types.js';
import { indicesWhere, isBlank, isHorizontalRule, lastNonBlankIndex, unbox } from './screen.js';

export const noReply = (why: string): Reply => ({ ok: false, why });

/** A reply from screen text, or "none" when the text is empty. */
export function screenReply(block: readonly string[], none: string): Reply {
  const text = tidy(block);
  return text === '' ? noReply(none) : { ok: true, text, source: 'screen' };
}

/**
 * The last message that starts with `bullet` at column 0 and is not a tool item, with its continuation lines
 * (indented, or blank between indented paragraphs). The bullet and the two-space hanging indent are removed.
 */
export function lastBulletBlock(lines: readonly string[], bullet: RegExp, tool: RegExp): string[] {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (!bullet.test(line) || tool.test(line)) continue;
    const out = [line.replace(bullet, '')];
    for (let j = i + 1; j < lines.length; j++) {
      const next = lines[j]!;
      if (!isBlank(next) && !/^ {2}/.test(next)) break;
      if (/^\s*⎿/.test(next)) break; // a tool result under the message
      out.push(next.replace(/^ {2}/, ''));
    }
    return out;
  }
  return [];
}

/** The trailing paragraphs of plain output (no markers to go by). */
export function lastParagraphs(lines: readonly string[]): string[] {
  let end = lines.length;
  while (end > 0 && isBlank(lines[end - 1])) end--;
  return lines.slice(0, end).slice(-200);
}

/** Remove frames and box-drawing rows, dedent, trim blank edges. */
export function tidy(block: readonly string[]): string {
  const rows = block
    .filter((l) => !isHorizontalRule(l) && !/^\s*[╭╰┌└╔╚][─═━]*[╮╯┐┘╗╝]?\s*$/.test(l))
    .map((l) => (/^\s*[│┃║]/.test(l) ? unbox(l) : l).trimEnd());
  let start = 0;
  let end = rows.length;
  while (start < end && isBlank(rows[start])) start++;
  while (end > start && isBlank(rows[end - 1])) end--;
  const body = rows.slice(start, end);
  const indent = Math.min(...body.filter((l) => !isBlank(l)).map((l) => l.length - l.trimStart().length), Infinity);
  return body.map((l) => (Number.isFinite(indent) ? l.slice(indent) : l)).join('\n');
}

/** Shells and unknown programs: the output since the last prompt-looking line. */
export function outputSincePrompt(lines: readonly string[]): Reply {
  const promptRe = /(?:[$#%❯➜»>]|>>>)\s?$|^\S*[$#%]\s/;
  const prompts = indicesWhere(lines, (l) => promptRe.test(l));
  const last = prompts[prompts.length - 1];
  if (last === undefined) return screenReply(lastParagraphs(lines), 'the screen is empty');
  const isCurrentPrompt = last === lastNonBlankIndex(lines) && /(?:[$#%❯➜»>]|>>>)\s?$/.test(lines[last]!);
  const end = isCurrentPrompt ? last : lines.length;
  const start = isCurrentPrompt ? (prompts[prompts.length - 2] ?? -1) : last;
  return screenReply(lines.slice(start + 1, end), 'no output since the last prompt');
}
