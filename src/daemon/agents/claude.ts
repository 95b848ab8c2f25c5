// Claude Code: everything cw knows about it. Layout (2.x): transcript, the spinner/status block, a prompt box
// between two `─` rules with `❯` inside, a footer. The prompt box is on screen in every state except while a
// dialog replaces it. Markers from AGENT-SCREENS.md §1.1 and the captures it cites, and from our own captures
// (tests/fixtures/screens/claude/*-captured-*, npm run agents:capture).

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentProfile, ConversationRef, HookSignal, HookWiring, HookWiringInput, Reading, Screen } from './types.js';
import { field, shellCommand } from './hooks.js';
import { BRAILLE, blockAbove, cursorOn, findLast, flatten, indicesWhere, isBlank, isHorizontalRule, lastNonBlank, lastNonBlankIndex, questionAbove, quote, unbox } from './screen.js';
import { lastBulletBlock, lastNonBlankAt, lastParagraphs, noReply, outputSincePrompt, screenReply } from './reply.js';

/** Spinner glyphs: `· ✢ ✳ ✶ ✻ ✽` (macOS), `*` elsewhere, `●` reduced motion, `✱` seen live. */
const CLAUDE_GLYPH = `[·✢✳✶✻✽✱✺*●${BRAILLE}◐◓◑◒]`;
const CLAUDE_ELAPSED = String.raw`\(\s*(?:\d+h\s*)?(?:\d+m\s*)?\d+s\b`;

export const CLAUDE = {
  title: {
    // Braille (≤2.1.227) or half-circle (2.1.228+) first char = working. `✳` is NOT idle
    // evidence: it is a spinner frame under ghostty and was seen during running turns (2.1.241).
    working: new RegExp(`^\\s*[${BRAILLE}◐◓◑◒]`),
  },
  /** Live activity line: `✢ Moseying… (2s · ↓ 281 tokens)`; the ellipsis (not the glyph) marks it live. */
  spinnerLine: new RegExp(
    `^\\s*${CLAUDE_GLYPH}\\s+(?:[^\\s…]+…|\\S.*?(?:…|\\.\\.\\.)\\s*${CLAUDE_ELAPSED})`,
  ),
  /** The live counter alone, when the glyph or verb was cut: `(30s · ↑ 1.2k tokens`. */
  counter: new RegExp(`${CLAUDE_ELAPSED}\\s*·\\s*[↑↓]`),
  /** A tool in flight under its call, or a foreground Bash offering to background itself. */
  toolRunning: /^\s*⎿\s+Running…|to run in background/,
  /** Done line, past tense and no ellipsis: `✻ Worked for 8s`, `✳ Brewed for 9m 52s`. */
  doneLine: /^\s*[^\s\w]\s+[A-Z][\p{L}]+ for (?:\d+h\s*)?(?:\d+m\s*)?\d+s\b(?!.*…)/u,
  interrupted: /Interrupted · What should Claude do instead\?/,
  background: /\b(?:shells?|monitors?|background agents?|MCP tasks?) still running|Waiting for \d+ background/,
  /** Footer hint while a turn runs; the chord is rebindable, so key on the action. `esc to …` is the 30-col truncation. */
  footerBusy: /(?:\S+ )?to interrupt\b|\besc to\s*(?:…|$)/,
  /** Queued input while busy replaces the composer text. */
  queued: /Press up to edit queued messages|ctrl\+x ctrl\+s to send now/,
  /** Overlays that hide the live UI: keep the previous state (herdr skip_state_update). */
  overlay: /Showing detailed transcript|ctrl\+o to toggle|⌕ Search|Enter to set as default/i,
  /** A selection cursor on a numbered option or checkbox: `❯ 1. Yes`, `❯ [✔] nanoclaw`. */
  cursorOption: /^\s*❯\s*(?:\d+\.|\[[ ✔✓x×]\])/,
  option: /^\s*(?:❯\s*)?\d+\.\s*\S/,
  /** Dialog chrome, flattened because it wraps at narrow widths (`Esc to cancel · Tab to` / `amend`). */
  dialogHint: /Enter to (?:confirm|select)|Esc to (?:cancel|reject)|Tab to amend|\((?:esc)\)|to navigate/i,
  /** The permission footer alone proves a tool dialog even when its question scrolled off. */
  permissionFooter: /Esc to cancel · Tab to amend/,
} as const;

/** Lines reaching this far below a dialog's selected option mean it is not the live bottom dialog. */
const CLAUDE_DIALOG_TAIL_MAX_LINES = 12; // the 20-col write dialog has 7 wrapped lines below `❯ 1.`; 12 leaves slack
/** Without any rule to anchor on, only a selection at the very bottom can be a live dialog. */
const CLAUDE_UNANCHORED_TAIL_MAX_LINES = 6; // trust gate: 2 options + hint below `❯ 1.`
/** The prompt box sits at the bottom; a status line or team selector can add rows under it. */
const CLAUDE_FOOTER_MAX_LINES = 10;

