// Codex CLI (Rust/ratatui TUI): everything cw knows about it. Markers from AGENT-SCREENS.md §1.2 and our own
// captures (tests/fixtures/screens/codex/*-captured-*).

import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentProfile, ConversationRef, Reading, Screen } from './types.js';
import { BRAILLE, blockAbove, cursorOn, findLast, flatten, indicesWhere, isBlank, isHorizontalRule, lastNonBlank, lastNonBlankIndex, questionAbove, quote, unbox } from './screen.js';
import { lastBulletBlock, lastNonBlankAt, lastParagraphs, noReply, outputSincePrompt, screenReply } from './reply.js';

export const CODEX = {
  title: {
    working: new RegExp(`[${BRAILLE}]`),
    waiting: /Action Required/,
  },
  /** The composer (and the user's echoed messages, which share the glyph). Older builds: `▌`. */
  composer: /^[›▌](?:\s|$)/,
  /** The bottom hint of every Codex dialog; truncated at narrow widths (`Press enter to con`). */
  dialogHint: /^\s*(?:Press enter to\b|enter to submit|tab to add notes)|\|\s*esc to cancel/i,
  cursorOption: /^›\s*\d+\.\s/,
  question: /Would you like|Do you trust|Do you want to|Allow the .* MCP server|Question \d+\/\d+|needs your approval|Hooks need review/,
  /**
   * The live status row above the composer: `• Working (4s • esc to interrupt)`, at column 0.
   * Indented copies are quoted text, not the status row (herdr regression test).
   */
  statusRow: /^(?:[•◦]\s+)?[^\s•◦›].*\((?:\d+h\s*)?(?:\d+m\s*)?\d+s\b.*(?:esc to interrupt|esc to inte|…$)/i,
  interrupted: /^■ Conversation interrupted/,
} as const;

/** Only rows this close above the composer can be the live status row; older rows are history. */
const CODEX_STATUS_WINDOW_LINES = 3;
/** A Codex dialog's hint is its last line; a footer row may trail it. */
const CODEX_DIALOG_HINT_FROM_BOTTOM = 2;
const CODEX_DIALOG_MAX_LINES = 30; // the 20-col exec approval spans ~25 non-blank lines

function readCodex(screen: Screen): Reading {
  const lines = screen.lines;
  const dialog = codexDialog(lines);
  if (dialog) return { waiting: { reason: dialog } };

  const composerAt = findLast(lines, (l) => CODEX.composer.test(l));
  if (composerAt < 0) return {};
  const reading: Reading = { composerAt };
  const above: string[] = [];
  for (let i = composerAt - 1; i >= 0 && above.length < CODEX_STATUS_WINDOW_LINES; i--) {
    if (isBlank(lines[i])) continue;
    if (CODEX.composer.test(lines[i]!)) break; // the user's echoed prompt: the turn starts there
    above.push(lines[i]!);
  }
  const status = above.find((l) => CODEX.statusRow.test(l));
  if (status) reading.working = { reason: `status row ${quote(status)}` };
  const interrupted = above.some((l) => CODEX.interrupted.test(l));
  reading.idle = interrupted
    ? { reason: 'turn interrupted', explicit: true }
    : { reason: 'composer, no status row' };
  return reading;
}

function codexDialog(lines: readonly string[]): string | undefined {
  const tail = lastNonBlank(lines, CODEX_DIALOG_MAX_LINES);
  const hintIdx = tail.slice(-CODEX_DIALOG_HINT_FROM_BOTTOM).find((i) => CODEX.dialogHint.test(lines[i]!));
  if (hintIdx === undefined) return undefined;
  const optionIdx = tail.find((i) => i < hintIdx && CODEX.cursorOption.test(lines[i]!));
  if (optionIdx === undefined) return undefined;
  const start = tail[0]!;
  const q = findLast(lines.slice(start, optionIdx), (l) => CODEX.question.test(l));
  const text = q >= 0 ? lines[start + q]! : 'numbered choice';
  const kind = /trust/i.test(text) ? 'trust dialog' : /Question \d/.test(text) ? 'question' : 'approval dialog';
  return `${kind}: ${quote(text)}`;
}

/** Tool-history items, not prose: `• Ran cargo test`, `• Explored`, `• Edited src/x.rs`. */
const CODEX_TOOL_ITEM = /^• (?:Ran|Running|Explored|Exploring|Edited|Editing|Read|Searched|Updated Plan|Called|Calling|Added|Deleted|Working|Waiting|Thinking)\b/;

/** The last `• ` block of the latest turn: between the user's echoed prompt and the composer. */
function codexReply(lines: readonly string[]) {
  const prompts = indicesWhere(lines, (l) => CODEX.composer.test(l));
  const composer = prompts[prompts.length - 1];
  if (composer === undefined) return noReply('no Codex composer on screen');
  const start = prompts[prompts.length - 2] ?? -1;
  const turn = lines.slice(start + 1, composer);
  if (turn.some((l) => CODEX.interrupted.test(l))) return noReply('the latest turn was interrupted');
  return screenReply(lastBulletBlock(turn, /^• /, CODEX_TOOL_ITEM), 'the latest turn has no reply on screen');
}

/** `~/.codex/sessions/YYYY/MM/DD/rollout-<ts>-<thread-id>.jsonl` (CODEX_HOME moves it). */
async function codexTranscriptReply(ref: ConversationRef) {
  const file = ref.transcriptPath ?? (ref.conversationId ? findRollout(join(process.env.CODEX_HOME ?? join(ref.home, '.codex'), 'sessions'), ref.conversationId) : undefined);
  if (!file) return undefined;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  // The latest turn decides: task_complete carries its last message; turn_aborted means there is none.
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    let rec: { type?: string; payload?: { type?: string; last_agent_message?: string | null } };
    try {
      rec = JSON.parse(lines[i]!);
    } catch {
      continue; // a partial last line while Codex writes
    }
    if (rec.type !== 'event_msg' || !rec.payload) continue;
    const t = rec.payload.type;
    if (t === 'task_complete') {
      const m = rec.payload.last_agent_message;
      return m ? ({ ok: true, text: m.trim(), source: 'transcript' } as const) : noReply('the latest turn ended without a reply');
    }
    if (t === 'turn_aborted') return noReply('the latest turn was interrupted');
    if (t === 'task_started' || t === 'user_message') return noReply('the latest turn has not finished');
  }
  return undefined;
}

