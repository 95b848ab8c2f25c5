// Claude Code: everything cw knows about it. Layout (2.x): transcript, the spinner/status block, a prompt box
// between two `─` rules with `❯` inside, a footer. The prompt box is on screen in every state except while a
// dialog replaces it. Markers from AGENT-SCREENS.md §1.1 and the captures it cites, and from our own captures
// (tests/fixtures/screens/claude/*-captured-*, npm run agents:capture). 2.1.332 draws full-screen on the
// alternate screen, keeps the title at `✳ Claude Code` while a permission dialog is open (so ✳ is no idle
// evidence) and animates its mascot and the tool's bullet under that dialog (so the screen never goes quiet).

import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentProfile, ConversationRef, HookSignal, HookWiring, HookWiringInput, Reading, Reply, ResumeSupport, Screen } from './types.js';
import { field, shellCommand } from './hooks.js';
import { afterProgram, hasOption, optionValue, withoutOptions, type ConversationOptions } from './resume.js';
import { BRAILLE, blockAbove, findLast, flatten, isBlank, isHorizontalRule, lastNonBlank, lastNonBlankIndex, questionAbove, quote, unbox } from './screen.js';
import { lastBulletBlock, noReply, screenReply } from './reply.js';

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
  /**
   * A selection cursor on an unnumbered choice: the 2.1.332 gates draw `❯ No, exit` / `  Yes, I trust this
   * folder` and `❯ No (recommended)` / `  Yes` (captured-trust-dialog, captured-api-key-dialog).
   */
  cursorPlain: /^(\s*)❯ (\S.*)$/,
  option: /^\s*(?:❯\s*)?\d+\.\s*\S/,
  /** Dialog chrome, flattened because it wraps at narrow widths (`Esc to cancel · Tab to` / `amend`). */
  dialogHint: /Enter to (?:confirm|select)|Esc to (?:cancel|reject)|Tab to amend|\((?:esc)\)|to navigate/i,
  /** The permission footer alone proves a tool dialog even when its question scrolled off. */
  permissionFooter: /Esc to cancel · Tab to amend/,
  /** The right-aligned effort badge above the top rule in every state (`◐ medium · /effort`, 2.1.28x–2.1.332): not a spinner, not part of the reply. */
  effortBadge: /^\s{8,}\S.*·\s*\/effort\s*$/,
  /** Claude's own line for a failed request (2.1.332 `● API Error: 400 …`; older `API Error (Connection error.)`). */
  apiError: /^API Error\b/,
} as const;

/** Lines reaching this far below a dialog's selected option mean it is not the live bottom dialog. */
const CLAUDE_DIALOG_TAIL_MAX_LINES = 12; // the 20-col write dialog has 7 wrapped lines below `❯ 1.`; 12 leaves slack
/** Without any rule to anchor on, only a selection at the very bottom can be a live dialog. */
const CLAUDE_UNANCHORED_TAIL_MAX_LINES = 6; // trust gate: 2 options + hint below `❯ 1.`
/** Unnumbered choices sit right under the cursor row (2.1.332 gates: one other choice, then the hint). */
const CLAUDE_PLAIN_OPTION_SPAN_LINES = 4;
/**
 * With no prompt box (a capture cut above it, or a frame between two redraws), a live spinner counter this
 * close to the bottom still proves a running turn: todo rows and a status line can sit under it.
 */
const CLAUDE_NO_BOX_SPINNER_LINES = 10;
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
    if (dialog) return { waiting: { reason: dialog } };
    const spinner = liveSpinnerNoBox(lines);
    return spinner ? { working: { reason: `spinner ${quote(spinner)} (no prompt box on screen)` } } : {};
  }
  const reading: Reading = { composerAt: box.top };
  const footer = flatten(lines.slice(box.bottom + 1));
  const busyFooter = footer.match(CLAUDE.footerBusy);
  if (busyFooter) reading.working = { reason: `footer: ${quote(busyFooter[0])}` };

  const body = flatten(lines.slice(box.top + 1, box.bottom).map(unbox));
  if (!reading.working && CLAUDE.queued.test(body)) reading.working = { reason: 'queued message in prompt box' };

  const above = claudeBlockAbove(blockAbove(lines, blockAnchor(lines, box.top)));
  if (!reading.working && above.working) reading.working = above.working;
  reading.idle = above.idle ?? { reason: body.replace(/^[❯>]\s*/, '') === '' ? 'prompt box empty' : 'prompt box, no busy marker' };
  return reading;
}