interface ClaudeBox {
  top: number;
  bottom: number;
}

/**
 * The prompt box: two rules with a `❯` (2.x) or `>` line between, or the 1.0.x rounded box
 * `╭─╮ │ > │ ╰─╯`. It is on screen in every state except while a dialog replaces it.
 */
export function findClaudePromptBox(lines: readonly string[]): ClaudeBox | undefined {
  const last = lastNonBlankIndex(lines);
  for (let bottom = last; bottom >= 0 && last - bottom <= CLAUDE_FOOTER_MAX_LINES + 2; bottom--) {
    const line = lines[bottom]!;
    if (isHorizontalRule(line)) {
      for (let top = bottom - 1; top >= 0 && bottom - top <= 12; top--) {
        if (!isHorizontalRule(lines[top])) continue;
        const body = lines.slice(top + 1, bottom).filter((l) => !isBlank(l));
        if (body.length > 0 && /^\s*[❯>](?:\s|$)/.test(body[0]!)) return { top, bottom };
        break;
      }
    } else if (/^\s*╰─/.test(line)) {
      for (let top = bottom - 1; top >= 0 && bottom - top <= 12; top--) {
        if (!/^\s*╭─/.test(lines[top]!)) continue;
        const body = lines.slice(top + 1, bottom).map(unbox).filter((l) => !isBlank(l));
        if (body.length > 0 && /^\s*[❯>](?:\s|$)/.test(body[0]!)) return { top, bottom };
        break;
      }
    }
  }
  return undefined;
}

function readClaude(screen: Screen): Reading {
  const lines = screen.lines;
  const tail = flatten(lastNonBlank(lines, 4).map((i) => lines[i]!));
  const overlay = tail.match(CLAUDE.overlay);
  if (overlay) return { hold: { reason: `overlay open: ${quote(overlay[0])}` } };

  const box = findClaudePromptBox(lines);
  if (!box) {
    const dialog = claudeDialog(lines);
    return dialog ? { waiting: { reason: dialog } } : {};
  }
  const reading: Reading = { composerAt: box.top };
  const footer = flatten(lines.slice(box.bottom + 1));
  const busyFooter = footer.match(CLAUDE.footerBusy);
  if (busyFooter) reading.working = { reason: `footer: ${quote(busyFooter[0])}` };

  const body = flatten(lines.slice(box.top + 1, box.bottom).map(unbox));
  if (!reading.working && CLAUDE.queued.test(body)) reading.working = { reason: 'queued message in prompt box' };

  const above = claudeBlockAbove(blockAbove(lines, box.top));
  if (!reading.working && above.working) reading.working = above.working;
  reading.idle = above.idle ?? { reason: body.replace(/^[❯>]\s*/, '') === '' ? 'prompt box empty' : 'prompt box, no busy marker' };
  return reading;
}

/** The block directly above the box, read bottom-up: the lowest spinner or done line wins. */
function claudeBlockAbove(block: readonly string[]): Pick<Reading, 'working' | 'idle'> {
  for (let i = block.length - 1; i >= 0; i--) {
    const line = block[i]!;
    if (CLAUDE.interrupted.test(line)) return { idle: { reason: 'turn interrupted', explicit: true } };
    if (CLAUDE.doneLine.test(line)) {
      const bg = CLAUDE.background.test(block.join(' ')) ? ' (background work continues)' : '';
      return { idle: { reason: `done line ${quote(line)}${bg}`, explicit: true } };
    }
    if (CLAUDE.background.test(line)) return { idle: { reason: `turn over, ${quote(line)}`, explicit: true } };
    if (CLAUDE.spinnerLine.test(line) || CLAUDE.counter.test(line)) return { working: { reason: `spinner ${quote(line)}` } };
    if (CLAUDE.toolRunning.test(line)) return { working: { reason: `tool running ${quote(line)}` } };
  }
  return {};
}

/**
 * A dialog replaces the prompt box: a selected numbered option below the last rule (or, with no
 * rule at all, at the very bottom), plus a question or the dialog's own hint line. Structure, not
 * a literal: the decline wording differs per dialog and appears in agents' own output.
 */
