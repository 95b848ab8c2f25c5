// Gemini CLI (Ink, normal buffer): everything cw knows about it. Markers from AGENT-SCREENS.md §1.3 and our own
// captures (tests/fixtures/screens/gemini/*-captured-*).

import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentProfile, ConversationRef, Reading, Screen } from './types.js';
import { shellCommand } from './hooks.js';
import { BRAILLE, blockAbove, cursorOn, findLast, flatten, indicesWhere, isBlank, isHorizontalRule, lastNonBlank, lastNonBlankIndex, questionAbove, quote, unbox } from './screen.js';
import { lastBulletBlock, lastNonBlankAt, lastParagraphs, noReply, outputSincePrompt, screenReply } from './reply.js';

export const GEMINI = {
  title: {
    working: /^\s*[✦⏲]/,
    waiting: /^\s*✋|Action Required/,
    idle: /^\s*◇\s+Ready/,
  },
  bandTop: /^\s*▄{8,}\s*$/,
  bandBottom: /^\s*▀{8,}\s*$/,
  /** LoadingIndicator row: `⠸ Thinking... (esc to cancel, 3s)`; truncated to `(esc to c` at 24 cols. */
  loadingRow: new RegExp(`^\\s*[${BRAILLE}]\\s+\\S`),
  confirmWait: /Waiting for user confirmation/,
  selectedOption: /^\s*●\s*\d+\./,
  dialogWords: /Allow once|Allow execution|Apply this change|Do you want to proceed|Do you trust|Trust folder|Allow for this session|Yes, allow once/,
  cancelled: /ℹ Request cancelled\./,
} as const;

const GEMINI_LIVE_ROWS = 5; // loading row + rule + hint rows, wrapped once at 20–24 cols
const GEMINI_BOX_BOTTOM_SLACK_LINES = 2; // a confirmation box ends the screen, at most a hint row below

function readGemini(screen: Screen): Reading {
  const lines = screen.lines;
  const dialog = geminiDialog(lines);
  if (dialog) return { waiting: { reason: dialog } };

  const top = findLast(lines, (l) => GEMINI.bandTop.test(l));
  if (top < 0) return {};
  const reading: Reading = { composerAt: top };
  const live = geminiLiveRows(lines, top);
  const confirm = live.find((l) => GEMINI.confirmWait.test(l));
  if (confirm) return { waiting: { reason: `loading row ${quote(confirm)}` } };
  const row = live.find((l) => GEMINI.loadingRow.test(l));
  if (row) reading.working = { reason: `loading row ${quote(row)}` };
  const cancelled = blockAbove(lines, top).some((l) => GEMINI.cancelled.test(l)) || live.some((l) => GEMINI.cancelled.test(l));
  reading.idle = cancelled ? { reason: 'request cancelled', explicit: true } : { reason: 'composer, no loading row' };
  return reading;
}

/** Rows directly above the composer band, up to the previous band or box: the LoadingIndicator's home. */
function geminiLiveRows(lines: readonly string[], bandTop: number): string[] {
  const rows: string[] = [];
  for (let i = bandTop - 1; i >= 0 && rows.length < GEMINI_LIVE_ROWS; i--) {
    const l = lines[i]!;
    if (GEMINI.bandBottom.test(l) || /^\s*╰/.test(l)) break;
    if (!isBlank(l)) rows.push(l);
  }
  return rows;
}

/** The bottom-most `╭…╰` box holding a selected option and confirmation wording. */
function geminiDialog(lines: readonly string[]): string | undefined {
  const tail = lastNonBlank(lines, GEMINI_BOX_BOTTOM_SLACK_LINES);
  const bottom = tail.find((i) => /^\s*╰─+╯\s*$/.test(lines[i]!));
  if (bottom === undefined) return undefined;
  const col = lines[bottom]!.indexOf('╰');
  let top = bottom - 1;
  while (top >= 0 && lines[top]!.indexOf('╭') !== col) top--;
  if (top < 0) return undefined;
  const inside = lines.slice(top + 1, bottom).map(unbox);
  if (!inside.some((l) => GEMINI.selectedOption.test(l)) || !GEMINI.dialogWords.test(inside.join(' '))) return undefined;
  const q = questionAbove(inside, 0, inside.length);
  const kind = /trust/i.test(inside.join(' ')) ? 'trust dialog' : 'confirmation';
  return `${kind}: ${quote(q ?? inside.find((l) => !isBlank(l)) ?? 'tool confirmation')}`;
}

/** The last `✦ ` block of the latest turn: below the user's echoed prompt, above the composer band. */
function geminiReply(lines: readonly string[]) {
  const band = findLast(lines, (l) => GEMINI.bandTop.test(l));
  if (band < 0) return noReply('no Gemini composer on screen');
  const turn = lines.slice(0, band);
  const user = findLast(turn, (l) => /^\s*>\s+\S/.test(l) && !/Type your message/.test(l));
  const latest = turn.slice(user + 1);
  if (latest.some((l) => GEMINI.cancelled.test(l))) return noReply('the latest turn was cancelled');
  return screenReply(lastBulletBlock(latest, /^✦ /, /^$^/), 'the latest turn has no reply on screen');
}