/**
 * Where the block above the box ends: the box's top rule, or the effort badge when it sits right above the
 * rule (it is drawn apart from the spinner/done block, with blank rows between them).
 */
function blockAnchor(lines: readonly string[], top: number): number {
  let i = top - 1;
  while (i >= 0 && isBlank(lines[i])) i--;
  return i >= 0 && CLAUDE.effortBadge.test(lines[i]!) ? i : top;
}

/** The live counter line near the bottom of a screen without a prompt box, unless a turn-over line is below it. */
function liveSpinnerNoBox(lines: readonly string[]): string | undefined {
  const tail = lastNonBlank(lines, CLAUDE_NO_BOX_SPINNER_LINES).map((i) => lines[i]!);
  for (let i = tail.length - 1; i >= 0; i--) {
    const line = tail[i]!;
    if (CLAUDE.doneLine.test(line) || CLAUDE.interrupted.test(line)) return undefined;
    if (CLAUDE.counter.test(line)) return line;
  }
  return undefined;
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
  if (cursorAt < 0) return plainChoiceDialog(lines, from, region);
  const below = region.slice(cursorAt + 1).filter((l) => !isBlank(l)).length;
  const maxBelow = ruleAt >= 0 ? CLAUDE_DIALOG_TAIL_MAX_LINES : CLAUDE_UNANCHORED_TAIL_MAX_LINES;
  if (below > maxBelow) return undefined;
  const options = region.filter((l) => CLAUDE.option.test(l)).length;
  const checkbox = /\[[ ✔✓x×]\]/.test(region[cursorAt]!);
  const question = questionAbove(lines, from, from + cursorAt) ?? questionIn(region.slice(0, cursorAt));
  if (!(options >= 2 || checkbox) || !(question || CLAUDE.dialogHint.test(hints))) return undefined;
  const text = question ?? nonBlank[0]!.trim();
  return `${claudeDialogKind(hints)}: ${quote(text)}`;
}

/**
 * A gate with unnumbered choices (2.1.332: trust, API key): the cursor row, another choice at the same text
 * column right under or over it, and the dialog's Enter/Esc hint. The hint is required: without numbers, a
 * `❯ ` row alone is also what a user prompt looks like in the transcript.
 */
function plainChoiceDialog(lines: readonly string[], from: number, region: readonly string[]): string | undefined {
  let cursorAt = -1;
  for (let i = region.length - 1; i >= 0; i--) if (CLAUDE.cursorPlain.test(region[i]!)) { cursorAt = i; break; }
  if (cursorAt < 0) return undefined;
  const m = CLAUDE.cursorPlain.exec(region[cursorAt]!)!;
  const textCol = m[1]!.length + 2;
  const near = region.slice(Math.max(0, cursorAt - CLAUDE_PLAIN_OPTION_SPAN_LINES), cursorAt + CLAUDE_PLAIN_OPTION_SPAN_LINES + 1);
  const others = near.filter((l) => l !== region[cursorAt] && !isBlank(l) && l.length - l.trimStart().length === textCol && !/^\s*❯/.test(l));
  if (others.length === 0) return undefined;
  const after = region.slice(cursorAt + 1).filter((l) => !isBlank(l));
  if (after.length > CLAUDE_UNANCHORED_TAIL_MAX_LINES) return undefined;
  const hints = flatten(region.slice(cursorAt));
  if (!/Enter to confirm|Esc to cancel/.test(hints)) return undefined;
  const question = questionAbove(lines, from, from + cursorAt) ?? questionIn(region.slice(0, cursorAt));
  return `${claudeDialogKind(flatten(region))}: ${quote(question ?? m[2]!)}`;
}

/** A question that does not end its line (`… one you trust? (Like your own code, …`): the text up to its `?`. */
function questionIn(lines: readonly string[]): string | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const q = /^\s*([^?]*\?)/.exec(unbox(lines[i]!));
    if (q && q[1]!.trim().length >= 4) return q[1]!.trim();
  }
  return undefined;
}