function findRollout(root: string, threadId: string): string | undefined {
  // Newest day first; a few folders at most are looked at (sessions of today and the days before).
  const byName = (dir: string): string[] => {
    try {
      return readdirSync(dir).sort().reverse();
    } catch {
      return [];
    }
  };
  for (const y of byName(root).slice(0, 2)) {
    for (const m of byName(join(root, y)).slice(0, 2)) {
      for (const d of byName(join(root, y, m)).slice(0, 7)) {
        const hit = byName(join(root, y, m, d)).find((f) => f.endsWith(`-${threadId}.jsonl`));
        if (hit) return join(root, y, m, d, hit);
      }
    }
  }
  return undefined;
}

export const codex: AgentProfile = {
  kind: 'codex',
  label: 'Codex CLI',
  checked: 'Codex 0.147.0 (atrium captures), 0.171.0 (captured here)',
  names: ['codex', '@openai/codex'],
  pathFragments: ['@openai/codex'],
  title: CODEX.title,
  read: readCodex,
  typesNotices: true,
  submitDelayMs: 250,
  composerEmpty: (s) => {
    const at = findLast(s.lines, (l) => CODEX.composer.test(l));
    return at >= 0 && s.cursor.y === at && s.lines[at]!.replace(CODEX.composer, '').trim() === '';
  },
  replyFromScreen: codexReply,
  hooks: {
    // `notify` runs a program after every turn with the turn's JSON as its last argument. It needs no hook
    // trust (Codex's own hooks do), and `-c` sets it for this run only. A notify the user configured is kept:
    // cw's hook runs it after itself (`--then`).
    wire(input) {
      if (input.programIndex === undefined) return undefined;
      const theirs = userNotify(input.env.CODEX_HOME ?? join(input.home, '.codex'));
      const cmd = [...input.hookCommand, ...(theirs ? ['--then', JSON.stringify(theirs)] : [])];
      const argv = [...input.argv];
      argv.splice(input.programIndex + 1, 0, '-c', `notify=${JSON.stringify(cmd)}`);
      return { argv, env: {}, files: [], summary: `-c notify=[cw hook codex] (after each turn)` };
    },
    interpret(_event, payload) {
      const p = payload as Record<string, unknown> | null;
      if (!p || p.type !== 'agent-turn-complete') return undefined;
      const last = p['last-assistant-message'];
      return {
        activity: 'idle',
        reason: 'agent notify: turn complete',
        ...(typeof p['thread-id'] === 'string' ? { conversationId: p['thread-id'] } : {}),
        ...(typeof last === 'string' ? { lastMessage: last } : {}),
      };
    },
  },
  transcriptReply: codexTranscriptReply,
};

/** The `notify` of the user's own config.toml, if any (so cw's does not silently replace it). */
function userNotify(codexHome: string): string[] | undefined {
  try {
    const m = /^\s*notify\s*=\s*(\[[^\]]*\])/m.exec(readFileSync(join(codexHome, 'config.toml'), 'utf8'));
    if (!m) return undefined;
    const v = JSON.parse(m[1]!.replace(/'/g, '"')) as unknown;
    return Array.isArray(v) && v.every((x) => typeof x === 'string') && v.length > 0 ? (v as string[]) : undefined;
  } catch {
    return undefined;
  }
}
