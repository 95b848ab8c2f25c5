// OpenCode (full-screen TUI on the alternate screen): everything cw knows about it. Markers from
// AGENT-SCREENS.md §1.6 and our own captures (tests/fixtures/screens/opencode/*-captured-*).

import type { AgentProfile, Reading, Screen } from './types.js';
import { BRAILLE, blockAbove, cursorOn, findLast, flatten, indicesWhere, isBlank, isHorizontalRule, lastNonBlank, lastNonBlankIndex, questionAbove, quote, unbox } from './screen.js';
import { lastBulletBlock, lastNonBlankAt, lastParagraphs, noReply, outputSincePrompt, screenReply } from './reply.js';

export const OPENCODE = {
  permission: /Permission required/,
  permissionOptions: /Allow once\s+Allow always\s+Reject/,
  questionHints: /select\s+enter submit\s+esc dismiss/,
  /** Bottom bar while busy: progress dots and `esc interrupt` (`esc again to interrupt` on the 2nd press). */
  busy: /\besc (?:again )?(?:to )?interrupt\b|[■⬝]{4,}/i,
  /** The help bar's own chrome; busy markers count only on this row or below it. */
  helpBar: /ctrl\+p (?:commands|cmd)|tab (?:agents|switch agent)/,
  /** Always-present chrome: it proves the TUI is up, never that it is idle by itself. */
  chrome: /Ask anything|ctrl\+p (?:commands|cmd)|tab (?:agents|switch agent)|press enter to send/i,
} as const;

const OPENCODE_BAR_LINES = 2; // fallback when no help-bar chrome is found: the bar and one status row
const OPENCODE_PANEL_LINES = 12; // permission panel: header, body, option row, hints

function readOpenCode(screen: Screen): Reading {
  const lines = screen.lines;
  const panel = lastNonBlank(lines, OPENCODE_PANEL_LINES).map((i) => lines[i]!);
  const panelText = panel.join('\n');
  if (OPENCODE.permission.test(panelText) && OPENCODE.permissionOptions.test(panelText)) {
    const title = panel.find((l) => /\s#\s+\S|^\s*[┃▏]?\s*\$\s/.test(l));
    return { waiting: { reason: `permission dialog${title ? ': ' + quote(title.replace(/^[\s┃▏]*/, '')) : ''}` } };
  }
  if (OPENCODE.questionHints.test(panelText)) return { waiting: { reason: 'question picker' } };
  const bar = opencodeBar(lines);
  const busy = bar.map((l) => l.match(OPENCODE.busy)).find((m) => m);
  if (busy) return { working: { reason: `bottom bar ${quote(busy[0])}` } };
  if (lines.some((l) => OPENCODE.chrome.test(l))) return { idle: { reason: 'input chrome, no busy bar' } };
  return {};
}

/**
 * The bottom help bar and anything under it. The transcript can quote "esc interrupt" a line or
 * two above the bar, so the bar is found by its own chrome, not by counting lines.
 */
function opencodeBar(lines: readonly string[]): string[] {
  const tail = lastNonBlank(lines, OPENCODE_PANEL_LINES);
  const barAt = [...tail].reverse().find((i) => OPENCODE.helpBar.test(lines[i]!));
  const rows = barAt === undefined ? tail.slice(-OPENCODE_BAR_LINES) : tail.filter((i) => i >= barAt);
  return rows.map((i) => lines[i]!);
}

/** The assistant text between the last `┃` user block and the input area. */
function opencodeReply(lines: readonly string[]) {
  const input = indicesWhere(lines, (l) => /Ask anything|^\s*╹▀/.test(l)).pop();
  if (input === undefined) return noReply('no opencode input area on screen');
  let end = input;
  while (end > 0 && /^\s*┃/.test(lines[end - 1]!)) end--; // the input box itself
  const userBlocks = indicesWhere(lines.slice(0, end), (l) => /^\s*┃/.test(l));
  const start = userBlocks.length > 0 ? userBlocks[userBlocks.length - 1]! : -1;
  return screenReply(lines.slice(start + 1, end).map((l) => l.replace(/\s{3,}\S.*$/, '')), 'the latest turn printed no reply');
}

export const opencode: AgentProfile = {
  kind: 'opencode',
  label: 'opencode',
  checked: 'opencode 1.1.8 (agent-of-empires captures), 1.18 (herdr)',
  names: ['opencode', 'opencode-ai'],
  pathFragments: ['/opencode-ai/'],
  title: {},
  read: readOpenCode,
  typesNotices: true,
  submitDelayMs: 100,
  composerEmpty: (s) => s.lines.some((l) => /Ask anything/.test(l)),
  replyFromScreen: opencodeReply,
};