function claudeDialog(lines: readonly string[]): string | undefined {
  let ruleAt = -1;
  for (let i = lines.length - 1; i >= 0; i--) if (isHorizontalRule(lines[i])) { ruleAt = i; break; }
  const from = ruleAt + 1;
  const region = lines.slice(from);
  const nonBlank = region.filter((l) => !isBlank(l));
  const hints = flatten(region);
  if (CLAUDE.permissionFooter.test(hints)) {
    return `permission dialog: ${quote(questionAbove(lines, from, lines.length) ?? 'Esc to cancel · Tab to amend')}`;
  }
  const cursorAt = region.findIndex((l) => CLAUDE.cursorOption.test(l));
  if (cursorAt < 0) return undefined;
  const below = region.slice(cursorAt + 1).filter((l) => !isBlank(l)).length;
  const maxBelow = ruleAt >= 0 ? CLAUDE_DIALOG_TAIL_MAX_LINES : CLAUDE_UNANCHORED_TAIL_MAX_LINES;
  if (below > maxBelow) return undefined;
  const options = region.filter((l) => CLAUDE.option.test(l)).length;
  const checkbox = /\[[ ✔✓x×]\]/.test(region[cursorAt]!);
  const question = questionAbove(lines, from, from + cursorAt);
  if (!(options >= 2 || checkbox) || !(question || CLAUDE.dialogHint.test(hints))) return undefined;
  const text = question ?? nonBlank[0]!.trim();
  return `${claudeDialogKind(hints)}: ${quote(text)}`;
}

function claudeDialogKind(text: string): string {
  if (/trust (?:this|the files|the contents)|you trust/i.test(text)) return 'trust dialog';
  if (/ready to execute|keep planning|Would you like to proceed\?/i.test(text)) return 'plan approval';
  if (/MCP server/i.test(text)) return 'MCP approval';
  if (/Enter to select|☐|Review your answers/.test(text)) return 'question';
  return 'permission dialog';
}

// ---------------------------------------------------------------------------------------------
// Replies, typing, hooks, transcript
// ---------------------------------------------------------------------------------------------

/**
 * Tool activity, not prose: `⏺ Bash(npm test)`, `⏺ Update(src/x.ts)`, `⏺ Running 1 shell command…`. A tool
 * call always has its argument list; a bare capitalised word (`● PONG`) is a one-word reply.
 */
