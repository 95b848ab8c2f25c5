// aider (prompt_toolkit line REPL): everything cw knows about it. Markers from AGENT-SCREENS.md §1.4
// (atrium's captures of 0.86.2).

import type { AgentProfile, Reading, Screen } from './types.js';
import { cursorOn, flatten, indicesWhere, lastNonBlankIndex, quote } from './screen.js';
import { noReply, screenReply } from './reply.js';

export const AIDER = {
  /** confirm_ask: `Add file to the chat? (Y)es/(N)o/(D)on't ask again [Yes]: `, cursor parked after it. */
  confirm: /\(Y\)es\/\s*\(N\)o.*\[(?:Yes|No|All|Skip all|Don't ask again)\]:\s*$/,
  /** The prompt: `> `, or a mode prompt such as `ask> `, `architect> `, `multi> `. */
  prompt: /^(?:[a-z][\w-]*)?> ?/,
  waitingForModel: /^\S?\s*Waiting for [\w./:@-]+/,
} as const;

function readAider(screen: Screen): Reading {
  const lines = screen.lines;
  const last = lastNonBlankIndex(lines);
  if (last < 0) return {};
  const line = lines[last]!;
  const flat = flatten([lines[last - 1] ?? '', line]);
  if (/\]:\s*$/.test(line) && AIDER.confirm.test(flat) && cursorOn(screen, last)) {
    return { waiting: { reason: `confirm: ${quote(flat.replace(/\s*\(Y\)es\/.*$/, ''))}` } };
  }
  if (AIDER.waitingForModel.test(line)) return { working: { reason: quote(line) } };
  if (AIDER.prompt.test(line) && cursorOn(screen, last)) {
    return { idle: { reason: `prompt ${quote(line.trim() === '>' ? '> ' : line)}`, explicit: true }, composerAt: last };
  }
  return {};
}

/** Everything after the last `> ` user line, minus the final prompt and the cost line. */
function aiderReply(lines: readonly string[]) {
  const prompts = indicesWhere(lines, (l) => AIDER.prompt.test(l));
  const current = prompts[prompts.length - 1] ?? lines.length;
  const isCurrentPrompt = current === lastNonBlankIndex(lines);
  if (!isCurrentPrompt) return noReply('aider is not at its prompt: the turn is not over');
  const start = prompts[prompts.length - 2] ?? -1;
  return screenReply(lines.slice(start + 1, current).filter((l) => !/^Tokens: .* Cost: /.test(l)), 'the latest turn printed no reply');
}

export const aider: AgentProfile = {
  kind: 'aider',
  label: 'aider',
  checked: 'aider 0.86.2 (recorded by atrium); not captured here (not on npm)',
  names: ['aider', 'aider-chat', 'aider-ce'],
  title: {},
  read: readAider,
  busyUnlessPrompt: true,
  typesNotices: true,
  submitDelayMs: 50,
  composerEmpty: (s) => (s.lines[s.cursor.y] ?? '').replace(/^(?:[a-z][\w-]*)?>\s?/, '').trim() === '',
  replyFromScreen: aiderReply,
};