function claudeDialogKind(text: string): string {
  if (/Detected a custom API key|use this API key/i.test(text)) return 'API key dialog';
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
 * call always has its argument list right after its one- or two-word capitalised name (`Web Search(`); a bare
 * capitalised word (`● PONG`) is a one-word reply, and prose with a parenthesis (`● Inbox had 1 message(s)`) is
 * prose.
 */
const CLAUDE_TOOL_CALL = /^[⏺●] (?:[A-Z][\w-]*(?: [A-Z][\w-]*)?\(|[\w-]+ - [\w-]+ \(MCP\)|Running \d+ |Read(?:ing)? \d+ |Searched for |Listed \d+ )/;
/** The user's own prompt as the transcript shows it (`> fix the test` in 2.x, NBSP after the glyph). */
const CLAUDE_USER_PROMPT = /^[>❯] \S/;

/** The last `⏺`/`●` text block of the latest turn: below the user's prompt, above the prompt box. */
function claudeReply(lines: readonly string[]) {
  const box = findClaudePromptBox(lines);
  if (!box) return noReply('no Claude Code prompt box on screen (a dialog may be open)');
  const anchor = blockAnchor(lines, box.top);
  if (claudeBlockAbove(blockAbove(lines, anchor)).working) return noReply('the turn is still running');
  const above = lines.slice(0, anchor);
  const user = findLast(above, (l) => CLAUDE_USER_PROMPT.test(l));
  // Widgets drawn under the turn's done line (the 2.1.285 feedback survey `● How is Claude doing…`, the agent
  // selector `⏺ main`) are not the reply: it ends above that line.
  const over = findLast(above, (l) => CLAUDE.doneLine.test(l) || /Waiting for \d+ background/.test(l));
  const turn = above.slice(user + 1, over > user ? over : above.length);
  if (turn.some((l) => CLAUDE.interrupted.test(l) || /^\s*⎿\s+Interrupted/.test(l))) return noReply('the latest turn was interrupted');
  const reply = screenReply(lastBulletBlock(turn, /^[⏺●] /, CLAUDE_TOOL_CALL), 'the latest turn has no reply on screen');
  if (reply.ok && CLAUDE.apiError.test(reply.text)) return noReply(`the latest turn ended in an error: ${quote(reply.text)}`);
  return reply;
}

function claudeComposerEmpty(s: Screen): boolean {
  const box = findClaudePromptBox(s.lines);
  if (!box) return false;
  const body = s.lines.slice(box.top + 1, box.bottom).map((l) => unbox(l).replace(/^\s*[❯>]\s?/, '').trim());
  const text = body.filter(Boolean).join(' ');
  // A ghost suggestion (`Try "…"`) and the queued-message placeholder (2.1.28x–2.1.332) are not typed text.
  return text === '' || /^Try "/.test(text) || text === 'Press up to edit queued messages';
}

/**
 * Hook events cw adds for one run, and why each. All run `async` (in the background: they never delay the
 * agent) with a short timeout; `cw hook` prints nothing (SessionStart/UserPromptSubmit stdout would enter the
 * model's context) and always exits 0. Checked on 2.1.332 with this wiring (`--settings FILE`): all fire, in
 * order, for a text turn (UserPromptSubmit, Stop), a permission turn (UserPromptSubmit, PermissionRequest,
 * Notification permission_prompt ~6 s after the dialog opened, Stop); an interrupt or a rejected dialog fires no
 * Stop; `/exit` fires SessionEnd (prompt_input_exit). None fires, not even SessionStart, while the folder's
 * trust dialog is up: SessionStart comes once it is accepted.
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
  // Only SessionStart switches the conversation: `/clear` and a fork give a new id there (source clear, fork),
  // resume and compaction keep it. Every other event's id only fills in an unknown one (async hooks come out of
  // order: a late Stop from before a /clear carries the old id).
  const ids = {
    ...(field(payload, 'session_id') ? { conversationId: field(payload, 'session_id')! } : {}),
    ...(field(payload, 'transcript_path') ? { transcriptPath: field(payload, 'transcript_path')! } : {}),
    ...(event === 'SessionStart' ? {} : { keepsConversation: true }),
  };
  switch (event) {
    case 'SessionStart':
      return { reason: `agent hook: SessionStart (${field(payload, 'source') ?? 'startup'})`, ...ids };
    case 'UserPromptSubmit':
      return { activity: 'working', reason: 'agent hook: UserPromptSubmit', turnStarted: true, ...ids };
    case 'Stop': {
      const last = field(payload, 'last_assistant_message');
      // The turn is over and the prompt takes input even while background shells run (2.1.332 sends `background_tasks: []`).
      const bg = (payload as { background_tasks?: unknown } | null)?.background_tasks;
      const note = Array.isArray(bg) && bg.length > 0 ? ` (${bg.length} background task${bg.length > 1 ? 's' : ''} still running)` : '';
      return { activity: 'idle', reason: `agent hook: Stop${note}`, ...ids, ...(last !== undefined ? { lastMessage: last } : {}) };
    }
    case 'StopFailure':
      return { activity: 'idle', reason: `agent hook: StopFailure (${field(payload, 'error') ?? 'error'})`, ...ids };
    case 'PermissionRequest':
      return { activity: 'waiting_for_input', reason: 'agent hook: PermissionRequest', ...ids };
    case 'Notification': {
      const type = field(payload, 'notification_type') ?? '';
      if (type === 'permission_prompt' || type === 'elicitation_dialog') return { activity: 'waiting_for_input', reason: `agent hook: Notification (${type})`, ...ids };
      // "Claude is waiting for your input": after messageIdleNotifThresholdMs (60 s) at the ready prompt. On
      // 2.1.332 it did not fire while a permission dialog stayed open past the threshold.
      if (type === 'idle_prompt') return { activity: 'idle', reason: 'agent hook: Notification (idle_prompt)', ...ids };
      return { reason: `agent hook: Notification (${type || 'other'})`, ...ids };
    }
    case 'SessionEnd':
      return { reason: `agent hook: SessionEnd (${field(payload, 'reason') ?? 'other'})`, ended: true, ...ids };
    default:
      return undefined;
  }
}

/**
 * `~/.claude/projects/<cwd with every non-alphanumeric as ->/<session_id>.jsonl` (checked on 2.1.332:
 * /tmp/x/hooks/project → -tmp-x-hooks-project), or the path the hooks gave.
 */
async function claudeTranscriptReply(ref: ConversationRef) {
  const file =
    ref.transcriptPath ??
    (ref.conversationId ? join(process.env.CLAUDE_CONFIG_DIR ?? join(ref.home, '.claude'), 'projects', ref.cwd.replace(/[^A-Za-z0-9]/g, '-'), `${ref.conversationId}.jsonl`) : undefined);
  if (!file) return undefined;
  let text: string;
  try {
    // Not written since this session started: its latest turn belongs to an earlier run (a resumed id).
    if ((await stat(file)).mtimeMs < ref.startedAt) return undefined;
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  return claudeTranscriptTurn(text);
}

interface ClaudeEntry {
  type?: string;
  subtype?: string;
  isMeta?: boolean;
  isCompactSummary?: boolean;
  isApiErrorMessage?: boolean;
  message?: { id?: string; content?: unknown; stop_reason?: string | null };
}

/**
 * The latest turn of a transcript (2.1.332 shapes, tests/fixtures/transcripts/claude/): a prompt is a `user`
 * entry with text; each content block of a reply is its own `assistant` entry (blocks of one API message share
 * `message.id`); the reply is the text of the turn's last assistant message, as the Stop hook's
 * `last_assistant_message` gives it. Ends: `system` `turn_duration`/`stop_hook_summary`, or an `end_turn`
 * stop. An interrupt is a `user` text `[Request interrupted by user…]` (no turn_duration follows). A failed
 * request is an assistant entry with `isApiErrorMessage`. Undefined while the turn has neither an end nor an
 * interrupt: the transcript is written after the Stop hook, so it may lag the screen; the caller reads on.
 */
export function claudeTranscriptTurn(text: string): Reply | undefined {
  let started = false;
  let interrupted = false;
  let ended = false;
  let apiError: string | undefined;
  let last: { id: string | undefined; texts: string[] } | undefined;
  for (const line of text.split('\n')) {
    let e: ClaudeEntry;
    try {
      e = JSON.parse(line) as ClaudeEntry;
    } catch {
      continue; // a partial last line while Claude Code writes
    }
    if (e.type === 'user' && !e.isMeta && !e.isCompactSummary) {
      const t = userText(e.message?.content);
      if (t === undefined) continue; // a tool result, not a prompt
      if (/^\[Request interrupted by user/.test(t)) {
        interrupted = true;
        continue;
      }
      // Local slash commands start no model turn (their entry shapes are from older transcripts; 2.1.332 wrote
      // no entry for `/exit`).
      if (/^\s*<(?:command-name|command-message|local-command-stdout|local-command-caveat)>/.test(t)) continue;
      started = true;
      interrupted = ended = false;
      apiError = undefined;
      last = undefined;
    } else if (e.type === 'assistant' && started) {
      const texts = assistantTexts(e.message?.content);
      if (e.isApiErrorMessage) {
        apiError = texts.join(' ') || 'API error';
        ended = true;
        continue;
      }
      if (texts.length) {
        if (last && last.id === e.message?.id) last.texts.push(...texts);
        else last = { id: e.message?.id, texts };
      }
      if (e.message?.stop_reason === 'end_turn') ended = true;
    } else if (e.type === 'system' && started && (e.subtype === 'turn_duration' || e.subtype === 'stop_hook_summary')) {
      ended = true;
    }
  }
  if (!started) return undefined;
  if (interrupted) return noReply('the latest turn was interrupted');
  if (apiError) return noReply(`the latest turn ended in an error: ${quote(apiError)}`);
  if (!ended) return undefined;
  const out = (last?.texts ?? []).join('\n\n').trim();
  return out ? { ok: true, text: out, source: 'transcript' } : noReply('the latest turn has no reply in the transcript');
}

function assistantTexts(content: unknown): string[] {
  if (!Array.isArray(content)) return [];
  return content.filter((c) => c?.type === 'text' && typeof c.text === 'string' && c.text.trim() !== '').map((c) => c.text as string);
}

/** A user entry's prompt text, or undefined for tool results. */
function userText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  if (content.some((c) => c?.type === 'tool_result')) return undefined;
  const texts = content.filter((c) => c?.type === 'text' && typeof c.text === 'string').map((c) => c.text as string);
  return texts.length ? texts.join('\n') : undefined;
}

/**
 * The options that pick a conversation (2.1.332 `claude --help`): `--session-id <uuid>` names a new one,
 * `-r/--resume [id]` resumes one and keeps its id (SessionStart source `resume`), `-c/--continue` takes the
 * folder's latest, `--fork-session` gives a resumed one a new id.
 */
const CLAUDE_CONVERSATION: ConversationOptions = { flags: ['-c', '--continue', '--fork-session'], withValue: ['--session-id'], optionalValue: ['-r', '--resume'] };
/** Options after which the run is no new conversation of cw's to name: a remote or cloud one, or none at all. */
const CLAUDE_NOT_A_CONVERSATION: ConversationOptions = { flags: ['-v', '--version', '-h', '--help'], withValue: [], optionalValue: ['--teleport', '--from-pr', '--cloud'] };
/** Its subcommands (2.1.332 `claude --help`): not a conversation, and an option added before one could break it. */
const CLAUDE_SUBCOMMANDS = new Set([
  'agents', 'attach', 'auth', 'auto-mode', 'config', 'doctor', 'gateway', 'import', 'install', 'kill', 'logs', 'mcp', 'migrate-installer',
  'plugin', 'plugins', 'purge', 'respawn', 'rm', 'setup-token', 'stop', 'ultrareview', 'update', 'upgrade',
]);

/** Where Claude Code keeps a conversation's transcript (claudeTranscriptReply's rule), in the session's own HOME. */
function claudeTranscriptFile(ref: ConversationRef, configDir: string | undefined): string | undefined {
  if (ref.transcriptPath) return ref.transcriptPath;
  if (!ref.conversationId) return undefined;
  return join(configDir ?? join(ref.home, '.claude'), 'projects', ref.cwd.replace(/[^A-Za-z0-9]/g, '-'), `${ref.conversationId}.jsonl`);
}

export const claudeResume: ResumeSupport = {
  named: (argv, at) => optionValue(argv, at, CLAUDE_CONVERSATION, ['--session-id', '-r', '--resume']),
  assign: (argv, at, newId) => {
    if (hasOption(argv, at, CLAUDE_CONVERSATION) || hasOption(argv, at, CLAUDE_NOT_A_CONVERSATION)) return undefined;
    if (argv.slice(at + 1).some((a) => CLAUDE_SUBCOMMANDS.has(a))) return undefined;
    return afterProgram(argv, at, ['--session-id', newId]);
  },
  resumeArgs: (argv, at, id) => afterProgram(withoutOptions(argv, at, CLAUDE_CONVERSATION), at, ['--resume', id]),
  freshArgs: (argv, at) => withoutOptions(argv, at, CLAUDE_CONVERSATION),
  // `--resume` of an id with no transcript fails ("No conversation found"): the run took no turn yet.
  unresumable: (ref, env) => {
    const file = claudeTranscriptFile(ref, env.CLAUDE_CONFIG_DIR);
    if (!file) return 'no conversation id is known';
    return existsSync(file) ? undefined : `its conversation${ref.conversationId ? ` ${ref.conversationId}` : ''} has no transcript yet (no turn was taken)`;
  },
};

export const claude: AgentProfile = {
  kind: 'claude',
  label: 'Claude Code',
  checked: 'Claude Code 2.1.2–2.1.285 (other projects\' captures), 2.1.332 (npm run agents:capture; hooks and transcript run live)',
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
  resume: claudeResume,
};