const CLAUDE_TOOL_CALL = /^[⏺●] (?:[A-Z][\w-]*(?: [\w-]+)*\(|[\w-]+ - [\w-]+ \(MCP\)|Running \d+ |Read(?:ing)? \d+ |Searched for |Listed \d+ )/;
/** The user's own prompt as the transcript shows it (`> fix the test` in 2.x, NBSP after the glyph). */
const CLAUDE_USER_PROMPT = /^[>❯] \S/;

/** The last `⏺`/`●` text block of the latest turn: below the user's prompt, above the prompt box. */
function claudeReply(lines: readonly string[]) {
  const box = findClaudePromptBox(lines);
  if (!box) return noReply('no Claude Code prompt box on screen (a dialog may be open)');
  const above = lines.slice(0, box.top);
  const user = findLast(above, (l) => CLAUDE_USER_PROMPT.test(l));
  const turn = above.slice(user + 1);
  if (turn.some((l) => CLAUDE.interrupted.test(l) || /^\s*⎿\s+Interrupted/.test(l))) return noReply('the latest turn was interrupted');
  return screenReply(lastBulletBlock(turn, /^[⏺●] /, CLAUDE_TOOL_CALL), 'the latest turn has no reply on screen');
}

function claudeComposerEmpty(s: Screen): boolean {
  const box = findClaudePromptBox(s.lines);
  if (!box) return false;
  const body = s.lines.slice(box.top + 1, box.bottom).map((l) => unbox(l).replace(/^\s*[❯>]\s?/, '').trim());
  const text = body.filter(Boolean).join(' ');
  return text === '' || /^Try "/.test(text);
}

/**
 * Hook events cw adds for one run, and why each. All run `async` (in the background: they never delay the
 * agent) with a short timeout; `cw hook` prints nothing (SessionStart/UserPromptSubmit stdout would enter the
 * model's context) and always exits 0.
 */
const CLAUDE_EVENTS = ['SessionStart', 'UserPromptSubmit', 'Stop', 'StopFailure', 'Notification', 'PermissionRequest', 'SessionEnd'] as const;
const CLAUDE_HOOK_TIMEOUT_S = 10;

function claudeWire(input: HookWiringInput): HookWiring | undefined {
  if (input.programIndex === undefined) return undefined;
  const hooks: Record<string, unknown> = {};
  for (const ev of CLAUDE_EVENTS) {
    hooks[ev] = [{ hooks: [{ type: 'command', command: `${shellCommand(input.hookCommand)} ${ev}`, async: true, timeout: CLAUDE_HOOK_TIMEOUT_S }] }];
  }
  // A file, not inline JSON: the command line stays short in `ps` and in cw's own records.
  const file = join(input.dir, 'claude-settings.json');
  const argv = [...input.argv];
  argv.splice(input.programIndex + 1, 0, '--settings', file);
  return { argv, env: {}, files: [{ path: file, content: JSON.stringify({ hooks }, null, 2) }], summary: `--settings with hooks ${CLAUDE_EVENTS.join(', ')} (merged with yours)` };
}

function claudeInterpret(event: string, payload: unknown): HookSignal | undefined {
  const ids = {
    ...(field(payload, 'session_id') ? { conversationId: field(payload, 'session_id')! } : {}),
    ...(field(payload, 'transcript_path') ? { transcriptPath: field(payload, 'transcript_path')! } : {}),
  };
  switch (event) {
    case 'SessionStart':
      return { reason: `agent hook: SessionStart (${field(payload, 'source') ?? 'startup'})`, ...ids };
    case 'UserPromptSubmit':
      return { activity: 'working', reason: 'agent hook: UserPromptSubmit', turnStarted: true, ...ids };
    case 'Stop': {
      const last = field(payload, 'last_assistant_message');
      return { activity: 'idle', reason: 'agent hook: Stop', ...ids, ...(last !== undefined ? { lastMessage: last } : {}) };
    }
    case 'StopFailure':
      return { activity: 'idle', reason: `agent hook: StopFailure (${field(payload, 'error') ?? 'error'})`, ...ids };
    case 'PermissionRequest':
      return { activity: 'waiting_for_input', reason: 'agent hook: PermissionRequest', ...ids };
    case 'Notification': {
      const type = field(payload, 'notification_type') ?? '';
      if (type === 'permission_prompt' || type === 'elicitation_dialog') return { activity: 'waiting_for_input', reason: `agent hook: Notification (${type})`, ...ids };
      return { reason: `agent hook: Notification (${type || 'other'})`, ...ids };
    }
    case 'SessionEnd':
      return { reason: `agent hook: SessionEnd (${field(payload, 'reason') ?? 'other'})`, ended: true, ...ids };
    default:
      return undefined;
  }
}

/** `~/.claude/projects/<cwd with every non-alphanumeric as ->/<session_id>.jsonl`, or the path the hooks gave. */
async function claudeTranscriptReply(ref: ConversationRef) {
  const file =
    ref.transcriptPath ??
    (ref.conversationId ? join(process.env.CLAUDE_CONFIG_DIR ?? join(ref.home, '.claude'), 'projects', ref.cwd.replace(/[^A-Za-z0-9]/g, '-'), `${ref.conversationId}.jsonl`) : undefined);
  if (!file) return undefined;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  // Walk the entries: a real user prompt starts a turn; assistant text entries after it are the reply.
  let reply: string[] | undefined;
  let interrupted = false;
  for (const line of text.split('\n')) {
    let e: { type?: string; isMeta?: boolean; message?: { content?: unknown } };
    try {
      e = JSON.parse(line);
    } catch {
      continue; // a partial last line while Claude Code writes
    }
    if (e.type === 'user' && !e.isMeta) {
      const t = userText(e.message?.content);
      if (t === undefined) continue; // a tool result, not a prompt
      if (/^\[Request interrupted by user/.test(t)) {
        interrupted = true;
        continue;
      }
      reply = [];
      interrupted = false;
    } else if (e.type === 'assistant' && reply) {
      const content = e.message?.content;
      if (Array.isArray(content)) for (const c of content) if (c?.type === 'text' && typeof c.text === 'string') reply.push(c.text);
    }
  }
  if (!reply) return undefined;
  if (interrupted) return noReply('the latest turn was interrupted');
  const textOut = reply.join('\n\n').trim();
  return textOut ? ({ ok: true, text: textOut, source: 'transcript' } as const) : noReply('the latest turn has no reply in the transcript');
}

/** A user entry's prompt text, or undefined for tool results. */
function userText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  if (content.some((c) => c?.type === 'tool_result')) return undefined;
  const texts = content.filter((c) => c?.type === 'text' && typeof c.text === 'string').map((c) => c.text as string);
  return texts.length ? texts.join('\n') : undefined;
}

export const claude: AgentProfile = {
  kind: 'claude',
  label: 'Claude Code',
  checked: 'Claude Code 2.1.2–2.1.281 (recorded captures), 2.1.332 (captured here)',
  names: ['claude', 'claude-code', '@anthropic-ai/claude-code'],
  pathFragments: ['@anthropic-ai/claude-code/', '/claude-code/'],
  title: CLAUDE.title,
  read: readClaude,
  typesNotices: true,
  submitDelayMs: 80,
  composerEmpty: claudeComposerEmpty,
  replyFromScreen: claudeReply,
  hooks: { wire: claudeWire, interpret: claudeInterpret },
  transcriptReply: claudeTranscriptReply,
};