/** Gemini CLI's chat file: JSON lines, `{type:"user"|"gemini", content}` records and `{"$set":…}` patches. */
async function geminiTranscriptReply(ref: ConversationRef) {
  if (!ref.transcriptPath) return undefined;
  let text: string;
  try {
    text = await readFile(ref.transcriptPath, 'utf8');
  } catch {
    return undefined;
  }
  let reply: string | undefined;
  let sawUser = false;
  for (const line of text.split('\n')) {
    let rec: { type?: string; content?: unknown };
    try {
      rec = JSON.parse(line);
    } catch {
      continue;
    }
    if (rec.type === 'user') {
      sawUser = true;
      reply = undefined;
    } else if (rec.type === 'gemini') {
      const t = contentText(rec.content);
      if (t) reply = t;
    }
  }
  if (!sawUser) return undefined;
  return reply ? ({ ok: true, text: reply.trim(), source: 'transcript' } as const) : noReply('the latest turn has no reply in the transcript');
}

function contentText(c: unknown): string {
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) return c.map((p) => (typeof p === 'string' ? p : typeof (p as { text?: unknown })?.text === 'string' ? (p as { text: string }).text : '')).join('');
  return '';
}

/** Events cw listens to, and what each means (docs/hooks/reference.md of gemini-cli). */
const GEMINI_EVENTS = ['SessionStart', 'BeforeAgent', 'AfterAgent', 'Notification', 'SessionEnd'] as const;

export const gemini: AgentProfile = {
  kind: 'gemini',
  label: 'Gemini CLI',
  checked: 'Gemini CLI 0.55.1 (atrium captures), 0.61.0 (captured here)',
  names: ['gemini', 'gemini-cli', '@google/gemini-cli'],
  pathFragments: ['@google/gemini-cli/'],
  title: GEMINI.title,
  read: readGemini,
  typesNotices: true,
  submitDelayMs: 100,
  composerEmpty: (s) => s.lines.some((l) => /^\s*>\s+Type your message/.test(l)),
  replyFromScreen: geminiReply,
  hooks: {
    // A settings layer for this run only: GEMINI_CLI_SYSTEM_DEFAULTS_PATH is the lowest layer and hook lists
    // concatenate, so the user's own hooks still run. A defaults file the user already set is merged, not lost.
    wire(input) {
      const file = join(input.dir, 'gemini-defaults.json');
      let base: Record<string, unknown> = {};
      const theirs = input.env.GEMINI_CLI_SYSTEM_DEFAULTS_PATH;
      if (theirs) {
        try {
          base = JSON.parse(readFileSync(theirs, 'utf8')) as Record<string, unknown>;
        } catch {
          base = {};
        }
      }
      const hooks: Record<string, unknown> = { ...((base.hooks as Record<string, unknown>) ?? {}) };
      for (const ev of GEMINI_EVENTS) {
        const mine = { hooks: [{ type: 'command', command: `${shellCommand(input.hookCommand)} ${ev}`, timeout: 5000 }] };
        hooks[ev] = [...(Array.isArray(hooks[ev]) ? (hooks[ev] as unknown[]) : []), mine];
      }
      const content = JSON.stringify({ ...base, hooks }, null, 2);
      return { argv: input.argv, env: { GEMINI_CLI_SYSTEM_DEFAULTS_PATH: file }, files: [{ path: file, content }], summary: `GEMINI_CLI_SYSTEM_DEFAULTS_PATH with hooks ${GEMINI_EVENTS.join(', ')}` };
    },
    interpret(event, payload) {
      const p = (payload ?? {}) as Record<string, unknown>;
      const ids = {
        ...(typeof p.session_id === 'string' ? { conversationId: p.session_id } : {}),
        ...(typeof p.transcript_path === 'string' ? { transcriptPath: p.transcript_path } : {}),
      };
      switch (event) {
        case 'SessionStart':
          return { reason: 'agent hook: SessionStart', ...ids };
        case 'BeforeAgent':
          return { activity: 'working', reason: 'agent hook: BeforeAgent', turnStarted: true, ...ids };
        case 'AfterAgent':
          return { activity: 'idle', reason: 'agent hook: AfterAgent', ...ids, ...(typeof p.prompt_response === 'string' ? { lastMessage: p.prompt_response } : {}) };
        case 'Notification':
          return p.notification_type === 'ToolPermission' || /permission/i.test(String(p.notification_type ?? p.message ?? ''))
            ? { activity: 'waiting_for_input', reason: 'agent hook: tool permission', ...ids }
            : { reason: 'agent hook: Notification', ...ids };
        case 'SessionEnd':
          return { reason: 'agent hook: SessionEnd', ended: true, ...ids };
        default:
          return undefined;
      }
    },
  },
  transcriptReply: geminiTranscriptReply,
};
