// Cursor agent (`cursor-agent` / `agent`): everything cw knows about it. Markers from AGENT-SCREENS.md §1.7
// (ccmanager and agent-of-empires test captures).

import type { AgentProfile, Reading, Screen } from './types.js';
import { BRAILLE, findLast, indicesWhere, lastNonBlank, lastNonBlankIndex, quote } from './screen.js';
import { lastParagraphs, noReply, screenReply } from './reply.js';

export const CURSOR = {
  followUp: /→ Add a follow-up/,
  stop: /ctrl\+c to stop/i,
  dialogQuestion: /^\s*(?:Run this command|Write to this file|Allow this web search|Delete this file|Run this MCP tool|Apply changes)\?/,
  dialogOption: /\((?:y|esc or n|esc or n or p)\)\s*$|\(y\)\s*\(enter\)|Skip \(esc or n\)|Waiting for decision|enter to select · esc to cancel/i,
  /** The live activity line: a two-cell braille spinner, a verb and a token count (`⠘⠆ Editing  39.76k tokens`). */
  spinner: new RegExp(`^\\s*[${BRAILLE}⬡⬢]{1,2}\\s+[A-Z][a-z]+(?:ing)?\\b.*(?:\\d[\\d.]*k? tokens|\\.\\.\\.?\\s*$)`),
} as const;

const CURSOR_DIALOG_WINDOW_LINES = 12;

function readCursor(screen: Screen): Reading {
  const lines = screen.lines;
  const followAt = findLast(lines, (l) => CURSOR.followUp.test(l));
  const tail = lastNonBlank(lines, CURSOR_DIALOG_WINDOW_LINES).filter((i) => i > followAt);
  const option = tail.find((i) => CURSOR.dialogOption.test(lines[i]!));
  if (option !== undefined) {
    const q = tail.find((i) => CURSOR.dialogQuestion.test(lines[i]!));
    return { waiting: { reason: `approval: ${quote(lines[q ?? option]!)}` } };
  }
  if (followAt < 0) {
    // Before the follow-up line is drawn, the spinner on the last line is the only live thing (agent-of-empires
    // captures, 2025): an edit box above it is the tool at work.
    const last = lastNonBlankIndex(lines);
    return last >= 0 && CURSOR.spinner.test(lines[last]!) ? { working: { reason: `spinner ${quote(lines[last]!)}` } } : {};
  }
  // Only the follow-up line and what is below it is live (agent-of-empires cursor_active_region).
  const live = lines.slice(followAt).join(' ');
  if (CURSOR.stop.test(live)) return { working: { reason: 'follow-up line shows "ctrl+c to stop"' }, composerAt: followAt };
  return { idle: { reason: 'follow-up prompt, no stop hint' }, composerAt: followAt };
}

/** The block above the `→ Add a follow-up` line. */
function cursorReply(lines: readonly string[]) {
  const at = indicesWhere(lines, (l) => CURSOR.followUp.test(l)).pop();
  if (at === undefined) return noReply('no follow-up prompt on screen: the turn is not over');
  return screenReply(lastParagraphs(lines.slice(0, at)), 'the latest turn printed no reply');
}

export const cursorAgent: AgentProfile = {
  kind: 'cursor-agent',
  label: 'Cursor agent',
  checked: 'cursor-agent 2025–2026 (ccmanager, agent-of-empires captures; OpenRig strings of the 2026.09.28 bundle); not captured here',
  names: ['cursor-agent', '@cursor/agent'],
  pathFragments: ['/cursor-agent/'],
  title: {},
  read: readCursor,
  typesNotices: true,
  submitDelayMs: 100,
  composerEmpty: (s) => {
    const at = findLast(s.lines, (l) => CURSOR.followUp.test(l));
    return at >= 0;
  },
  replyFromScreen: cursorReply,
};
