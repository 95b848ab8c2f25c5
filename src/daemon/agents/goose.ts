// goose (rustyline + cliclack): everything cw knows about it. Markers from AGENT-SCREENS.md §1.5; the idle
// prompt is well attested, the spinner and permission select are from the binary's strings (unverified live).

import type { AgentProfile, Reading, Screen } from './types.js';
import { cursorOn, indicesWhere, lastNonBlank, lastNonBlankIndex, quote } from './screen.js';
import { noReply, screenReply } from './reply.js';

export const GOOSE = {
  /** rustyline prompt `( O)> `; some builds use the goose emoji. */
  prompt: /^\s*(?:\( O\)>|🪿)(?:\s|$)/,
  /** cliclack select, active (`◆`); once answered it collapses to `◇ … │ Allow`. */
  activeSelect: /^\s*◆\s+\S/,
  legacyConfirm: /Allow\? \(y\/n\):\s*$/,
  busyHint: /\(Ctrl\+C to interrupt\)/i,
  spinner: /^\s*[◒◐◓◑]\s+\S/,
} as const;

const GOOSE_SELECT_WINDOW_LINES = 10; // question + 4 options with hints + `└`

function readGoose(screen: Screen): Reading {
  const lines = screen.lines;
  const tail = lastNonBlank(lines, GOOSE_SELECT_WINDOW_LINES);
  const last = tail[tail.length - 1];
  if (last === undefined) return {};
  const selectAt = tail.find((i) => GOOSE.activeSelect.test(lines[i]!));
  if (selectAt !== undefined && tail.every((i) => i <= selectAt || /^\s*[│└|]/.test(lines[i]!))) {
    return { waiting: { reason: `tool confirmation: ${quote(lines[selectAt]!.replace(/^\s*◆\s+/, ''))}` } };
  }
  if (GOOSE.legacyConfirm.test(lines[last]!)) return { waiting: { reason: `tool confirmation: ${quote(lines[last]!)}` } };
  const bottom3 = tail.slice(-3).map((i) => lines[i]!);
  const busy = bottom3.find((l) => GOOSE.busyHint.test(l) || GOOSE.spinner.test(l));
  if (busy) return { working: { reason: `spinner ${quote(busy)}` } };
  if (GOOSE.prompt.test(lines[last]!) && cursorOn(screen, last)) {
    return { idle: { reason: 'prompt "( O)>"', explicit: true }, composerAt: last };
  }
  return {};
}

/** The text after the last `( O)> ` line, minus the context meter and timing lines. */
function gooseReply(lines: readonly string[]) {
  const prompts = indicesWhere(lines, (l) => /^\s*(?:\( O\)>|🪿)/.test(l));
  const last = prompts[prompts.length - 1] ?? lines.length;
  if (last !== lastNonBlankIndex(lines)) return noReply('goose is not at its prompt: the turn is not over');
  const start = prompts[prompts.length - 2] ?? -1;
  return screenReply(
    lines.slice(start + 1, last).filter((l) => !/^Context: [○●◔◑◕]/.test(l) && !/^⏱️?\s+Elapsed time/.test(l)),
    'the latest turn printed no reply',
  );
}

export const goose: AgentProfile = {
  kind: 'goose',
  label: 'goose',
  checked: 'goose 1.x (pasted sessions to Feb 2026, binary strings of 1.53.0); not captured here (not on npm)',
  names: ['goose', 'goose-cli'],
  title: {},
  read: readGoose,
  busyUnlessPrompt: true,
  typesNotices: true,
  submitDelayMs: 50,
  composerEmpty: (s) => (s.lines[s.cursor.y] ?? '').replace(/^\s*(?:\( O\)>|🪿)\s?/, '').trim() === '',
  replyFromScreen: gooseReply,
};
